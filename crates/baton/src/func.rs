//! Functions: calling into Wasm, host functions, and typed access.

use crate::entity_box::EntityBox;
use crate::error::{Error, FrameInfo, Trap, TrapCode};
use crate::exec::{dispatch, Control, Frame, Handler, Ip, Regs};
use crate::instance::Instance;
use crate::runtime::roots::{Abandonable, Suspended};
use crate::runtime::{FuncEntity, InstanceEntity};
use crate::store::{AsContext, AsContextMut, Caller, Store, StoreInner};
use crate::types::{FuncType, ValType};
use crate::values::{cells_to_vals, vals_to_cells, AnyRef, ExternRef, Val, V128};
use std::marker::PhantomData;
use std::sync::Arc;

/// A host function as stored: called with the caller, the parameters and room for the
/// results.
pub(crate) type HostFn<T> =
    Arc<dyn Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Error> + Send + Sync>;

/// A function of a store: Wasm code of an instance, or a host function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Func {
    pub(crate) store: u64,
    pub(crate) index: u32,
}

impl Func {
    /// A host function with a dynamic signature.
    pub fn new<T>(
        mut store: impl AsContextMut<Data = T>,
        ty: FuncType,
        f: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Error> + Send + Sync + 'static,
    ) -> Func {
        let store = store.as_context_mut().0;
        Self::from_host(store, ty, Arc::new(f))
    }

    /// A host function from a Rust closure whose parameters and results are Wasm types,
    /// optionally taking a [`Caller`] first.
    pub fn wrap<T, Params, Results>(
        mut store: impl AsContextMut<Data = T>,
        f: impl IntoFunc<T, Params, Results>,
    ) -> Func {
        let store = store.as_context_mut().0;
        let (ty, host) = f.into_host();
        Self::from_host(store, ty, host)
    }

    pub(crate) fn from_host<T>(store: &mut Store<T>, ty: FuncType, host: HostFn<T>) -> Func {
        store.host_funcs.push(host);
        let inner = &mut store.inner;
        let index = inner.funcs.len() as u32;
        inner.funcs.push(EntityBox::new(FuncEntity {
            type_id: ty.type_id().0,
            compiled: core::ptr::null(),
            inst: core::ptr::null(),
            host: store.host_funcs.len() as u32 - 1,
            index,
            ty,
        }));
        Func {
            store: inner.id,
            index,
        }
    }

    /// The function's signature.
    pub fn ty(&self, store: impl AsContext) -> FuncType {
        let inner = &store.as_context().0.inner;
        inner.check(self.store);
        inner.funcs[self.index as usize].ty.clone()
    }

    /// Calls the function with dynamically typed values.
    pub fn call(
        &self,
        mut store: impl AsContextMut,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<(), Error> {
        let store = store.as_context_mut().0;
        store.inner.check(self.store);
        let ty = store.inner.funcs[self.index as usize].ty.clone();
        if params.len() != ty.params().len() || results.len() != ty.results().len() {
            return Err(Error::Usage(format!(
                "function {ty} called with {} parameters and {} results",
                params.len(),
                results.len()
            )));
        }
        for (p, t) in params.iter().zip(ty.params()) {
            if !p.matches(*t, &store.inner) {
                return Err(Error::Usage(format!(
                    "parameter of type {} where {t} is expected",
                    p.ty()
                )));
            }
        }
        let cells = vals_to_cells(params, &store.inner);
        invoke(
            store,
            self.index,
            |slots| slots.copy_from_slice(&cells),
            |inner, slots| cells_to_vals(slots, ty.results(), inner, results),
        )
    }

    /// A typed view of the function, checked against its signature.
    pub fn typed<P: WasmParams, R: WasmResults>(
        &self,
        store: impl AsContext,
    ) -> Result<TypedFunc<P, R>, Error> {
        let ty = self.ty(store);
        if ty.params() != P::types().as_slice() || ty.results() != R::types().as_slice() {
            return Err(Error::Usage(format!(
                "function type {ty} does not match the requested ({:?}) -> ({:?})",
                P::types(),
                R::types()
            )));
        }
        Ok(TypedFunc {
            func: *self,
            _ty: PhantomData,
        })
    }
}

/// Runs store function `index`: `write` fills the parameter slots, `read` reads the result
/// slots after a normal return.
pub(crate) fn invoke<T, R>(
    store: &mut Store<T>,
    index: u32,
    write: impl FnOnce(&mut [u64]),
    read: impl FnOnce(&StoreInner, &[u64]) -> R,
) -> Result<R, Error> {
    match begin(store, index, write)? {
        Begun::Host(cells) => Ok(read(&store.inner, &cells)),
        Begun::Wasm(act, regs) => match drive(store, &act, regs, false) {
            Step::Done => {
                finish(store, &act);
                Ok(read(
                    &store.inner,
                    &store.inner.stack[act.base..act.base + act.results],
                ))
            }
            Step::Failed(e) => {
                finish(store, &act);
                Err(e)
            }
            Step::OutOfFuel(_) | Step::HostError { .. } => {
                unreachable!("only resumable runs suspend")
            }
        },
    }
}

/// An activation of Wasm code from the host: where its frame and frames start and what to
/// restore when it ends.
pub(crate) struct Activation {
    base: usize,
    results: usize,
    frames_before: usize,
    /// The instance running when the activation began (null: none).
    saved: *const InstanceEntity,
    saved_top: usize,
}

enum Begun {
    /// A host function was called directly; its results.
    Host(Vec<u64>),
    /// Wasm code is ready to run from these registers.
    Wasm(Activation, Regs),
}

/// How a run of an activation stopped.
enum Step {
    Done,
    Failed(Error),
    /// Out of fuel at a fuel check; resume from these registers.
    OutOfFuel(Regs),
    /// A host function failed; resume (with its results) from `resume`.
    HostError {
        error: Error,
        func: *const FuncEntity,
        args: *mut u64,
        resume: Regs,
    },
}

/// Gives back the frames and stack of suspended resumable calls whose invocations were
/// dropped without resuming them, newest first, as long as nothing suspended later holds
/// frames above them.
fn reclaim_abandoned(inner: &mut StoreInner) {
    loop {
        let Some(top) = inner.ctx.gc.roots.suspended.last() else {
            return;
        };
        let Some(a) = &top.abandonable else { return };
        if a.alive.strong_count() > 0 || top.frames != inner.ctx.frames.len() {
            return;
        }
        let (frames_before, stack_top) = (a.frames_before, a.stack_top);
        inner.ctx.gc.roots.suspended.pop();
        inner.ctx.frames.truncate(frames_before);
        inner.stack_top = stack_top;
    }
}

/// Sets up the activation of store function `index` (or calls it, if it is a host function).
fn begin<T>(
    store: &mut Store<T>,
    index: u32,
    write: impl FnOnce(&mut [u64]),
) -> Result<Begun, Error> {
    let entity: *const FuncEntity = &*store.inner.funcs[index as usize];
    // SAFETY: entities are boxed and live as long as the store.
    let (n, m) = unsafe { ((*entity).ty.param_cells(), (*entity).ty.result_cells()) };
    let k = n.max(m);
    // SAFETY: as above.
    if unsafe { (*entity).compiled.is_null() } {
        let mut cells = vec![0u64; k];
        write(&mut cells[..n]);
        call_host(store, entity, cells.as_mut_ptr(), None)?;
        cells.truncate(m);
        return Ok(Begun::Host(cells));
    }

    reclaim_abandoned(&mut store.inner);
    let config = store.inner.engine.config().clone();
    if store.inner.depth >= config.max_host_reentry {
        return Err(TrapCode::HostReentryLimit.into());
    }
    if store.inner.stack.is_empty() {
        store.inner.stack = vec![0; config.max_stack_slots];
    }
    let base = store.inner.stack_top;
    if base + k > store.inner.stack.len() {
        return Err(TrapCode::StackOverflow.into());
    }
    write(&mut store.inner.stack[base..base + n]);

    let inner = &mut store.inner;
    inner.wire();
    let stack = inner.stack.as_mut_ptr();
    // SAFETY: `base + k` is within the stack (checked above).
    let sp = unsafe { stack.add(base) };
    // SAFETY: `entity` is a Wasm function: its instance and code are live.
    let (inst, compiled) = unsafe { ((*entity).inst, &*(*entity).compiled) };
    if base + compiled.frame_size as usize > inner.stack.len() {
        // Named as a call from Wasm names it: the function that did not fit.
        let frames = frame_info(inner, compiled.code).into_iter().collect();
        return Err(Error::Trap(Trap::new(TrapCode::StackOverflow, frames)));
    }
    let ctx = &mut inner.ctx;
    // SAFETY: the stack is never reallocated once allocated.
    ctx.stack_end = unsafe { stack.add(inner.stack.len()) };
    ctx.stack_base = stack;
    let act = Activation {
        base,
        results: m,
        frames_before: ctx.frames.len(),
        saved: ctx.inst,
        saved_top: inner.stack_top,
    };
    ctx.frames.push(Frame {
        ret_ip: crate::exec::exit_ip(),
        sp,
    });
    // SAFETY: the instance belongs to this store.
    unsafe { ctx.enter_instance(inst) };
    // SAFETY: the frame fits in the stack (checked above).
    unsafe {
        core::ptr::write_bytes(
            sp.add(compiled.num_params as usize),
            0,
            (compiled.zero_end - compiled.num_params) as usize,
        )
    };
    let (mem, len) = ctx.mem_regs();
    inner.depth += 1;
    Ok(Begun::Wasm(
        act,
        Regs {
            ip: compiled.code,
            sp,
            mem,
            len,
            acc: crate::exec::Acc::NONE,
        },
    ))
}

/// Runs an activation from `regs` until it returns, fails or (if `resumable`) suspends.
fn drive<T>(store: &mut Store<T>, act: &Activation, mut regs: Regs, resumable: bool) -> Step {
    let stack = store.inner.stack.as_mut_ptr();
    loop {
        // SAFETY: `regs` is a valid state: the entry of a translated function with its
        // frame in the stack, or a state saved by a handler when it stopped.
        let control = unsafe { dispatch::run(regs, &mut store.inner.ctx) };
        match control {
            Control::Done => return Step::Done,
            Control::Interrupted => {
                store
                    .inner
                    .interrupt
                    .store(false, std::sync::atomic::Ordering::Relaxed);
                return Step::Failed(Error::Trap(trap_with_backtrace(
                    &store.inner,
                    act.frames_before,
                )));
            }
            Control::OutOfFuel if resumable => return Step::OutOfFuel(store.inner.ctx.regs),
            Control::Trap | Control::OutOfFuel => {
                return Step::Failed(Error::Trap(trap_with_backtrace(
                    &store.inner,
                    act.frames_before,
                )))
            }
            Control::Host => {
                let ctx = &mut store.inner.ctx;
                let (func, args, resume) = (ctx.host_func, ctx.host_args, ctx.regs);
                let here = ctx.inst;
                // SAFETY: `here` is the running instance.
                let caller = unsafe {
                    Instance {
                        store: store.inner.id,
                        index: (*here).index,
                    }
                };
                // Nested activations start above the host function's arguments.
                // SAFETY: `func` is a live host function entity; `args` is in the stack.
                let args_end = unsafe {
                    let hk = (*func).ty.param_cells().max((*func).ty.result_cells());
                    args.add(hk).offset_from(stack) as usize
                };
                let saved_top = store.inner.stack_top;
                store.inner.stack_top = args_end;
                // The collector's walk of the frames continues here from any Wasm the
                // host function calls (see `exec::roots`).
                let roots = &mut store.inner.ctx.gc.roots;
                let mark = roots.suspended.len();
                roots.suspended.push(Suspended {
                    ip: resume.ip,
                    sp: resume.sp,
                    at_call: true,
                    inst: here,
                    frames: store.inner.ctx.frames.len(),
                    abandonable: None,
                });
                let frames_at = store.inner.ctx.frames.len();
                let r = call_host(store, func, args, Some(caller));
                // Calls the host function left suspended are abandoned: their frames sit
                // above the caller's return frames.
                store.inner.ctx.frames.truncate(frames_at);
                store.inner.ctx.gc.roots.suspended.truncate(mark);
                store.inner.stack_top = saved_top;
                let ctx = &mut store.inner.ctx;
                // SAFETY: `here` was running before the host call; instances live as
                // long as the store.
                unsafe { ctx.resume_instance(here) };
                if let Err(error) = r {
                    if let Error::Exception(exn) = error {
                        // The host function threw: unwind from the call that made it.
                        if exn.store != store.inner.id {
                            return Step::Failed(Error::Usage(
                                "a host function threw an exception of another store".into(),
                            ));
                        }
                        let ctx = &mut store.inner.ctx;
                        ctx.exception = ctx.exns.objects[exn.index as usize].as_ptr();
                        ctx.throw_site = resume.ip.wrapping_sub(1);
                        let (mem, len) = ctx.mem_regs();
                        regs = Regs {
                            ip: &crate::exec::UNWIND_CODE as *const Handler as Ip,
                            sp: resume.sp,
                            mem,
                            len,
                            acc: resume.acc,
                        };
                        continue;
                    }
                    if resumable {
                        return Step::HostError {
                            error,
                            func,
                            args,
                            resume,
                        };
                    }
                    return Step::Failed(error);
                }
                // The host may have grown the memory.
                let (mem, len) = ctx.mem_regs();
                regs = Regs {
                    ip: resume.ip,
                    sp: resume.sp,
                    mem,
                    len,
                    acc: resume.acc,
                };
            }
            Control::Translate => match enter_translated(&mut store.inner) {
                Ok(next) => regs = next,
                Err(Ok(TrapCode::OutOfFuel)) if resumable => {
                    return Step::OutOfFuel(store.inner.ctx.regs)
                }
                Err(Err(error)) => return Step::Failed(error),
                Err(Ok(code)) => {
                    let ctx = &mut store.inner.ctx;
                    ctx.trap = code;
                    ctx.trap_ip = ctx.regs.ip;
                    return Step::Failed(Error::Trap(trap_with_backtrace(
                        &store.inner,
                        act.frames_before,
                    )));
                }
            },
            Control::Exception => {
                let inner = &store.inner;
                // SAFETY: the unwinder left the live exception that ended the activation.
                let exn = unsafe { crate::exceptions::exn_handle(inner, inner.ctx.exception) };
                return Step::Failed(Error::Exception(exn));
            }
            Control::Continue => unreachable!("the trampoline consumes Continue"),
        }
    }
}

/// Finishes the call that entered a function's stub (`Ctx::regs`, see `crate::code`):
/// charges the translation's fuel, translates the function (or takes the module's
/// translation), points the running instance's entry at the code, checks the frame and
/// zeroes the locals as a call does, and returns the registers at the function's first
/// instruction. On `Err` (a trap, or translation's error), nothing was charged or changed:
/// resuming runs the stub again.
fn enter_translated(inner: &mut StoreInner) -> Result<Regs, Result<TrapCode, Error>> {
    let fuel = inner.engine.config().consume_fuel;
    let ctx = &mut inner.ctx;
    let at = ctx.regs;
    // SAFETY: the stub was entered by a call of the running instance (`enter_instance` runs
    // before any call into another instance enters its callee), which is live.
    let inst: &InstanceEntity = unsafe { &*ctx.inst };
    let module = &inst.module.inner;
    let defined = module
        .code
        .stub_at(at.ip)
        .expect("`translate` runs only in its module's stubs");
    // (Charged once per instance: a call suspended at the stub may resume after another
    // call of this instance translated the function and paid for it.)
    let paid = inst.compiled_funcs[defined].get().code != at.ip;
    let cost = if fuel && !paid {
        module.code.translation_fuel(defined)
    } else {
        0
    };
    let left = ctx.fuel.checked_sub(cost).ok_or(Ok(TrapCode::OutOfFuel))?;
    // (A body that validated translates: the translator handles every operator of the
    // proposals validation allows. An error here would be a Baton limitation.)
    let code = module.code.get(&module.env, defined).map_err(Err)?;
    // What this function calls is likely called next: have it translated meanwhile.
    crate::ahead::Ahead::request(&inst.module.inner, defined, code);
    let entry = code.compiled();
    // The frame as `enter!` checks it (the stub's covered the parameters only).
    if (at.sp as usize).wrapping_add(entry.frame_size as usize * 8) > ctx.stack_end as usize {
        return Err(Ok(TrapCode::StackOverflow));
    }
    ctx.fuel = left;
    inst.compiled_funcs[defined].set(entry);
    // SAFETY: the frame fits in the stack (checked just above), and `num_params..zero_end`
    // is inside it.
    unsafe {
        let mut slot = at.sp.add(entry.num_params as usize);
        let end = at.sp.add(entry.zero_end as usize);
        while slot < end {
            slot.write(0);
            slot = slot.add(1);
        }
    }
    Ok(Regs {
        ip: entry.code,
        ..at
    })
}

/// Ends an activation: drops its frames and restores the context it started from.
fn finish<T>(store: &mut Store<T>, act: &Activation) {
    let inner = &mut store.inner;
    inner.depth -= 1;
    inner.stack_top = act.saved_top;
    let ctx = &mut inner.ctx;
    ctx.frames.truncate(act.frames_before);
    ctx.gc.roots.forget_suspended_above(act.frames_before);
    // SAFETY: `act.saved` ran before the activation (or is null); instances live as long
    // as the store.
    unsafe { ctx.resume_instance(act.saved) };
}

/// The outcome of [`Func::call_resumable`] or [`ResumableInvocation::resume`].
pub enum ResumableCall {
    /// The call returned; its results are in the `results` slice given.
    Finished,
    /// The call ran out of fuel; add fuel and resume it.
    OutOfFuel(ResumableInvocation),
    /// A host function returned an error (e.g. to suspend the guest); resume with the
    /// results that host function should have produced.
    HostTrap(ResumableInvocation),
}

/// A suspended call: resumable exactly where it stopped. Dropped without being resumed,
/// it gives the store back its frames and the stack it kept (at the next call, once no
/// call suspended after it still holds frames above it).
pub struct ResumableInvocation {
    store: u64,
    act: Activation,
    /// Registers to resume from, and the context to restore.
    regs: Regs,
    /// The instance that was running (see `Ctx::resume_instance`).
    running: *const InstanceEntity,
    frames_len: usize,
    /// Held while the call may still be resumed: dropped unresumed, the store takes back
    /// its frames and stack; its record holds the `Weak` side (see `Abandonable`).
    alive: std::sync::Arc<()>,
    host: Option<(Error, *const FuncEntity, *mut u64)>,
    result_types: Vec<ValType>,
}

// SAFETY: the raw pointers point into the store the invocation belongs to, which is
// checked on resumption; they are never dereferenced without it.
unsafe impl Send for ResumableInvocation {}

impl ResumableInvocation {
    /// The host function's error, for a [`ResumableCall::HostTrap`].
    pub fn host_error(&self) -> Option<&Error> {
        self.host.as_ref().map(|h| &h.0)
    }

    /// The result types the suspended host function must supply to `resume`.
    pub fn host_result_types(&self) -> Vec<ValType> {
        // SAFETY: the function entity is boxed in the invocation's store.
        self.host
            .as_ref()
            .map(|h| unsafe { (*h.1).ty.results().to_vec() })
            .unwrap_or_default()
    }

    /// Continues the call. `inputs` are the suspended host function's results (empty when
    /// resuming after running out of fuel); the call's results go to `results` when it
    /// finishes. Suspended calls must be resumed in the reverse order of suspension; one
    /// whose frames are gone (it was suspended inside a host function that has returned,
    /// or inside a call that failed since) gives `Error::Usage`.
    pub fn resume(
        self,
        mut store: impl AsContextMut,
        inputs: &[Val],
        results: &mut [Val],
    ) -> Result<ResumableCall, Error> {
        let store = store.as_context_mut().0;
        store.inner.check(self.store);
        // (Suspended calls dropped since this one was suspended may still sit above it.)
        reclaim_abandoned(&mut store.inner);
        // The newest record must be this call's own: a call whose frames are gone (its
        // host function returned, or the call around it failed) is not resumed on another
        // suspension's frames at the same depth.
        let own = store.inner.ctx.gc.roots.suspended.last().is_some_and(|s| {
            s.abandonable
                .as_ref()
                .is_some_and(|a| a.alive.as_ptr() == std::sync::Arc::as_ptr(&self.alive))
        });
        if store.inner.ctx.frames.len() != self.frames_len || !own {
            return Err(Error::Usage(
                "suspended calls must be resumed in reverse order of suspension".into(),
            ));
        }
        if let Some((_, func, args)) = &self.host {
            // SAFETY: the function entity is boxed in this store.
            let ty = unsafe { (**func).ty.clone() };
            if inputs.len() != ty.results().len()
                || inputs
                    .iter()
                    .zip(ty.results())
                    .any(|(v, t)| !v.matches(*t, &store.inner))
            {
                return Err(Error::Usage(format!(
                    "resuming needs the host function's results: {:?}",
                    ty.results()
                )));
            }
            let cells = vals_to_cells(inputs, &store.inner);
            // SAFETY: `args` has room for the host function's results, `cells.len()` cells.
            unsafe { core::ptr::copy_nonoverlapping(cells.as_ptr(), *args, cells.len()) };
        }
        let inner = &mut store.inner;
        inner.wire();
        inner.depth += 1;
        let ctx = &mut inner.ctx;
        // Running again: no longer a suspended activation for the collector.
        ctx.gc.roots.forget_suspended_above(self.frames_len - 1);
        // SAFETY: `self.running` was running when the activation was suspended, in this
        // store (checked above), whose instances live as long as it does.
        unsafe { ctx.resume_instance(self.running) };
        let (mem, len) = ctx.mem_regs();
        let regs = Regs {
            mem,
            len,
            ..self.regs
        };
        run_resumable(store, self.act, regs, self.result_types, results)
    }
}

/// Drives a resumable activation and packages a suspension.
fn run_resumable<T>(
    store: &mut Store<T>,
    act: Activation,
    regs: Regs,
    result_types: Vec<ValType>,
    results: &mut [Val],
) -> Result<ResumableCall, Error> {
    let step = drive(store, &act, regs, true);
    let (regs, host) = match step {
        Step::Done => {
            finish(store, &act);
            let inner = &store.inner;
            cells_to_vals(&inner.stack[act.base..], &result_types, inner, results);
            return Ok(ResumableCall::Finished);
        }
        Step::Failed(e) => {
            finish(store, &act);
            return Err(e);
        }
        Step::OutOfFuel(regs) => (regs, None),
        Step::HostError {
            error,
            func,
            args,
            resume,
        } => (resume, Some((error, func, args))),
    };
    // Suspend: keep the frames, but let other calls use the stack above everything the
    // suspended activation still needs.
    let inner = &mut store.inner;
    let stack = inner.stack.as_mut_ptr();
    // SAFETY: `regs.sp` and `args` point into the stack.
    let mut high = unsafe { regs.sp.offset_from(stack) as usize } + frame_size_at(inner, regs.ip);
    if let Some((_, func, args)) = &host {
        // SAFETY: as above; the host entity is boxed in this store.
        let end = unsafe {
            args.offset_from(stack) as usize
                + (**func).ty.param_cells().max((**func).ty.result_cells())
        };
        high = high.max(end);
    }
    let ctx = &mut inner.ctx;
    let running = ctx.inst;
    let frames_len = ctx.frames.len();
    let alive = std::sync::Arc::new(());
    ctx.gc.roots.suspended.push(Suspended {
        ip: regs.ip,
        sp: regs.sp,
        at_call: host.is_some(),
        inst: running,
        frames: frames_len,
        abandonable: Some(Abandonable {
            alive: std::sync::Arc::downgrade(&alive),
            frames_before: act.frames_before,
            stack_top: act.saved_top,
        }),
    });
    // SAFETY: `act.saved` ran before the activation (or is null); instances live as long
    // as the store.
    unsafe { ctx.resume_instance(act.saved) };
    inner.depth -= 1;
    inner.stack_top = high.min(inner.stack.len());
    let is_host = host.is_some();
    let inv = ResumableInvocation {
        store: inner.id,
        act,
        regs,
        running,
        frames_len,
        alive,
        host,
        result_types,
    };
    Ok(if is_host {
        ResumableCall::HostTrap(inv)
    } else {
        ResumableCall::OutOfFuel(inv)
    })
}

/// Frame size of the function whose code contains `ip` (0 when it is not in a module's
/// code, e.g. the shared `return` used after tail-called host functions).
fn frame_size_at(inner: &StoreInner, ip: Ip) -> usize {
    let inst = inner.ctx.inst;
    if inst.is_null() {
        return 0;
    }
    // SAFETY: the running instance is live.
    let module = unsafe { &(*inst).module.inner };
    module.frame_size_at(ip).unwrap_or(0)
}

impl Func {
    /// Calls the function so that running out of fuel, or a host function's error,
    /// suspends the call instead of failing it (see [`ResumableCall`]).
    pub fn call_resumable(
        &self,
        mut store: impl AsContextMut,
        params: &[Val],
        results: &mut [Val],
    ) -> Result<ResumableCall, Error> {
        let store = store.as_context_mut().0;
        store.inner.check(self.store);
        let ty = store.inner.funcs[self.index as usize].ty.clone();
        if params.len() != ty.params().len()
            || results.len() != ty.results().len()
            || params
                .iter()
                .zip(ty.params())
                .any(|(p, t)| !p.matches(*t, &store.inner))
        {
            return Err(Error::Usage(format!(
                "function {ty} called with mismatched parameters or results"
            )));
        }
        let cells = vals_to_cells(params, &store.inner);
        match begin(store, self.index, |slots| slots.copy_from_slice(&cells))? {
            Begun::Host(out) => {
                cells_to_vals(&out, ty.results(), &store.inner, results);
                Ok(ResumableCall::Finished)
            }
            Begun::Wasm(act, regs) => {
                run_resumable(store, act, regs, ty.results().to_vec(), results)
            }
        }
    }
}

/// Calls host function `func` with arguments (and room for results) at `args`.
fn call_host<T>(
    store: &mut Store<T>,
    func: *const FuncEntity,
    args: *mut u64,
    instance: Option<Instance>,
) -> Result<(), Error> {
    // SAFETY: `func` is a live host function entity of this store.
    let (host, ty) = unsafe {
        (
            store.host_funcs[(*func).host as usize].clone(),
            (*func).ty.clone(),
        )
    };
    // Up to this many parameters and results live on the native stack: host calls are
    // frequent (WASI), and two heap allocations per call would dominate a small one.
    const INLINE: usize = 8;
    let (np, nr) = (ty.params().len(), ty.results().len());
    let mut params_inline = [Val::I32(0); INLINE];
    let mut results_inline = [Val::I32(0); INLINE];
    let mut params_heap = Vec::new();
    let mut results_heap = Vec::new();
    let (params, results): (&mut [Val], &mut [Val]) = if np <= INLINE && nr <= INLINE {
        (&mut params_inline[..np], &mut results_inline[..nr])
    } else {
        params_heap.resize(np, Val::I32(0));
        results_heap.resize(nr, Val::I32(0));
        (&mut params_heap[..], &mut results_heap[..])
    };
    // The host function's scope of GC roots: its arguments and whatever it makes, until it
    // returns (see `values::root`).
    let scope = crate::values::scope_start(&store.inner);
    let r = call_host_in_scope(store, host, &ty, args, params, results, instance);
    crate::values::scope_end(&store.inner, scope);
    r
}

/// The part of [`call_host`] inside the host function's root scope.
fn call_host_in_scope<T>(
    store: &mut Store<T>,
    host: HostFn<T>,
    ty: &FuncType,
    args: *mut u64,
    params: &mut [Val],
    results: &mut [Val],
    instance: Option<Instance>,
) -> Result<(), Error> {
    // SAFETY: `args` has room for the larger of the parameters' and the results' cells
    // (translation or `invoke`).
    let cells =
        unsafe { core::slice::from_raw_parts(args, ty.param_cells().max(ty.result_cells())) };
    cells_to_vals(cells, ty.params(), &store.inner, params);
    for (r, &t) in results.iter_mut().zip(ty.results()) {
        *r = Val::default_for(t);
    }
    host(Caller { store, instance }, params, results)?;
    let mut at = 0;
    for (r, &t) in results.iter().zip(ty.results()) {
        if !r.matches(t, &store.inner) {
            return Err(Error::Usage(format!(
                "host function returned {} where {t} was expected",
                r.ty()
            )));
        }
        // SAFETY: as above: the results' cells fit from `args` on.
        let out = unsafe { core::slice::from_raw_parts_mut(args.add(at), t.cells()) };
        r.write_cells(&store.inner, out);
        at += t.cells();
    }
    Ok(())
}

/// Builds the trap error for the trap recorded in the context.
fn trap_with_backtrace(inner: &StoreInner, frames_before: usize) -> Trap {
    let ctx = &inner.ctx;
    let mut frames = Vec::new();
    let mut push = |ip: Ip| frames.extend(frame_info(inner, ip));
    push(ctx.trap_ip);
    for fr in ctx.frames.as_slice().iter().skip(frames_before + 1).rev() {
        // Returns through `RESTORE_CODE` are the instance switches, not calls.
        if !fr.restores() {
            // `ret_ip` is just after the call; step back into the calling instruction.
            push(fr.ret_ip.wrapping_sub(1));
        }
    }
    Trap::new(ctx.trap, frames)
}

/// The function whose code (or stub) holds `ip`, as a backtrace names it. Frames do not
/// record their instance (see `exec::Frame`): the function is found by the module whose
/// code holds the address.
fn frame_info(inner: &StoreInner, ip: Ip) -> Option<FrameInfo> {
    inner.instances.iter().find_map(|inst| {
        let module = &inst.module.inner;
        module.func_at(ip).map(|func_index| FrameInfo {
            func_index,
            func_name: module.func_names().get(&func_index).cloned(),
            module_name: module.name.clone(),
        })
    })
}

/// A function with a statically known signature: calls skip dynamic type checks.
pub struct TypedFunc<P, R> {
    func: Func,
    _ty: PhantomData<fn(P) -> R>,
}

impl<P, R> Clone for TypedFunc<P, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P, R> Copy for TypedFunc<P, R> {}

impl<P: WasmParams, R: WasmResults> TypedFunc<P, R> {
    /// Calls the function.
    pub fn call(&self, mut store: impl AsContextMut, params: P) -> Result<R, Error> {
        let store = store.as_context_mut().0;
        store.inner.check(self.func.store);
        let cells = params.into_cells(StoreRef(&store.inner));
        invoke(
            store,
            self.func.index,
            |slots| slots.copy_from_slice(cells.as_ref()),
            |inner, slots| R::from_cells(slots, StoreRef(inner)),
        )
    }

    /// The untyped function.
    pub fn func(&self) -> Func {
        self.func
    }
}

/// Access to a store for value conversions (opaque to embedders).
#[doc(hidden)]
pub struct StoreRef<'a>(pub(crate) &'a StoreInner);

/// A Rust type that is a Wasm value type.
pub trait WasmTy: Copy + Send + Sync + 'static {
    /// How many 64-bit value cells the value takes (1; 2 for `v128`).
    #[doc(hidden)]
    const CELLS: usize = 1;
    /// The Wasm type.
    fn valtype() -> ValType;
    #[doc(hidden)]
    fn to_cell(self, store: StoreRef<'_>) -> u64;
    #[doc(hidden)]
    fn from_cell(cell: u64, store: StoreRef<'_>) -> Self;
    /// Writes the value's [`Self::CELLS`] cells at the start of `out`. Types of more than
    /// one cell override this and [`Self::read_cells`].
    #[doc(hidden)]
    fn write_cells(self, store: StoreRef<'_>, out: &mut [u64]) {
        out[0] = self.to_cell(store);
    }
    /// Reads the value from the [`Self::CELLS`] cells at the start of `cells`.
    #[doc(hidden)]
    fn read_cells(cells: &[u64], store: StoreRef<'_>) -> Self {
        Self::from_cell(cells[0], store)
    }
    /// Converts from a dynamically typed value (of the right type).
    fn from_val(v: &Val) -> Option<Self>;
    /// Converts to a dynamically typed value.
    fn into_val(self) -> Val;
}

macro_rules! wasm_ty_num {
    ($($t:ty => $vt:ident, $variant:ident, |$c:ident| $from:expr, |$v:ident| $to:expr, |$x:ident| $fromval:expr, |$y:ident| $toval:expr;)*) => {$(
        impl WasmTy for $t {
            fn valtype() -> ValType { ValType::$vt }
            fn to_cell(self, _: StoreRef<'_>) -> u64 { let $v = self; $to }
            fn from_cell($c: u64, _: StoreRef<'_>) -> Self { $from }
            fn from_val(v: &Val) -> Option<Self> { if let Val::$variant($x) = *v { Some($fromval) } else { None } }
            fn into_val(self) -> Val { let $y = self; Val::$variant($toval) }
        }
    )*};
}
wasm_ty_num! {
    i32 => I32, I32, |c| c as u32 as i32, |v| v as u32 as u64, |x| x, |y| y;
    u32 => I32, I32, |c| c as u32, |v| v as u64, |x| x as u32, |y| y as i32;
    i64 => I64, I64, |c| c as i64, |v| v as u64, |x| x, |y| y;
    u64 => I64, I64, |c| c, |v| v, |x| x as u64, |y| y as i64;
    f32 => F32, F32, |c| f32::from_bits(c as u32), |v| v.to_bits() as u64, |x| f32::from_bits(x), |y| y.to_bits();
    f64 => F64, F64, |c| f64::from_bits(c), |v| v.to_bits(), |x| f64::from_bits(x), |y| y.to_bits();
}

impl WasmTy for Option<Func> {
    fn valtype() -> ValType {
        ValType::FuncRef
    }
    fn to_cell(self, store: StoreRef<'_>) -> u64 {
        Val::FuncRef(self).to_cell(store.0)
    }
    fn from_cell(cell: u64, store: StoreRef<'_>) -> Self {
        crate::values::func_from_cell(cell, store.0)
    }
    fn from_val(v: &Val) -> Option<Self> {
        if let Val::FuncRef(f) = *v {
            Some(f)
        } else {
            None
        }
    }
    fn into_val(self) -> Val {
        Val::FuncRef(self)
    }
}

impl WasmTy for Option<ExternRef> {
    fn valtype() -> ValType {
        ValType::ExternRef
    }
    fn to_cell(self, store: StoreRef<'_>) -> u64 {
        Val::ExternRef(self).to_cell(store.0)
    }
    fn from_cell(cell: u64, store: StoreRef<'_>) -> Self {
        (cell != 0).then(|| ExternRef {
            store: store.0.id,
            cell,
            root: crate::values::root(store.0, cell),
        })
    }
    fn from_val(v: &Val) -> Option<Self> {
        if let Val::ExternRef(r) = *v {
            Some(r)
        } else {
            None
        }
    }
    fn into_val(self) -> Val {
        Val::ExternRef(self)
    }
}

/// `anyref` (`(ref null any)`): an `i31`, a structure, an array or a converted host
/// reference.
impl WasmTy for Option<AnyRef> {
    fn valtype() -> ValType {
        ValType::ANYREF
    }
    fn to_cell(self, store: StoreRef<'_>) -> u64 {
        Val::AnyRef(self).to_cell(store.0)
    }
    fn from_cell(cell: u64, store: StoreRef<'_>) -> Self {
        (cell != 0).then(|| AnyRef {
            store: store.0.id,
            cell,
            root: crate::values::root(store.0, cell),
        })
    }
    fn from_val(v: &Val) -> Option<Self> {
        if let Val::AnyRef(r) = *v {
            Some(r)
        } else {
            None
        }
    }
    fn into_val(self) -> Val {
        Val::AnyRef(self)
    }
}

/// `v128` as its bits (lane 0 in the lowest bits), as [`V128`] or as a plain `u128`.
macro_rules! wasm_ty_v128 {
    ($($t:ty => |$v:ident| $bits:expr, |$b:ident| $from_bits:expr;)*) => {$(
        impl WasmTy for $t {
            const CELLS: usize = 2;
            fn valtype() -> ValType {
                ValType::V128
            }
            /// Only the low half: a `v128` is written and read as two cells.
            fn to_cell(self, _: StoreRef<'_>) -> u64 {
                let $v = self;
                $bits as u64
            }
            fn from_cell(cell: u64, _: StoreRef<'_>) -> Self {
                let $b = u128::from(cell);
                $from_bits
            }
            fn write_cells(self, _: StoreRef<'_>, out: &mut [u64]) {
                let $v = self;
                let bits: u128 = $bits;
                out[0] = bits as u64;
                out[1] = (bits >> 64) as u64;
            }
            fn read_cells(cells: &[u64], _: StoreRef<'_>) -> Self {
                let $b = u128::from(cells[0]) | u128::from(cells[1]) << 64;
                $from_bits
            }
            fn from_val(v: &Val) -> Option<Self> {
                let $b = v.v128()?.as_u128();
                Some($from_bits)
            }
            fn into_val(self) -> Val {
                let $v = self;
                Val::V128(V128::from($bits))
            }
        }
    )*};
}
wasm_ty_v128! {
    V128 => |v| v.as_u128(), |b| V128::from(b);
    u128 => |v| v, |b| b;
}

/// The cells of a typed call's parameters: room for `N` cells, `len` of them used (a
/// tuple of `n` values takes between `n` and `2n` cells).
#[doc(hidden)]
pub struct ParamCells<const N: usize> {
    cells: [u64; N],
    len: usize,
}

impl<const N: usize> AsRef<[u64]> for ParamCells<N> {
    fn as_ref(&self) -> &[u64] {
        &self.cells[..self.len]
    }
}

/// Parameters of a typed call: `()`, one [`WasmTy`], or a tuple of them.
pub trait WasmParams: Send {
    #[doc(hidden)]
    type Cells: AsRef<[u64]>;
    /// The Wasm types, in order.
    fn types() -> Vec<ValType>;
    #[doc(hidden)]
    fn into_cells(self, store: StoreRef<'_>) -> Self::Cells;
    #[doc(hidden)]
    fn from_vals(vals: &[Val]) -> Option<Self>
    where
        Self: Sized;
}

/// Results of a typed call: `()`, one [`WasmTy`], or a tuple of them.
pub trait WasmResults: Send {
    /// The Wasm types, in order.
    fn types() -> Vec<ValType>;
    #[doc(hidden)]
    fn from_cells(cells: &[u64], store: StoreRef<'_>) -> Self;
    #[doc(hidden)]
    fn into_vals(self, out: &mut [Val]);
}

impl<A: WasmTy> WasmParams for A {
    type Cells = ParamCells<2>;
    fn types() -> Vec<ValType> {
        vec![A::valtype()]
    }
    fn into_cells(self, store: StoreRef<'_>) -> ParamCells<2> {
        let mut cells = [0; 2];
        self.write_cells(store, &mut cells);
        ParamCells {
            cells,
            len: A::CELLS,
        }
    }
    fn from_vals(vals: &[Val]) -> Option<Self> {
        A::from_val(vals.first()?)
    }
}

impl<A: WasmTy> WasmResults for A {
    fn types() -> Vec<ValType> {
        vec![A::valtype()]
    }
    fn from_cells(cells: &[u64], store: StoreRef<'_>) -> Self {
        A::read_cells(cells, store)
    }
    fn into_vals(self, out: &mut [Val]) {
        out[0] = self.into_val();
    }
}

macro_rules! tuples {
    ($($n:literal: ($($t:ident $i:tt),*);)*) => {$(
        impl<$($t: WasmTy),*> WasmParams for ($($t,)*) {
            type Cells = ParamCells<{ 2 * $n }>;
            fn types() -> Vec<ValType> { vec![$($t::valtype()),*] }
            #[allow(unused_variables, unused_mut)]
            fn into_cells(self, store: StoreRef<'_>) -> ParamCells<{ 2 * $n }> {
                let mut cells = [0; 2 * $n];
                let mut len = 0;
                $(
                    self.$i.write_cells(StoreRef(store.0), &mut cells[len..]);
                    len += $t::CELLS;
                )*
                ParamCells { cells, len }
            }
            #[allow(unused_variables)]
            fn from_vals(vals: &[Val]) -> Option<Self> { Some(($($t::from_val(vals.get($i)?)?,)*)) }
        }
        impl<$($t: WasmTy),*> WasmResults for ($($t,)*) {
            fn types() -> Vec<ValType> { vec![$($t::valtype()),*] }
            #[allow(unused_variables, unused_mut, unused_assignments, clippy::unused_unit)]
            fn from_cells(cells: &[u64], store: StoreRef<'_>) -> Self {
                let mut at = 0;
                ($({
                    let v = $t::read_cells(&cells[at..], StoreRef(store.0));
                    at += $t::CELLS;
                    v
                },)*)
            }
            #[allow(unused_variables)]
            fn into_vals(self, out: &mut [Val]) { $(out[$i] = self.$i.into_val();)* }
        }
    )*};
}
tuples! {
    0: ();
    1: (A 0);
    2: (A 0, B 1);
    3: (A 0, B 1, C 2);
    4: (A 0, B 1, C 2, D 3);
    5: (A 0, B 1, C 2, D 3, E 4);
    6: (A 0, B 1, C 2, D 3, E 4, F 5);
    7: (A 0, B 1, C 2, D 3, E 4, F 5, G 6);
    8: (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
    9: (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
    10: (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
    11: (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
    12: (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
}

/// What a host closure may return: results, or results in a `Result`.
pub trait HostReturn: Send {
    /// The results' type.
    type Results: WasmResults;
    /// Separates a host error from the results.
    fn into_result(self) -> Result<Self::Results, Error>;
}

impl<R: WasmResults> HostReturn for R {
    type Results = R;
    fn into_result(self) -> Result<R, Error> {
        Ok(self)
    }
}

impl<R: WasmResults> HostReturn for Result<R, Error> {
    type Results = R;
    fn into_result(self) -> Result<R, Error> {
        self
    }
}

/// Rust closures that can become host functions (see [`Func::wrap`]).
pub trait IntoFunc<T, Params, Results>: Send + Sync + 'static {
    #[doc(hidden)]
    fn into_host(self) -> (FuncType, HostFn<T>);
}

/// Marker for closures that take a [`Caller`] first.
#[doc(hidden)]
pub struct WithCaller<P>(PhantomData<P>);

macro_rules! into_func {
    ($(($($t:ident),*);)*) => {$(
        impl<T, F, Ret, $($t: WasmTy),*> IntoFunc<T, ($($t,)*), Ret> for F
        where
            F: Fn($($t),*) -> Ret + Send + Sync + 'static,
            Ret: HostReturn,
        {
            #[allow(non_snake_case, unused_variables, unused_mut)]
            fn into_host(self) -> (FuncType, HostFn<T>) {
                let ty = FuncType::new(<($($t,)*) as WasmParams>::types(), Ret::Results::types());
                let host: HostFn<T> = Arc::new(move |_caller: Caller<'_, T>, params: &[Val], results: &mut [Val]| {
                    let ($($t,)*) = <($($t,)*) as WasmParams>::from_vals(params)
                        .ok_or_else(|| Error::Usage("host function called with wrong parameter types".into()))?;
                    let r = (self)($($t),*).into_result()?;
                    r.into_vals(results);
                    Ok(())
                });
                (ty, host)
            }
        }

        impl<T, F, Ret, $($t: WasmTy),*> IntoFunc<T, WithCaller<($($t,)*)>, Ret> for F
        where
            F: Fn(Caller<'_, T>, $($t),*) -> Ret + Send + Sync + 'static,
            Ret: HostReturn,
        {
            #[allow(non_snake_case, unused_variables, unused_mut)]
            fn into_host(self) -> (FuncType, HostFn<T>) {
                let ty = FuncType::new(<($($t,)*) as WasmParams>::types(), Ret::Results::types());
                let host: HostFn<T> = Arc::new(move |caller: Caller<'_, T>, params: &[Val], results: &mut [Val]| {
                    let ($($t,)*) = <($($t,)*) as WasmParams>::from_vals(params)
                        .ok_or_else(|| Error::Usage("host function called with wrong parameter types".into()))?;
                    let r = (self)(caller, $($t),*).into_result()?;
                    r.into_vals(results);
                    Ok(())
                });
                (ty, host)
            }
        }
    )*};
}
into_func! {
    ();
    (A1);
    (A1, A2);
    (A1, A2, A3);
    (A1, A2, A3, A4);
    (A1, A2, A3, A4, A5);
    (A1, A2, A3, A4, A5, A6);
    (A1, A2, A3, A4, A5, A6, A7);
    (A1, A2, A3, A4, A5, A6, A7, A8);
    (A1, A2, A3, A4, A5, A6, A7, A8, A9);
    (A1, A2, A3, A4, A5, A6, A7, A8, A9, A10);
    (A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11);
    (A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12);
}
