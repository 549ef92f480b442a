//! Validation and translation of a module's function bodies: on the calling thread for a
//! small module, shared out among threads for a large one.
//!
//! Bodies are independent once the module's declarations are known, and both halves of the
//! work allow it: `wasmparser` hands out each body's validator as a value that may move to
//! another thread, and each function is translated into a buffer of its own. The result is
//! the same whatever the number of threads; an error is the one of the first failing
//! function, as on one thread.
//!
//! Eager compilation validates and translates every body here ([`translate_bodies`]); lazy
//! compilation only validates them ([`validate_bodies`]) and translates each one on its
//! first call ([`translate_body`], from `code.rs`).

use crate::code::FuncCode;
use crate::error::Error;
use crate::ir::CodeBuf;
use crate::module::{in_function, ModuleEnv};
use crate::translate::{FuncTranslator, ValidateThenTranslate};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use wasmparser::{FuncToValidate, FuncValidatorAllocations, FunctionBody, ValidatorResources};

/// Below this many bytes of function bodies, starting threads costs more than it saves.
pub(crate) const PARALLEL_MIN_BYTES: usize = 256 * 1024;

/// A function body waiting to be validated (and translated).
pub(crate) struct PendingBody<'a> {
    pub func: FuncToValidate<ValidatorResources>,
    pub body: FunctionBody<'a>,
}

/// Validates and translates `bodies` (in function order) with up to `threads` threads
/// (0: one per available core); returns their code in the same order.
pub(crate) fn translate_bodies(
    env: &ModuleEnv,
    bodies: Vec<PendingBody<'_>>,
    threads: usize,
) -> Result<Vec<FuncCode>, Error> {
    in_parallel(bodies, threads, |chunk| {
        let mut allocs = FuncValidatorAllocations::default();
        chunk
            .into_iter()
            .map(|PendingBody { func, body }| {
                translate_body(env, Checked::Validate(func), &body, &mut allocs)
            })
            .collect()
    })
}

/// Validates `bodies` without translating them, with up to `threads` threads. Returns the
/// module offsets, ascending, of the `drop`s and `select`s of a `v128` (what translation
/// without a validator needs to know, see `translate/pass.rs`).
pub(crate) fn validate_bodies(
    bodies: Vec<PendingBody<'_>>,
    threads: usize,
) -> Result<Vec<u64>, Error> {
    in_parallel(bodies, threads, |chunk| {
        let mut allocs = FuncValidatorAllocations::default();
        let mut wide = Vec::new();
        for PendingBody { func, body } in chunk {
            allocs = validate_body(func, &body, allocs, &mut wide)?;
        }
        Ok(wide)
    })
}

/// Runs `work` on runs of consecutive bodies, several runs per thread (a thread that drew
/// quick ones takes another run instead of waiting for the others), and concatenates the
/// results in function order. The error is the first failing run's.
fn in_parallel<'a, T: Send>(
    bodies: Vec<PendingBody<'a>>,
    threads: usize,
    work: impl Fn(Vec<PendingBody<'a>>) -> Result<Vec<T>, Error> + Sync,
) -> Result<Vec<T>, Error> {
    let total: usize = bodies.iter().map(|b| body_len(&b.body)).sum();
    if threads == 1 || total < PARALLEL_MIN_BYTES {
        return work(bodies);
    }
    // (Asked only now: on Linux the answer comes from reading cgroup files.)
    let threads = match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .min(bodies.len());
    if threads <= 1 {
        return work(bodies);
    }
    let per_chunk = total / (threads * 8) + 1;
    let mut chunks: Vec<Vec<PendingBody<'_>>> = vec![Vec::new()];
    let mut filled = 0;
    for b in bodies {
        if filled >= per_chunk {
            chunks.push(Vec::new());
            filled = 0;
        }
        filled += body_len(&b.body);
        chunks.last_mut().expect("starts with one chunk").push(b);
    }
    let queue: Vec<Mutex<Option<Vec<PendingBody<'_>>>>> =
        chunks.into_iter().map(|c| Mutex::new(Some(c))).collect();
    let next = AtomicUsize::new(0);
    // Takes runs until none is left; returns what it made, by run number.
    let worker = || {
        let mut parts = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(slot) = queue.get(i) else {
                return parts;
            };
            // A lock is only poisoned by a panicking thread, whose panic is re-raised below.
            let chunk = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
            parts.push((i, work(chunk.unwrap_or_default())));
        }
    };
    let mut parts = std::thread::scope(|s| {
        // A thread the system refuses is no error: the others take its share.
        let helpers: Vec<_> = (1..threads)
            .filter_map(|_| {
                std::thread::Builder::new()
                    .name("baton-compile".into())
                    .spawn_scoped(s, worker)
                    .ok()
            })
            .collect();
        let mut parts = worker();
        for h in helpers {
            parts.extend(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        parts
    });
    parts.sort_unstable_by_key(|&(i, _)| i);
    let mut all = Vec::new();
    for (_, part) in parts {
        all.extend(part?);
    }
    Ok(all)
}

fn parse_err(e: wasmparser::BinaryReaderError) -> Error {
    Error::from_wasmparser(e, false)
}

fn invalid(e: wasmparser::BinaryReaderError) -> Error {
    Error::from_wasmparser(e, true)
}

/// Validates one body, recording its wide `drop`s and `select`s in `wide`; hands back the
/// validator's allocations for the next.
fn validate_body(
    func: FuncToValidate<ValidatorResources>,
    body: &FunctionBody<'_>,
    allocs: FuncValidatorAllocations,
    wide: &mut Vec<u64>,
) -> Result<FuncValidatorAllocations, Error> {
    let func_index = func.index;
    let mut fv = func.into_validator(allocs);
    let mut locals = body.get_locals_reader().map_err(parse_err)?;
    for _ in 0..locals.get_count() {
        let offset = locals.original_position();
        let (count, vt) = locals.read().map_err(parse_err)?;
        fv.define_locals(offset, count, vt).map_err(invalid)?;
    }
    let mut ops = body.get_operators_reader().map_err(parse_err)?;
    let mut pass = ValidateThenTranslate {
        validator: Some(&mut fv),
        translator: None,
        wide,
        offset: 0,
    };
    while !ops.eof() {
        pass.offset = ops.original_position() as usize;
        ops.visit_operator(&mut pass)
            .map_err(parse_err)?
            .map_err(|e| in_function(e, func_index))?;
    }
    ops.finish().map_err(parse_err)?;
    Ok(fv.into_allocations())
}

/// How [`translate_body`] knows the body is valid.
pub(crate) enum Checked<'a> {
    /// It validates it as it translates.
    Validate(FuncToValidate<ValidatorResources>),
    /// The body of function `index` was validated (lazy compilation); `wide` holds the
    /// module offsets of its `drop`s and `select`s of a `v128`, ascending.
    Valid { index: u32, wide: &'a [u64] },
}

/// Translates one body, validating it too unless it was validated already.
pub(crate) fn translate_body(
    env: &ModuleEnv,
    checked: Checked<'_>,
    body: &FunctionBody<'_>,
    allocs: &mut FuncValidatorAllocations,
) -> Result<FuncCode, Error> {
    let (func_index, mut fv, mut wide) = match checked {
        Checked::Validate(func) => (
            func.index,
            Some(func.into_validator(core::mem::take(allocs))),
            Vec::new(),
        ),
        Checked::Valid { index, wide } => (index, None, wide.to_vec()),
    };
    let ty = env.func_type(func_index);
    // Locals in cells: a `v128` takes two (see `crate::values`).
    let num_params = ty.param_cells() as u32;
    let mut num_locals = num_params;
    let mut declared = Vec::new();
    let mut locals = body.get_locals_reader().map_err(parse_err)?;
    for _ in 0..locals.get_count() {
        let offset = locals.original_position();
        let (count, vt) = locals.read().map_err(parse_err)?;
        if let Some(fv) = fv.as_mut() {
            fv.define_locals(offset, count, vt).map_err(invalid)?;
        }
        let cells = if vt == wasmparser::ValType::V128 {
            2
        } else {
            1
        };
        num_locals = num_locals.saturating_add(count.saturating_mul(cells));
        declared.push((count, cells));
    }
    let local_map = local_cells(ty.params(), &declared);
    let mut code = CodeBuf::default();
    let mut t = FuncTranslator::new(
        env,
        &mut code,
        ty.result_cells() as u32,
        num_params,
        num_locals,
        local_map,
    );
    let mut ops = body.get_operators_reader().map_err(parse_err)?;
    let mut pass = ValidateThenTranslate {
        validator: fv.as_mut(),
        translator: Some(&mut t),
        wide: &mut wide,
        offset: 0,
    };
    let mut wasm_operators = 0;
    while !ops.eof() {
        pass.offset = ops.original_position() as usize;
        ops.visit_operator(&mut pass)
            .map_err(parse_err)?
            .map_err(|e| in_function(e, func_index))?;
        wasm_operators += 1;
    }
    ops.finish().map_err(parse_err)?;
    let (zero_end, frame_size) = (t.zero_end(), t.frame_size());
    if let Some(fv) = fv {
        *allocs = fv.into_allocations();
    }
    let handlers = core::mem::take(&mut code.handlers);
    Ok(FuncCode {
        words: code.into_words().into_boxed_slice(),
        handlers,
        num_params,
        zero_end,
        frame_size,
        wasm_operators,
    })
}

/// Where each local starts in the frame, when some local takes two cells (a `v128`):
/// `map[x]` is local `x`'s first cell and `map[x + 1] - map[x]` its width. Empty when every
/// local takes one cell, so that local `x` is cell `x` (the common case costs nothing).
fn local_cells(params: &[crate::ValType], declared: &[(u32, u32)]) -> Vec<u32> {
    let wide = params.iter().any(|t| t.cells() == 2) || declared.iter().any(|&(_, c)| c == 2);
    if !wide {
        return Vec::new();
    }
    let mut map = Vec::new();
    let mut cell = 0u32;
    for t in params {
        map.push(cell);
        cell += t.cells() as u32;
    }
    for &(count, cells) in declared {
        for _ in 0..count {
            map.push(cell);
            cell = cell.saturating_add(cells);
        }
    }
    map.push(cell);
    map
}

/// Bytes of a function body.
pub(crate) fn body_len(body: &FunctionBody<'_>) -> usize {
    let range = body.range();
    (range.end - range.start) as usize
}
