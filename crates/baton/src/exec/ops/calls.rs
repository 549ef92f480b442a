//! Calls and returns: direct, imported, indirect and tail calls (with the argument copies
//! folded into them), returns, and the stubs that end an activation (`exit_handler`),
//! finish a host call made in tail position (`return_handler`) and return from another
//! instance (`restore_handler`).
//!
//! What the handlers rely on beyond the translation invariants: `ctx.inst` and
//! `ctx.compiled` are the running instance and its compiled functions (`enter_instance`
//! sets both whenever the instance changes), alive while its code runs; function entities
//! (reached from the instance or from a table) live as long as their store; and the
//! frames between `ctx.frames`' base and `top` are initialised (`Frames`).

use super::*;
use crate::exec::Frame;
use crate::runtime::FuncEntity;

/// Enters the compiled function `f` with its frame at `new_sp`. Shared by every call form;
/// the caller has already pushed the return frame (or reuses its own, for tail calls).
macro_rules! enter {
    ($f:expr, $new_sp:expr, $ip:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        let f: &crate::runtime::CompiledFunc = $f;
        let new_sp: Sp = $new_sp;
        // (`wrapping_add`: the end of a frame that does not fit may lie beyond the stack,
        // where `add` would be undefined.)
        if new_sp.wrapping_add(f.frame_size as usize) > $ctx.stack_end {
            // At the callee's first instruction, not at the call: the backtrace then names
            // the function that did not fit, above its caller (whose return frame is
            // pushed already), as a lazily translated callee's stub does
            // (`enter_translated`). (`trap` is reached by a jump: the fast path needs no
            // stack frame for it.)
            let _ = $ip;
            return trap($ctx, f.code, TrapCode::StackOverflow);
        }
        // Non-parameter locals start at zero: those the function may read before writing
        // them (the translator puts the last of them before `zero_end`). A plain loop, not
        // `write_bytes`: a call to `memset` would make every call handler save and restore
        // registers, and most functions have few such locals. (In bounds: `zero_end` is at
        // most the locals' end, inside `frame_size`, and the frame fits, checked just
        // above.)
        let mut slot = new_sp.add(f.num_params as usize);
        let end = new_sp.add(f.zero_end as usize);
        while slot < end {
            // Volatile only so that the loop is not turned back into a `memset` call.
            core::ptr::write_volatile(slot, 0);
            slot = slot.add(1);
        }
        // (`f.code` is the function's first instruction and `f.handler` its handler: see
        // `CompiledFunc`.)
        let handler = f.handler;
        $crate::exec::dispatch::tail!(handler, f.code, new_sp, $mem, $len, $ctx, $acc)
    }};
}

/// Pushes the frame that `return` will come back to. When there is no room left, hands
/// over to [`grow_frames`], which makes room (or traps) and runs the call again.
macro_rules! push_frame {
    ($ctx:ident, $ip:ident, $ret:expr, $sp:ident, $mem:ident, $len:ident, $acc:ident) => {
        let top = $ctx.frames.top;
        if top >= $ctx.frames.room_end {
            $crate::exec::dispatch::tail!(grow_frames, $ip, $sp, $mem, $len, $ctx, $acc);
        }
        // The top first, then the frame field by field, each value fetched just before
        // its store: fewer registers live at once (the frame is written before anything
        // can read it).
        // (In bounds: `top < room_end`, which is inside the frames' storage.)
        $ctx.frames.top = top.add(1);
        core::ptr::addr_of_mut!((*top).ret_ip).write($ret);
        core::ptr::addr_of_mut!((*top).sp).write($sp);
        // Keeps the compiler from loading what the call needs next (callee, frame base)
        // before the frame is written: all of it live at once would need more registers
        // than the handler has free, and saving some on every call costs more.
        core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
    };
}

handler_fn! {
    /// The slow path of a call that found no room for its frame: traps when the call stack
    /// is at its limit, else grows the frame vector and runs the call instruction at `ip`
    /// again. Has a handler's signature so that the call handlers reach it by a tail call
    /// (their fast path then needs no register saves for it).
    #[cold]
    #[inline(never)]
    unsafe fn grow_frames(ip, sp, mem, ctx, len, acc) {
        if !ctx.frames.grow(1) {
            return trap(ctx, ip, TrapCode::StackOverflow);
        }
        jump!(ip, sp, mem, len, ctx, acc)
    }
}

handler_fn! {
    /// [`grow_frames`] for a call into another instance, which pushes two frames.
    #[cold]
    #[inline(never)]
    unsafe fn grow_frames_pair(ip, sp, mem, ctx, len, acc) {
        if !ctx.frames.grow(2) {
            return trap(ctx, ip, TrapCode::StackOverflow);
        }
        jump!(ip, sp, mem, len, ctx, acc)
    }
}

/// Calls any function entity: Wasm (possibly of another instance) or host.
/// `ret` is where execution continues after the callee returns.
macro_rules! call_entity {
    ($func:expr, $base:expr, $ret:expr, $tail:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        // (A live entity: see the module's documentation.)
        let func: *const FuncEntity = $func;
        if (*func).compiled.is_null() {
            let new_sp: Sp = $sp.add($base as usize);
            // Host function: leave the interpreter; the embedder's loop calls it and
            // resumes at `ret` (for a tail call, at a `return`).
            $ctx.host_func = func;
            $ctx.host_args = new_sp;
            let resume: Ip = if $tail {
                &crate::exec::RETURN_CODE as *const _ as Ip
            } else {
                $ret
            };
            $ctx.regs = Regs {
                ip: resume,
                sp: $sp,
                mem: $mem,
                len: $len,
                acc: $acc,
            };
            return Control::Host;
        }
        let mut mem = $mem;
        let mut len = $len;
        if (*func).inst == $ctx.inst {
            if !$tail {
                push_frame!($ctx, $ip, $ret, $sp, $mem, $len, $acc);
            }
        } else {
            // Into another instance: the return must re-enter this one (see `Frame`).
            let top = $ctx.frames.top;
            if $tail {
                // The caller's frame is on top. Unless it already restores an instance
                // (the caller is in another instance than this function, or an earlier
                // tail call came here), it becomes a restoring pair: one frame more, at
                // most once per activation of the caller, so tail calls stay bounded.
                // (A tail call runs in a called function: its caller's frame is live.)
                let caller = *top.sub(1);
                // (An activation's sentinel frame needs no pair: ending the activation
                // restores the instance that ran before it, and the unwinder and the
                // collector must still see it as the activation's first frame.)
                if !caller.restores() && !caller.exits() {
                    if top >= $ctx.frames.room_end {
                        $crate::exec::dispatch::tail!(
                            grow_frames,
                            $ip,
                            $sp,
                            $mem,
                            $len,
                            $ctx,
                            $acc
                        );
                    }
                    *top.sub(1) = Frame::restoring(caller.ret_ip, $ctx.inst);
                    *top = Frame {
                        ret_ip: crate::exec::restore_ip(),
                        sp: caller.sp,
                    };
                    $ctx.frames.top = top.add(1);
                }
            } else {
                // (`wrapping_add`: `top` may be the storage's end, after a sentinel frame.)
                if top.wrapping_add(1) >= $ctx.frames.room_end {
                    $crate::exec::dispatch::tail!(
                        grow_frames_pair,
                        $ip,
                        $sp,
                        $mem,
                        $len,
                        $ctx,
                        $acc
                    );
                }
                // (In bounds: `top + 1 < room_end`, two free frames.)
                *top = Frame::restoring($ret, $ctx.inst);
                *top.add(1) = Frame {
                    ret_ip: crate::exec::restore_ip(),
                    sp: $sp,
                };
                $ctx.frames.top = top.add(2);
            }
            // (The callee's instance is live as long as the entity.)
            $ctx.enter_instance((*func).inst);
            (mem, len) = $ctx.mem_regs();
        }
        // (`$base` is evaluated only now, for the register reason given at `CALL`.)
        let new_sp: Sp = $sp.add($base as usize);
        enter!(&*(*func).compiled, new_sp, $ip, mem, len, $ctx, $acc)
    }};
}

// A function's stub before it is translated (see `crate::code`): the call has entered the
// function (frame pushed, arguments in place); the embedder's loop translates it and
// continues at its first instruction, or resumes here after refuelling.
def!(TRANSLATE: Translate, "translate", |imm, ip, sp, mem, len, ctx, acc| {
    let _ = imm;
    ctx.regs = Regs { ip, sp, mem, len, acc };
    Control::Translate
});

def!(CALL: Call, "call", |imm, ip, sp, mem, len, ctx, acc| {
    push_frame!(ctx, ip, ip.add(words::<Call>()), sp, mem, len, acc);
    // The immediates are read (again) only now: loaded before the frame is written, they
    // would occupy registers the handler has none of to spare, and saving registers on
    // every call costs more than the reload.
    let imm = *(ip.add(1) as *const Call);
    // (Validation proved the function index; the translator emits `CALL` only for the
    // module's own functions, which `ctx.compiled` lists in order. `base` is inside the
    // caller's frame.)
    let f = &*ctx.compiled.add(imm.func as usize);
    enter!(f, sp.add(imm.base as usize), ip, mem, len, ctx, acc)
});

/// The argument copies folded into a call (see [`CallCopy`]), made before anything else.
/// Running them a second time changes nothing (the translator folds only such copies),
/// so [`grow_frames`] may run the whole call instruction again.
macro_rules! call_copies {
    ($sp:ident, $imm:ident, $ip:ident, $L:ty, 1) => {
        wr($sp, $imm.dst, rd::<u64>($sp, $imm.src));
    };
    ($sp:ident, $imm:ident, $ip:ident, $L:ty, 2) => {
        wr($sp, $imm.dst1, rd::<u64>($sp, $imm.src1));
        // The second pair is read only now, for the register reason given at `CALL`.
        let second = *($ip.add(1) as *const $L);
        wr($sp, second.dst2, rd::<u64>($sp, second.src2));
    };
    ($sp:ident, $imm:ident, $ip:ident, $L:ty, 3) => {
        call_copies!($sp, $imm, $ip, $L, 2);
        // (Each further pair read only now, as the second.)
        let third = *($ip.add(1) as *const $L);
        wr($sp, third.dst3, rd::<u64>($sp, third.src3));
    };
    ($sp:ident, $imm:ident, $ip:ident, $L:ty, 4) => {
        call_copies!($sp, $imm, $ip, $L, 3);
        let fourth = *($ip.add(1) as *const $L);
        wr($sp, fourth.dst4, rd::<u64>($sp, fourth.src4));
    };
}

/// The direct calls that first make `n` argument copies ([`call_copies!`]), then call as
/// [`CALL`] does: `NAME: Layout, "name", n`.
macro_rules! call_copy_handlers {
    ($($NAME:ident : $L:ident, $name:literal, $n:tt;)*) => {
        $(def!($NAME: $L, $name, |imm, ip, sp, mem, len, ctx, acc| {
            call_copies!(sp, imm, ip, $L, $n);
            push_frame!(ctx, ip, ip.add(words::<$L>()), sp, mem, len, acc);
            let imm = *(ip.add(1) as *const $L); // (see `CALL`)
            let f = &*ctx.compiled.add(imm.func as usize);
            enter!(f, sp.add(imm.base as usize), ip, mem, len, ctx, acc)
        });)*
    };
}

call_copy_handlers! {
    CALL_COPY: CallCopy, "copy.call", 1;
    CALL_COPY2: CallCopy2, "copy2.call", 2;
    CALL_COPY3: CallCopy3, "copy3.call", 3;
    CALL_COPY4: CallCopy4, "copy4.call", 4;
}

def!(RETURN_CALL: Call, "return_call", |imm, ip, sp, mem, len, ctx, acc| {
    // (As for `CALL`.)
    let f = &*ctx.compiled.add(imm.func as usize);
    enter!(f, sp, ip, mem, len, ctx, acc)
});

def!(CALL_IMPORT: Call, "call.import", |imm, ip, sp, mem, len, ctx, acc| {
    // (Validation proved the function index; the instance lists an entity for every
    // function of its module, imports included.)
    let func = *(&*ctx.inst).funcs.get_unchecked(imm.func as usize);
    call_entity!(func, (*(ip.add(1) as *const Call)).base, ip.add(words::<Call>()), false, ip, sp, mem, len, ctx, acc)
});

def!(RETURN_CALL_IMPORT: Call, "return_call.import", |imm, ip, sp, mem, len, ctx, acc| {
    // (As for `CALL_IMPORT`.)
    let func = *(&*ctx.inst).funcs.get_unchecked(imm.func as usize);
    call_entity!(func, 0u32, ip, true, ip, sp, mem, len, ctx, acc)
});

/// How an indirect call checks its callee's type.
const TYPED: u8 = 0;
/// The callee's type must be the call's (a final type: no other type can declare it as a
/// supertype): one comparison of ids.
const EXACT: u8 = 1;
/// The callee's type must be the call's or declare it as a supertype (GC's subtyping; the
/// call's type is not final).
const SUBTYPE: u8 = 2;

/// Resolves the callee of an indirect call, or traps. `CHECK` is how the callee's type is
/// checked: [`EXACT`], [`SUBTYPE`], or [`TYPED`] for a `call_ref` of a `table.get`
/// (`CALL_REF_TABLE`), whose traps are `table.get`'s and `call_ref`'s, and which needs no
/// check: validation proved that the table holds references of the call's type
/// (`imm.type_id` is unused).
///
/// # Safety
/// `ctx` runs the instance whose code holds `imm`, and `sp` is that code's frame.
#[inline(always)]
unsafe fn indirect_callee<const CHECK: u8>(
    ctx: &Ctx,
    imm: &CallIndirect,
    sp: Sp,
) -> Result<*const FuncEntity, TrapCode> {
    // SAFETY: `ctx.inst` is the running instance (contract); validation proved the table
    // index against its module, and its tables are boxed in the store, which outlives the
    // execution.
    let table = unsafe { &**(&*ctx.inst).tables.get_unchecked(imm.table as usize) };
    // SAFETY: `index` names a slot of the frame (translation invariant).
    let i = unsafe { rd::<u32>(sp, imm.index) } as usize;
    let Some(&elem) = table.elems.get(i) else {
        return Err(if CHECK == TYPED {
            TrapCode::TableOutOfBounds
        } else {
            TrapCode::UndefinedElement
        });
    };
    let func = elem as *const FuncEntity;
    if func.is_null() {
        return Err(if CHECK == TYPED {
            TrapCode::NullReference
        } else {
            TrapCode::IndirectCallToNull
        });
    }
    // SAFETY: a non-null element of a funcref table (validation proved the table's type)
    // is a function entity of the store, alive as long as the store.
    if CHECK != TYPED && unsafe { (*func).type_id } != imm.type_id {
        // (A walk of the callee's list of supertypes, only in the handlers of calls whose
        // type is not final: the loop makes a handler save registers on every entry.)
        // SAFETY: as above.
        let ty = unsafe { &(*func).ty };
        if CHECK == EXACT || !ty.is_subtype_of(crate::types::TypeId(imm.type_id)) {
            return Err(TrapCode::BadSignature);
        }
    }
    Ok(func)
}

def!(TABLE_INDEX64: Un, "table.index64", |imm, ip, sp, mem, len, ctx, acc| {
    // A 64-bit table's index made a 32-bit one for `call_indirect`: tables hold fewer than
    // 2^32 elements, so an index at or above that (saturated to `u32::MAX`) is out of
    // bounds either way.
    let i = rd::<u64>(sp, imm.src).min(u32::MAX as u64);
    wr(sp, imm.dst, i);
    next!(Un, ip, sp, mem, len, ctx, acc)
});

def!(CALL_INDIRECT: CallIndirect, "call_indirect", |imm, ip, sp, mem, len, ctx, acc| {
    match indirect_callee::<EXACT>(ctx, &imm, sp) {
        Ok(func) => call_entity!(func, (*(ip.add(1) as *const CallIndirect)).base, ip.add(words::<CallIndirect>()), false, ip, sp, mem, len, ctx, acc),
        Err(code) => trap(ctx, ip, code),
    }
});

def!(CALL_INDIRECT_SUB: CallIndirect, "call_indirect.sub", |imm, ip, sp, mem, len, ctx, acc| {
    // (`CALL_INDIRECT` through a type that is not final: the callee may be of a subtype.)
    match indirect_callee::<SUBTYPE>(ctx, &imm, sp) {
        Ok(func) => call_entity!(func, (*(ip.add(1) as *const CallIndirect)).base, ip.add(words::<CallIndirect>()), false, ip, sp, mem, len, ctx, acc),
        Err(code) => trap(ctx, ip, code),
    }
});

/// [`CALL_INDIRECT`] after the folded copies (which may set the table index, so they
/// come first).
macro_rules! call_indirect_copies {
    ($check:ident, $L:ident, $n:tt, $imm:ident, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        call_copies!($sp, $imm, $ip, $L, $n);
        let $imm = *($ip.add(1) as *const $L); // (see `CALL`)
        let target = CallIndirect {
            table: $imm.table,
            type_id: $imm.type_id,
            index: $imm.index,
            base: $imm.base,
        };
        match indirect_callee::<$check>($ctx, &target, $sp) {
            Ok(func) => call_entity!(
                func,
                (*($ip.add(1) as *const $L)).base,
                $ip.add(words::<$L>()),
                false,
                $ip,
                $sp,
                $mem,
                $len,
                $ctx,
                $acc
            ),
            Err(code) => trap($ctx, $ip, code),
        }
    }};
}

def!(CALL_INDIRECT_COPY: CallIndirectCopy, "copy.call_indirect", |imm, ip, sp, mem, len, ctx, acc| {
    call_indirect_copies!(EXACT, CallIndirectCopy, 1, imm, ip, sp, mem, len, ctx, acc)
});

def!(CALL_INDIRECT_COPY2: CallIndirectCopy2, "copy2.call_indirect", |imm, ip, sp, mem, len, ctx, acc| {
    call_indirect_copies!(EXACT, CallIndirectCopy2, 2, imm, ip, sp, mem, len, ctx, acc)
});

def!(RETURN_CALL_INDIRECT: CallIndirect, "return_call_indirect", |imm, ip, sp, mem, len, ctx, acc| {
    match indirect_callee::<EXACT>(ctx, &imm, sp) {
        Ok(func) => call_entity!(func, 0u32, ip, true, ip, sp, mem, len, ctx, acc),
        Err(code) => trap(ctx, ip, code),
    }
});

def!(RETURN_CALL_INDIRECT_SUB: CallIndirect, "return_call_indirect.sub", |imm, ip, sp, mem, len, ctx, acc| {
    // (As `CALL_INDIRECT_SUB`.)
    match indirect_callee::<SUBTYPE>(ctx, &imm, sp) {
        Ok(func) => call_entity!(func, 0u32, ip, true, ip, sp, mem, len, ctx, acc),
        Err(code) => trap(ctx, ip, code),
    }
});

def!(CALL_REF: CallRef, "call_ref", |imm, ip, sp, mem, len, ctx, acc| {
    // A function reference's cell is its entity's address, or 0 for null (`ref.func`,
    // tables and globals hold only such cells). Validation proved the reference's type,
    // so the callee has the signature the translator sized the call for.
    let func = rd::<u64>(sp, imm.callee) as *const FuncEntity;
    if func.is_null() {
        return trap(ctx, ip, TrapCode::NullReference);
    }
    call_entity!(func, (*(ip.add(1) as *const CallRef)).base, ip.add(words::<CallRef>()), false, ip, sp, mem, len, ctx, acc)
});

/// [`CALL_REF`] after the folded copies (which may set the reference, so they come
/// first).
macro_rules! call_ref_copies {
    ($L:ident, $n:tt, $imm:ident, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        call_copies!($sp, $imm, $ip, $L, $n);
        let $imm = *($ip.add(1) as *const $L); // (see `CALL`)
                                               // (As for `CALL_REF`.)
        let func = rd::<u64>($sp, $imm.callee) as *const FuncEntity;
        if func.is_null() {
            return trap($ctx, $ip, TrapCode::NullReference);
        }
        call_entity!(
            func,
            (*($ip.add(1) as *const $L)).base,
            $ip.add(words::<$L>()),
            false,
            $ip,
            $sp,
            $mem,
            $len,
            $ctx,
            $acc
        )
    }};
}

def!(CALL_REF_COPY: CallRefCopy, "copy.call_ref", |imm, ip, sp, mem, len, ctx, acc| {
    call_ref_copies!(CallRefCopy, 1, imm, ip, sp, mem, len, ctx, acc)
});

def!(CALL_REF_COPY2: CallRefCopy2, "copy2.call_ref", |imm, ip, sp, mem, len, ctx, acc| {
    call_ref_copies!(CallRefCopy2, 2, imm, ip, sp, mem, len, ctx, acc)
});

def!(CALL_REF_TABLE: CallIndirect, "table.get.call_ref", |imm, ip, sp, mem, len, ctx, acc| {
    match indirect_callee::<TYPED>(ctx, &imm, sp) {
        Ok(func) => call_entity!(func, (*(ip.add(1) as *const CallIndirect)).base, ip.add(words::<CallIndirect>()), false, ip, sp, mem, len, ctx, acc),
        Err(code) => trap(ctx, ip, code),
    }
});

def!(CALL_REF_TABLE_COPY: CallIndirectCopy, "copy.table.get.call_ref", |imm, ip, sp, mem, len, ctx, acc| {
    call_indirect_copies!(TYPED, CallIndirectCopy, 1, imm, ip, sp, mem, len, ctx, acc)
});

def!(CALL_REF_TABLE_COPY2: CallIndirectCopy2, "copy2.table.get.call_ref", |imm, ip, sp, mem, len, ctx, acc| {
    call_indirect_copies!(TYPED, CallIndirectCopy2, 2, imm, ip, sp, mem, len, ctx, acc)
});

def!(RETURN_CALL_REF: CallRef, "return_call_ref", |imm, ip, sp, mem, len, ctx, acc| {
    // (As for `CALL_REF`.)
    let func = rd::<u64>(sp, imm.callee) as *const FuncEntity;
    if func.is_null() {
        return trap(ctx, ip, TrapCode::NullReference);
    }
    call_entity!(func, 0u32, ip, true, ip, sp, mem, len, ctx, acc)
});

/// Returns to the caller; results are already in slots `0..n` of this frame. A macro, not
/// a function, so that the hand-over stays in the handler (as `become` requires).
macro_rules! do_return {
    ($ctx:ident, $mem:ident, $len:ident, $acc:ident) => {{
        // SAFETY: every activation starts with a sentinel frame whose return address is
        // `EXIT_CODE`, which ends the activation before the stack can run empty: a
        // running function always has its caller's frame on the stack.
        let frame = unsafe { $ctx.frames.pop_unchecked() };
        // The caller is in this instance (a call into another one returns through
        // `RESTORE_CODE` first), so the callee's memory registers are the caller's, kept
        // current (`memory.grow`, host calls and calls into other instances reload
        // them): they are handed back as they are, even if the callee grew the memory.
        // (`ret_ip` is the instruction after the call, or a stub.)
        jump!(frame.ret_ip, frame.sp, $mem, $len, $ctx, $acc)
    }};
}

handler_fn! {
    pub(crate) unsafe fn return_handler(_ip, _sp, mem, ctx, len, acc) {
        do_return!(ctx, mem, len, acc)
    }
}

def!(RETURN: Nothing, "return", |imm, ip, sp, mem, len, ctx, acc| {
    do_return!(ctx, mem, len, acc)
});

def!(RETURN_SLOT: Ret1, "return.slot", |imm, ip, sp, mem, len, ctx, acc| {
    // (Slot 0 exists: the translator sizes a frame to hold the function's results.)
    *sp = *sp.add(imm.src as usize);
    do_return!(ctx, mem, len, acc)
});

def!(RETURN_IMM: RetImm, "return.imm", |imm, ip, sp, mem, len, ctx, acc| {
    *sp = imm.val;
    do_return!(ctx, mem, len, acc)
});

/// A C function's shadow-stack epilogue and its return in one (`$T`: `i32`/`i64`
/// addresses): `global = slot + imm` (as `add.global.set`), then [`RETURN`], or
/// [`RETURN_SLOT`] of `src`. A C function's early returns jump to one shared epilogue:
/// each of those jumps runs it where it stands, through a via (see `via_entry!`).
macro_rules! global_set_add_returns {
    ($RET:ident / $VIA_RET:ident, $RET_SLOT:ident / $VIA_RET_SLOT:ident, $T:ty, $ret:literal, $ret_slot:literal) => {
        def_via!($RET, $VIA_RET: GlobalAdd, $ret, |imm, ip, sp, mem, len, ctx, acc| {
            // SAFETY: as for `GLOBAL_SET` (values.rs).
            let cell = global_cell(ctx, imm.global);
            *cell = rd::<$T>(sp, imm.slot).wrapping_add(imm.imm as $T).to_cell();
            do_return!(ctx, mem, len, acc)
        });
        def_via!($RET_SLOT, $VIA_RET_SLOT: GlobalAddRet, $ret_slot, |imm, ip, sp, mem, len, ctx, acc| {
            // The global's new value first (slot 0, which the result overwrites, may be
            // its operand), then the result, then the global: in that order, with the
            // fence keeping the compiler from fetching everything at once, the handler
            // needs no more registers than it has free (no saves).
            let v = rd::<$T>(sp, imm.slot).wrapping_add(imm.imm as $T);
            // (Slot 0 exists: the translator sizes a frame to hold the function's results.)
            *sp = *sp.add(imm.src as usize);
            core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
            // SAFETY: as for `GLOBAL_SET` (values.rs).
            let cell = global_cell(ctx, imm.global);
            *cell = v.to_cell();
            do_return!(ctx, mem, len, acc)
        });
    };
}
global_set_add_returns!(
    GLOBAL_SET_ADD_RETURN / VIA_GLOBAL_SET_ADD_RETURN,
    GLOBAL_SET_ADD_RETURN_SLOT / VIA_GLOBAL_SET_ADD_RETURN_SLOT,
    u32,
    "add.global.set.return",
    "add.global.set.return.slot"
);
global_set_add_returns!(
    GLOBAL_SET_ADD64_RETURN / VIA_GLOBAL_SET_ADD64_RETURN,
    GLOBAL_SET_ADD64_RETURN_SLOT / VIA_GLOBAL_SET_ADD64_RETURN_SLOT,
    u64,
    "add64.global.set.return",
    "add64.global.set.return.slot"
);

/// The instructions of this family that have vias (the epilogues), with their vias.
pub(super) fn vias() -> Vec<Via> {
    macro_rules! epilogues {
        ($($NAME:ident / $VIA:ident),*) => {
            vec![$(Via { target: $NAME.code, vias: $VIA, module: module_path!(), owner: stringify!($VIA), forms: ["br", "copy_br"] }),*]
        };
    }
    epilogues!(
        GLOBAL_SET_ADD_RETURN / VIA_GLOBAL_SET_ADD_RETURN,
        GLOBAL_SET_ADD_RETURN_SLOT / VIA_GLOBAL_SET_ADD_RETURN_SLOT,
        GLOBAL_SET_ADD64_RETURN / VIA_GLOBAL_SET_ADD64_RETURN,
        GLOBAL_SET_ADD64_RETURN_SLOT / VIA_GLOBAL_SET_ADD64_RETURN_SLOT
    )
}

handler_fn! {
    /// Returns from a call into another instance (see [`Frame`]): re-enters the
    /// caller's instance, kept in the frame below, and returns to the caller. `sp` is the
    /// caller's, from the frame just popped.
    pub(crate) unsafe fn restore_handler(_ip, sp, _mem, ctx, _len, acc) {
        // SAFETY: this stub is reached only by returning through the upper frame of a pair
        // that a call into another instance pushed (`call_entity!`): the lower frame is live.
        let frame = unsafe { ctx.frames.pop_unchecked() };
        // SAFETY: the lower frame of such a pair holds the caller's instance in place of `sp`
        // (`Frame::restoring`), an instance of this store, alive as long as the store.
        unsafe { ctx.enter_instance(frame.sp as *const crate::runtime::InstanceEntity) };
        let (mem, len) = ctx.mem_regs();
        jump!(frame.ret_ip, sp, mem, len, ctx, acc)
    }
}

handler_fn! {
    /// Ends an activation: reached by returning to a sentinel frame.
    pub(crate) unsafe fn exit_handler(_ip, sp, mem, ctx, len, acc) {
        ctx.regs = Regs {
            ip: _ip,
            sp,
            mem,
            len,
            acc,
        };
        Control::Done
    }
}

/// This family's instructions, for [`all`](super::all).
pub(super) fn infos() -> Vec<OpInfo> {
    info!(
        TRANSLATE: Translate,
        CALL: Call,
        RETURN_CALL: Call,
        CALL_IMPORT: Call,
        RETURN_CALL_IMPORT: Call,
        TABLE_INDEX64: Un,
        CALL_INDIRECT: CallIndirect,
        RETURN_CALL_INDIRECT: CallIndirect,
        CALL_INDIRECT_SUB: CallIndirect,
        RETURN_CALL_INDIRECT_SUB: CallIndirect,
        CALL_COPY: CallCopy,
        CALL_COPY2: CallCopy2,
        CALL_COPY3: CallCopy3,
        CALL_COPY4: CallCopy4,
        CALL_INDIRECT_COPY: CallIndirectCopy,
        CALL_INDIRECT_COPY2: CallIndirectCopy2,
        CALL_REF: CallRef,
        CALL_REF_COPY: CallRefCopy,
        CALL_REF_COPY2: CallRefCopy2,
        CALL_REF_TABLE: CallIndirect,
        CALL_REF_TABLE_COPY: CallIndirectCopy,
        CALL_REF_TABLE_COPY2: CallIndirectCopy2,
        RETURN_CALL_REF: CallRef,
        RETURN: Nothing,
        RETURN_SLOT: Ret1,
        RETURN_IMM: RetImm,
        GLOBAL_SET_ADD_RETURN: GlobalAdd,
        GLOBAL_SET_ADD_RETURN_SLOT: GlobalAddRet,
        GLOBAL_SET_ADD64_RETURN: GlobalAdd,
        GLOBAL_SET_ADD64_RETURN_SLOT: GlobalAddRet,
    )
}
