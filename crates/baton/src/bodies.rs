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
use crate::translate::{BackEdge, FuncTranslator, LoopWatch, Unroll, ValidateThenTranslate};
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

/// What validation finds that translation without a validator needs to know (see
/// `translate/pass.rs`), each list by module offset, ascending.
#[derive(Default)]
pub(crate) struct Notes {
    /// The `drop`s and `select`s of a `v128`.
    pub wide: Vec<u64>,
    /// The stack maps' points (calls, allocating instructions, fuel checks) at which
    /// operand stack entries hold traced references, with those entries (modules with
    /// stack maps only).
    pub refs: Vec<(u64, Box<[u32]>)>,
}

/// What a translation without a validator will need to learn from validating a module's
/// bodies (see [`Notes`]).
#[derive(Clone, Copy)]
pub(crate) struct NotesWanted {
    /// The module has stack maps (`ModuleEnv::stack_maps`): note traced references.
    pub maps: bool,
    /// Its code is metered (`ModuleEnv::fuel`).
    pub fuel: bool,
    /// A `v128` may reach a body without a SIMD instruction in it: some signature or
    /// global of the module has one. (Else only a body with a SIMD instruction or a `v128`
    /// local can drop or select one.)
    pub v128_in_types: bool,
    /// Notes are kept at all (`false`: validation only, `Module::validate`).
    pub keep: bool,
}

/// Validates `bodies` without translating them, with up to `threads` threads, and returns
/// what translation will need (`wanted`).
pub(crate) fn validate_bodies(
    bodies: Vec<PendingBody<'_>>,
    threads: usize,
    wanted: NotesWanted,
) -> Result<Notes, Error> {
    let parts = in_parallel(bodies, threads, |chunk| {
        let mut allocs = FuncValidatorAllocations::default();
        let mut notes = Notes::default();
        for PendingBody { func, body } in chunk {
            allocs = validate_body(func, &body, allocs, &mut notes, wanted)?;
        }
        Ok(vec![notes])
    })?;
    let mut all = Notes::default();
    for part in parts {
        all.wide.extend(part.wide);
        all.refs.extend(part.refs);
    }
    Ok(all)
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

/// Validates one body, recording in `notes` what its translation will need; hands back the
/// validator's allocations for the next.
fn validate_body(
    mut func: FuncToValidate<ValidatorResources>,
    body: &FunctionBody<'_>,
    mut allocs: FuncValidatorAllocations,
    notes: &mut Notes,
    wanted: NotesWanted,
) -> Result<FuncValidatorAllocations, Error> {
    // When there is nothing to note, `wasmparser` validates the body on its own: without
    // the operator-by-operator hand-over of `ValidateThenTranslate`, which costs about a
    // fifth of a large module's start-up. Without stack maps, the one note left is which
    // `drop`s and `select`s take a `v128`; when no signature or global of the module has
    // one, a `v128` can only come from a SIMD instruction or a `v128` local of the body,
    // so the body is validated with SIMD turned off: if it passes, it has no `v128` at
    // all. One that uses SIMD, and an invalid or malformed one, fails and goes the full
    // way below (which gives the error a translation would).
    if !wanted.keep || (!wanted.maps && !wanted.v128_in_types) {
        let again = FuncToValidate {
            resources: func.resources.clone(),
            ..func
        };
        if wanted.keep {
            func.features
                .remove(wasmparser::WasmFeatures::SIMD | wasmparser::WasmFeatures::RELAXED_SIMD);
        }
        let mut fv = func.into_validator(allocs);
        if fv.validate(body).is_ok() {
            return Ok(fv.into_allocations());
        }
        func = again;
        allocs = fv.into_allocations();
    }
    let (maps, fuel) = (wanted.maps, wanted.fuel);
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
        wide: &mut notes.wide,
        maps,
        fuel,
        refs: &mut notes.refs,
        offset: 0,
        loop_opened: false,
    };
    while !ops.eof() {
        pass.offset = ops.original_position() as usize;
        ops.visit_operator(&mut pass)
            .map_err(parse_err)?
            .map_err(|e| in_function(*e, func_index))?;
    }
    ops.finish().map_err(parse_err)?;
    Ok(fv.into_allocations())
}

/// How [`translate_body`] knows the body is valid.
pub(crate) enum Checked<'a> {
    /// It validates it as it translates.
    Validate(FuncToValidate<ValidatorResources>),
    /// The body of function `index` was validated (lazy compilation); `wide` holds the
    /// module offsets of its `drop`s and `select`s of a `v128`, ascending, and `refs` its
    /// notes of traced references (see [`Notes`]).
    Valid {
        index: u32,
        wide: &'a [u64],
        refs: &'a [(u64, Box<[u32]>)],
    },
}

/// Translates one body, validating it too unless it was validated already.
pub(crate) fn translate_body(
    env: &ModuleEnv,
    checked: Checked<'_>,
    body: &FunctionBody<'_>,
    allocs: &mut FuncValidatorAllocations,
) -> Result<FuncCode, Error> {
    let (func_index, mut fv, mut wide, mut refs) = match checked {
        Checked::Validate(func) => (
            func.index,
            Some(func.into_validator(core::mem::take(allocs))),
            Vec::new(),
            Vec::new(),
        ),
        Checked::Valid { index, wide, refs } => (index, None, wide.to_vec(), refs.to_vec()),
    };
    let ty = env.func_type(func_index);
    // Locals in cells: a `v128` takes two (see `crate::values`).
    let num_params = ty.param_cells() as u32;
    let mut num_locals = num_params;
    let mut declared = Vec::new();
    // With stack maps: the cells of the locals that may hold objects.
    let mut traced_locals = env.stack_maps.then(Vec::new);
    if let Some(traced) = &mut traced_locals {
        let mut cell = 0;
        for &t in ty.params() {
            if crate::runtime::gc::traced(t) {
                traced.push(cell);
            }
            cell += t.cells() as u32;
        }
    }
    let mut locals = body.get_locals_reader().map_err(parse_err)?;
    for _ in 0..locals.get_count() {
        let offset = locals.original_position();
        let (count, vt) = locals.read().map_err(parse_err)?;
        if let Some(fv) = fv.as_mut() {
            fv.define_locals(offset, count, vt).map_err(invalid)?;
        }
        if let Some(traced) = &mut traced_locals {
            let t = crate::module_types::val_type(vt, &env.types, offset as usize)?;
            if crate::runtime::gc::traced(t) {
                traced.extend((0..count).map(|i| num_locals.saturating_add(i)));
            }
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
    // Translated code takes about half a word (3.8 bytes) per byte of the body (resvg,
    // `baton inspect`): room for a little more, so that most functions never grow it.
    let mut code = CodeBuf::with_capacity(body_len(body) * 5 / 8 + 16);
    let mut t = FuncTranslator::new(
        env,
        &mut code,
        ty.result_cells() as u32,
        num_params,
        num_locals,
        local_map,
        traced_locals,
    );
    let mut ops = body.get_operators_reader().map_err(parse_err)?;
    let mut pass = ValidateThenTranslate {
        validator: fv.as_mut(),
        translator: Some(&mut t),
        wide: &mut wide,
        maps: env.stack_maps,
        fuel: env.fuel,
        refs: &mut refs,
        offset: 0,
        loop_opened: false,
    };
    let mut wasm_operators = 0;
    let mut watch = LoopWatch::new(body.as_bytes(), body.range().start);
    while !ops.eof() {
        let at = ops.original_position();
        pass.offset = at as usize;
        wasm_operators += 1;
        if watch.watching() {
            if let Some(unroll) = watch.before(at) {
                translate_back_edge(&mut ops, &mut pass, unroll)
                    .map_err(|e| in_function(e, func_index))?;
                continue;
            }
        }
        ops.visit_operator(&mut pass)
            .map_err(parse_err)?
            .map_err(|e| in_function(*e, func_index))?;
        if core::mem::take(&mut pass.loop_opened) {
            watch.opened(&ops, pass.translator.as_deref());
        }
    }
    ops.finish().map_err(parse_err)?;
    let (zero_end, frame_size) = (t.zero_end(), t.frame_size());
    let stack_maps = t.take_stack_maps();
    let callees = t.take_callees();
    // (Its buffers go to the next function's translator: see `translate::Scratch`.)
    drop(t);
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
        stack_maps,
        callees,
    })
}

/// Translates the back edge of a loop to unroll (at `ops`' position) and, before it, the
/// second copy of the loop's body (see `translate/unroll.rs`), whose operators were
/// validated as the first copy.
fn translate_back_edge<'a>(
    ops: &mut wasmparser::OperatorsReader<'a>,
    pass: &mut ValidateThenTranslate<'_, '_, '_, '_>,
    unroll: Unroll<'a>,
) -> Result<(), Error> {
    fn visit<'a>(
        ops: &mut wasmparser::OperatorsReader<'a>,
        pass: &mut ValidateThenTranslate<'_, '_, '_, '_>,
    ) -> Result<(), Error> {
        pass.offset = ops.original_position() as usize;
        ops.visit_operator(pass)
            .map_err(parse_err)?
            .map_err(|e| *e)?;
        Ok(())
    }
    fn translator<'p, 'e>(
        pass: &'p mut ValidateThenTranslate<'_, '_, 'e, '_>,
    ) -> &'p mut FuncTranslator<'e> {
        pass.translator
            .as_deref_mut()
            .expect("watched while translating")
    }
    let mut body = wasmparser::OperatorsReader::new(unroll.body);
    let mut second_copy = |pass: &mut ValidateThenTranslate<'_, '_, '_, '_>, to_back_edge| {
        let validator = pass.validator.take();
        let mut translated = Ok(());
        while translated.is_ok()
            && (body.original_position() < unroll.back_edge
                || to_back_edge && body.original_position() == unroll.back_edge)
        {
            translated = visit(&mut body, pass);
        }
        pass.validator = validator;
        translated
    };
    match unroll.kind {
        // The second copy, then the back edge, which the translator rotates as usual.
        BackEdge::Always => {
            second_copy(pass, false)?;
            visit(ops, pass)
        }
        BackEdge::Conditional if translator(pass).may_unroll_do_while() => {
            // The back edge, validated only; the first copy's exit test in its place;
            // then the second copy with the back edge.
            let t = pass.translator.take();
            let validated = visit(ops, pass);
            pass.translator = t;
            validated?;
            translator(pass).unrolled_exit(unroll.back_edge as usize);
            second_copy(pass, true)
        }
        BackEdge::Conditional => visit(ops, pass),
    }
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
