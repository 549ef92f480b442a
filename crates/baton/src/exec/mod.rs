//! Execution: the interpreter's registers, its context, and the entry point that runs
//! translated code until it returns, traps or needs the host.
//!
//! Every `unsafe` operation here sits in an `unsafe` block that says, in a `SAFETY:`
//! comment, what makes it sound and where that is established (validation, translation,
//! a check just above), also inside `unsafe fn`s and in macros.
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]
// A handler takes the interpreter registers as its arguments, eight of them with the
// accumulators (see `Handler`): each is a machine register across every hand-over.
#![allow(clippy::too_many_arguments)]

/// Defines a function of the handler signature ([`Handler`]): `handler_fn! { unsafe fn
/// name(ip, sp, mem, ctx, len, acc) { body } }` (optionally `pub(crate)`, with attributes).
/// The accumulators arrive as three arguments and are one [`Acc`], named by the last
/// parameter, in the body. Every handler is written through this macro or [`ops`]' `def!`
/// (which uses it), so that the signature is written once.
macro_rules! handler_fn {
    ($(#[$attr:meta])* $vis:vis unsafe fn $name:ident(
        $ip:pat, $sp:pat, $mem:pat, $ctx:ident, $len:pat, $acc:pat
    ) $body:block) => {
        $(#[$attr])*
        $vis unsafe fn $name(
            $ip: $crate::exec::Ip,
            $sp: $crate::exec::Sp,
            $mem: $crate::exec::Mem,
            acc_i: u64,
            $ctx: &mut $crate::exec::Ctx,
            $len: usize,
            acc_f: f64,
            acc_s: f32,
        ) -> $crate::exec::Control {
            let $acc = $crate::exec::Acc { i: acc_i, f: acc_f, s: acc_s };
            $body
        }
    };
}

mod bulk;
pub(crate) mod dispatch;
mod frames;
mod gc;
mod roots;
pub(crate) use roots::collect_from_host;
pub(crate) mod ops;
pub(crate) mod unwind;

use crate::error::TrapCode;
use crate::runtime::{CompiledFunc, FuncEntity, InstanceEntity, MemoryEntity};
use frames::Frames;

/// Instruction pointer: the first word of an instruction.
pub(crate) type Ip = *const u64;
/// Frame pointer: slot 0 of the current function's frame.
pub(crate) type Sp = *mut u64;
/// Base address of the current instance's default memory.
pub(crate) type Mem = *mut u8;

/// Every instruction handler has this signature, so that any handler can hand over to any
/// other with the interpreter registers (ip, sp, memory base and length, and the
/// accumulators) in machine registers. The accumulators carry a value from one instruction
/// to the very next one without a trip through the frame ([`Acc`]: the integer one, then
/// the `f64` and `f32` ones, which the calling convention puts in floating-point
/// registers). The order puts the integer accumulator in the fourth argument register,
/// `rcx` on x86-64: the shift-count register, which a handler that does not read the
/// accumulator may then use freely (see `ops::Cell::pass_on`).
pub(crate) type Handler = unsafe fn(Ip, Sp, Mem, u64, &mut Ctx, usize, f64, f32) -> Control;

/// The accumulators a handler receives and hands on: a value the previous instruction left
/// for this one, in a register of its class. Integers (and references, and the bits of
/// anything the instruction only moves) go in `i`; a float that a float operation computed
/// for a float operation goes in `f` (`f64`) or `s` (`f32`), so that a chain of float
/// arithmetic stays in floating-point registers instead of crossing to a general register
/// and back at every step (two transfers of a few cycles each, on the chain's critical
/// path). Which one holds the value is decided at translation time: the producer's
/// accumulator form and the consumer's are of the same class (`AccClass`), or the value
/// goes through its slot.
///
/// Handlers see the three as one value; they cross a hand-over as three arguments (a
/// struct would be passed in memory), which [`dispatch::tail!`] and `def!` take apart and
/// put together again.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Acc {
    pub i: u64,
    pub f: f64,
    pub s: f32,
}

impl Acc {
    /// No value: what a fresh start or a resumption hands the first handler, and what a
    /// handler that writes no accumulator may hand on instead of what it received (the
    /// next instruction reads none then; constants spare a handler that calls out of line
    /// saving three registers around the call).
    pub(crate) const NONE: Acc = Acc {
        i: 0,
        f: 0.0,
        s: 0.0,
    };

    /// These accumulators with the integer one replaced by `i`.
    #[inline(always)]
    pub(crate) fn with_i(self, i: u64) -> Acc {
        Acc { i, ..self }
    }
}

/// Why the interpreter stopped running handlers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Control {
    /// The outermost function of this activation returned.
    Done,
    /// A trap; the code is in `Ctx::trap`.
    Trap,
    /// A host function must be called (`Ctx::host_func`, `Ctx::host_args`), then execution
    /// resumes at `Ctx::regs`.
    Host,
    /// Portable dispatch only: run the handler at `Ctx::regs` next.
    #[cfg_attr(not(baton_dispatch = "portable"), allow(dead_code))]
    Continue,
    /// A fuel check failed; `Ctx::regs` is the state to resume from (the check itself,
    /// which has not charged anything) once fuel is added.
    OutOfFuel,
    /// The store's interrupt flag was raised; `Ctx::regs` is where execution stopped.
    Interrupted,
    /// A function not translated yet was entered (its stub is at `Ctx::regs`): translate
    /// it, then run it from its first instruction.
    Translate,
    /// An exception (`Ctx::exception`) left the activation: no handler caught it. The
    /// activation's frames are gone.
    Exception,
}

/// The interpreter registers, saved in the context when they must survive a handler
/// returning (portable dispatch, host calls).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Regs {
    pub ip: Ip,
    pub sp: Sp,
    pub mem: Mem,
    pub len: usize,
    /// The accumulators (see [`Handler`]).
    pub acc: Acc,
}

impl Regs {
    pub(crate) const NULL: Regs = Regs {
        ip: core::ptr::null(),
        sp: core::ptr::null_mut(),
        mem: core::ptr::null_mut(),
        len: 0,
        acc: Acc::NONE,
    };
}

/// A suspended caller: where to continue when the callee returns.
///
/// A frame holds no instance: a return goes back to the instance it left, because a call
/// into another instance pushes two frames. The upper one returns to [`RESTORE_CODE`]
/// with the caller's `sp`; the lower one holds the caller's return address and, in place
/// of `sp`, its instance (see [`Frame::restoring`]), which `RESTORE_CODE` re-enters before
/// returning there. Returns within an instance, nearly all of them, check nothing.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame {
    pub ret_ip: Ip,
    pub sp: Sp,
}

impl Frame {
    /// The lower frame of a call into another instance: return to `ret_ip` in `inst`.
    pub(crate) fn restoring(ret_ip: Ip, inst: *const InstanceEntity) -> Frame {
        Frame {
            ret_ip,
            sp: inst as Sp,
        }
    }

    /// Whether this is the upper frame of a call into another instance.
    pub(crate) fn restores(&self) -> bool {
        self.ret_ip == restore_ip()
    }

    /// Whether this is an activation's sentinel frame (its first: returning to it ends
    /// the activation).
    pub(crate) fn exits(&self) -> bool {
        self.ret_ip == exit_ip()
    }
}

/// Where an activation's sentinel frame returns to.
pub(crate) fn exit_ip() -> Ip {
    &EXIT_CODE as *const Handler as Ip
}

/// Where the upper frame of a call into another instance returns to.
pub(crate) fn restore_ip() -> Ip {
    &RESTORE_CODE as *const Handler as Ip
}

/// How many memories, from memory 0, the `m` forms of memory accesses reach through
/// [`Ctx::memory_bases`]; accesses to the others take the `x` form.
pub(crate) const MEMORY_SLOTS: usize = 8;

/// State shared by all handlers of one store's execution, reached through a pointer that
/// stays in a register.
pub(crate) struct Ctx {
    pub regs: Regs,
    /// Instance whose code is running.
    pub inst: *const InstanceEntity,
    /// That instance's global cells (the data of its `globals`): one dependent load fewer
    /// on every global access than through `inst`, and C code makes two on every call
    /// (its shadow-stack pointer, in the prologue and the epilogue), at the head of the
    /// chain of loads that the frame's first accesses wait for.
    pub globals: *const *mut u64,
    /// That instance's module's compiled functions (for direct calls).
    pub compiled: *const CompiledFunc,
    /// That instance's default memory (an empty one when it has none).
    pub mem: *mut MemoryEntity,
    /// The data of that instance's memories 1 to `MEMORY_SLOTS - 1`, and their lengths in
    /// `memory_lens` (entry 0 of each is unused: memory 0 is in the registers), for the `m`
    /// forms of memory accesses: two independent loads from `ctx`, where reading them
    /// through the memory's entity puts a third load before both. (Two arrays, not one of
    /// pairs: an 8-byte stride is an addressing mode of its own, a 16-byte one costs the
    /// handlers three more instructions.) Set wherever the `mem`/`len` registers are
    /// reloaded ([`Ctx::mem_regs`]), so they are current whenever the instance's code
    /// runs, exactly like the registers: a memory's data moves and its length changes only
    /// when it grows, and growing (`memory.grow`, the host during a host call, another
    /// instance during a call into it) is always followed by a reload before the code goes
    /// on. Entries past the instance's last memory are stale and never read (validation
    /// keeps accesses to the module's memories).
    pub memory_bases: [Mem; MEMORY_SLOTS],
    /// The lengths that go with `memory_bases`.
    pub memory_lens: [usize; MEMORY_SLOTS],
    /// The Wasm call stack (return addresses), on the heap.
    pub frames: Frames,
    /// One past the last slot of the value stack.
    pub stack_end: *mut u64,
    /// The value stack's first slot.
    pub stack_base: *mut u64,
    pub trap: TrapCode,
    pub trap_ip: Ip,
    pub host_func: *const FuncEntity,
    pub host_args: *mut u64,
    /// Remaining fuel (only read by code translated with fuel metering).
    pub fuel: u64,
    /// The store's interrupt flag (only read by code translated with interruption checks).
    pub interrupt: *const core::sync::atomic::AtomicBool,
    /// Portable dispatch: the lowest native stack address the current chain of handler
    /// calls may reach (or, where the stack pointer cannot be read, how many handlers it
    /// may still call); see `dispatch::chain_has_room`.
    #[cfg_attr(not(baton_dispatch = "portable"), allow(dead_code))]
    pub chain: usize,
    /// The store's resource limiter, consulted when memories and tables grow.
    pub limiter: Option<*mut dyn crate::limits::ResourceLimiter>,
    /// The store's exceptions (here, not in the store, because `throw` makes them).
    pub exns: crate::runtime::ExnHeap,
    /// The store's structures and arrays (here, not in the store, because instructions
    /// make them).
    pub gc: crate::runtime::gc::GcHeap,
    /// The exception being thrown (see `unwind`), and with [`Control::Exception`] the one
    /// that left the activation.
    pub exception: *mut crate::runtime::ExnEntity,
    /// Where it was thrown: a word of the instruction that threw (see `unwind`).
    pub throw_site: Ip,
    /// The code of functions the unwinder found lately (see `unwind::code_at`).
    pub code_cache: unwind::CodeCache,
}

impl Ctx {
    pub(crate) fn new(max_frames: usize) -> Ctx {
        Ctx {
            regs: Regs::NULL,
            inst: core::ptr::null(),
            globals: core::ptr::null(),
            compiled: core::ptr::null(),
            mem: core::ptr::null_mut(),
            memory_bases: [core::ptr::null_mut(); MEMORY_SLOTS],
            memory_lens: [0; MEMORY_SLOTS],
            frames: Frames::new(max_frames),
            stack_end: core::ptr::null_mut(),
            stack_base: core::ptr::null_mut(),
            trap: TrapCode::Unreachable,
            trap_ip: core::ptr::null(),
            host_func: core::ptr::null(),
            host_args: core::ptr::null_mut(),
            fuel: 0,
            interrupt: core::ptr::null(),
            limiter: None,
            chain: 0,
            exns: Default::default(),
            gc: Default::default(),
            exception: core::ptr::null_mut(),
            throw_site: core::ptr::null(),
            code_cache: unwind::CodeCache::default(),
        }
    }

    /// Makes `inst` the running instance.
    ///
    /// # Safety
    /// `inst` points to a live instance of this store.
    #[inline(always)]
    pub(crate) unsafe fn enter_instance(&mut self, inst: *const InstanceEntity) {
        self.inst = inst;
        // SAFETY: see the contract; instances outlive every execution in their store.
        unsafe {
            self.compiled = (*inst).compiled;
            // (An instance's globals are all pushed during its instantiation, before any
            // of its code can run, and never again: the vector's data stays put.)
            self.globals = (*inst).globals.as_ptr();
            self.mem = (*inst).mem0;
        }
    }

    /// Makes `inst` the running instance again after code of another ran in between (a
    /// host function's calls, a nested activation), or none when `inst` is null (as before
    /// the first activation). Everything `enter_instance` derives is derived again: saving
    /// only some of it left the rest pointing at the other instance's (its globals, read
    /// and written by the caller's `global.get` and `global.set`).
    ///
    /// # Safety
    /// `inst` is null or points to a live instance of this store.
    pub(crate) unsafe fn resume_instance(&mut self, inst: *const InstanceEntity) {
        if inst.is_null() {
            self.inst = inst;
            self.compiled = core::ptr::null();
            self.globals = core::ptr::null();
            self.mem = core::ptr::null_mut();
        } else {
            // SAFETY: see the contract.
            unsafe { self.enter_instance(inst) }
        }
    }

    /// Current base and length of the running instance's default memory, for the `mem`
    /// and `len` registers; also sets [`Ctx::memory_bases`] and [`Ctx::memory_lens`] from
    /// its other memories (none, and one test, for an instance with a single memory).
    #[inline(always)]
    pub(crate) fn mem_regs(&mut self) -> (Mem, usize) {
        // SAFETY: `inst` is the running instance (set with `mem` by `enter_instance` or
        // restored with it), alive for as long as its code can run.
        let slots = unsafe { &(*self.inst).memory_slots };
        // A plain loop on an index, not iterator adapters: in a build without LTO those
        // can stay calls, and a call in a handler that reloads the registers (the calls
        // into other instances, `memory.grow`) kept its hand-over from being a jump.
        let mut i = 1;
        while i < MEMORY_SLOTS {
            let m = slots[i];
            if m.is_null() {
                break;
            }
            // SAFETY: the instance's memory pointers before the first null are live
            // entities of its store.
            unsafe {
                self.memory_bases[i] = (*m).data.as_mut_ptr();
                self.memory_lens[i] = (*m).data.len();
            }
            i += 1;
        }
        // SAFETY: `mem` always points to a live memory: `enter_instance` sets it to the
        // running instance's memory 0 (or its empty stand-in), which the store or the
        // instance owns for as long as the instance's code can run.
        unsafe { ((*self.mem).data.as_mut_ptr(), (*self.mem).data.len()) }
    }
}

/// Exposes the provenance of the stubs' handlers below, so that
/// [`dispatch::handler_at`] may read their words as integers like any other handler word.
/// (A cast with no effect on the machine code: it matters to the abstract machine only.)
pub(crate) fn expose_stubs() {
    for stub in [&EXIT_CODE, &RETURN_CODE, &RESTORE_CODE, &UNWIND_CODE] {
        let _ = *stub as usize;
    }
}

/// The word a sentinel frame returns to: ends the activation.
pub(crate) static EXIT_CODE: Handler = ops::exit_handler;
/// The word a host call made in tail position resumes at: returns to the caller.
pub(crate) static RETURN_CODE: Handler = ops::return_handler;
/// The word a call into another instance returns to: re-enters the caller's instance
/// (see [`Frame`]).
pub(crate) static RESTORE_CODE: Handler = ops::restore_handler;
/// The word execution resumes at when a host function called from Wasm throws: unwinds
/// `Ctx::exception` from `Ctx::throw_site` (see `unwind`).
pub(crate) static UNWIND_CODE: Handler = unwind::unwind;
