//! Wasmtime (Cranelift), the oracle for exception handling and typed function references,
//! driven through its public API (feature `wasmtime`).

use crate::run::{host_call, Failure, Side};
use crate::value::{describe_exn, signature_of, GcRef, HostTrap, TrapKind, Value};
use baton::ValType;
use std::cell::RefCell;
use std::sync::OnceLock;
use wasmtime::{
    AnyRef, AsContextMut, Engine, ExternRef, HeapType, Instance, Linker, Module, Rooted, Store,
    StoreContextMut, StoreLimits, StoreLimitsBuilder, ThrownException, Val,
};

/// Wasmtime's limit on the native stack Wasm may use. Its default (512 KiB) is a quarter
/// of a test thread's stack; fuel bounds recursion to 2,000 frames, and frames with many
/// locals need more than 256 bytes each. A 1 MiB limit leaves room on the 2 MiB threads
/// of `cargo test`; stack exhaustion on one engine only is inconclusive anyway.
const MAX_WASM_STACK: usize = 1 << 20;

/// The largest GC heap a store may grow to: as on Baton's side (where the cap matters
/// more, Baton having no collector yet), a constant expression's `array.new` of a huge
/// length must fail rather than make gigabytes (Wasmtime's own ceiling is its 4 GiB heap
/// reservation). Smaller than Baton's, so that Baton is never asked to evaluate such an
/// expression (see `run::execute_wasmtime_calls`).
const GC_HEAP_LIMIT: usize = 16 << 20;

/// The engine, made once: exceptions, typed function references and GC (Wasmtime needs
/// GC on for the first two too), and every other proposal Baton runs except relaxed SIMD
/// (implementation-defined results). Wasmtime's default collector (DRC) collects, Baton's
/// heap does not yet: running out of GC heap on either side is inconclusive.
pub(crate) fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut c = wasmtime::Config::new();
        c.wasm_exceptions(true)
            .wasm_function_references(true)
            .wasm_gc(true)
            .wasm_tail_call(true)
            .wasm_multi_memory(true)
            .wasm_memory64(true)
            .wasm_custom_page_sizes(true)
            .wasm_wide_arithmetic(true)
            .wasm_extended_const(true)
            .wasm_simd(true)
            .wasm_relaxed_simd(false)
            .max_wasm_stack(MAX_WASM_STACK);
        Engine::new(&c).expect("wasmtime engine")
    })
}

/// An instance of the module under test in its own store (in a `RefCell`: Wasmtime needs
/// the store mutably even to read an export).
pub(crate) struct WasmtimeSide {
    store: RefCell<Store<StoreLimits>>,
    instance: Instance,
}

fn failure(store: &mut Store<StoreLimits>, e: wasmtime::Error) -> Failure {
    if let Some(t) = e.downcast_ref::<wasmtime::Trap>() {
        Failure::Trap((*t).into())
    } else if e.is::<ThrownException>() {
        match store.take_pending_exception() {
            Some(exn) => Failure::Exception(exn_string(&mut store.as_context_mut(), &exn)),
            None => Failure::Other("ThrownException without a pending exception".into()),
        }
    } else if e.downcast_ref::<HostTrap>().is_some() {
        Failure::Host
    } else if e.is::<wasmtime::GcHeapOutOfMemory<()>>() {
        // Not a `Trap` in Wasmtime, but what Baton's `GcHeapOutOfMemory` trap is.
        Failure::Trap(TrapKind::GcOutOfMemory)
    } else {
        Failure::Other(format!("{e:?}"))
    }
}

/// A type as [`crate::value::type_name`] prints Baton's.
fn type_name(t: &wasmtime::ValType) -> String {
    match t {
        wasmtime::ValType::I32 => "I32".into(),
        wasmtime::ValType::I64 => "I64".into(),
        wasmtime::ValType::F32 => "F32".into(),
        wasmtime::ValType::F64 => "F64".into(),
        wasmtime::ValType::V128 => "V128".into(),
        wasmtime::ValType::Ref(r) => {
            let null = r.is_nullable();
            let heap = match r.heap_type() {
                HeapType::Func if null => return "FuncRef".into(),
                HeapType::Extern if null => return "ExternRef".into(),
                HeapType::Func => "func".to_string(),
                HeapType::Extern => "extern".into(),
                HeapType::NoFunc => "nofunc".into(),
                HeapType::NoExtern => "noextern".into(),
                HeapType::ConcreteFunc(_) => "$t".into(),
                HeapType::Exn => "exn".into(),
                HeapType::NoExn => "noexn".into(),
                HeapType::Any => "any".into(),
                HeapType::Eq => "eq".into(),
                HeapType::I31 => "i31".into(),
                HeapType::Struct => "struct".into(),
                HeapType::Array => "array".into(),
                HeapType::None => "none".into(),
                HeapType::ConcreteStruct(_) | HeapType::ConcreteArray(_) => "$t".into(),
                h => format!("<{h}>"),
            };
            format!("(ref {}{heap})", if null { "null " } else { "" })
        }
    }
}

fn signature(ty: &wasmtime::FuncType) -> String {
    let params: Vec<String> = ty.params().map(|t| type_name(&t)).collect();
    let results: Vec<String> = ty.results().map(|t| type_name(&t)).collect();
    signature_of(&params, &results)
}

/// An exception as [`describe_exn`] describes it.
fn exn_string(store: &mut Cx<'_>, exn: &wasmtime::Rooted<wasmtime::ExnRef>) -> String {
    let Ok(tag) = exn.tag(&mut *store) else {
        return "<exception without tag>".into();
    };
    let ty = tag.ty(&*store);
    let types: Vec<String> = ty.ty().params().map(|t| type_name(&t)).collect();
    let payload: Vec<Value> = (0..types.len())
        .map(|i| match exn.field(&mut *store, i) {
            Ok(v) => from_val(store, &v),
            Err(e) => unreadable(e),
        })
        .collect();
    describe_exn(&types, &payload)
}

/// What a value Wasmtime cannot give becomes (never expected): an externref tag no engine
/// produces, so the comparison fails and shows it; the reason goes to stderr.
fn unreadable(why: impl std::fmt::Debug) -> Value {
    eprintln!("wasmtime side: {why:?}");
    Value::ExternRef(Some(u32::MAX))
}

/// The store, however reached (a `Store` or a host function's `Caller`).
type Cx<'a> = StoreContextMut<'a, StoreLimits>;

fn from_val(store: &mut Cx<'_>, v: &Val) -> Value {
    match v {
        Val::I32(x) => Value::I32(*x),
        Val::I64(x) => Value::I64(*x),
        Val::F32(x) => Value::F32(*x),
        Val::F64(x) => Value::F64(*x),
        Val::V128(x) => Value::V128(x.as_u128()),
        Val::FuncRef(f) => Value::FuncRef(f.map(|f| signature(&f.ty(&*store)))),
        Val::ExternRef(None) => Value::ExternRef(None),
        Val::ExternRef(Some(r)) => match r.data(&*store) {
            Ok(Some(d)) => Value::ExternRef(Some(
                *d.downcast_ref::<u32>().expect("externrefs hold u32 tags"),
            )),
            // No host data: an `any` value converted with `extern.convert_any`.
            Ok(None) => match AnyRef::convert_extern(&mut *store, *r) {
                Ok(a) => Value::ExternAny(gc_ref(store, &a)),
                Err(e) => unreadable(e),
            },
            Err(e) => unreadable(e),
        },
        Val::ExnRef(e) => Value::ExnRef(e.as_ref().map(|e| exn_string(store, e))),
        Val::AnyRef(r) => Value::AnyRef(r.as_ref().map(|r| gc_ref(store, r))),
        // No continuations in generated modules.
        other => unreadable(other),
    }
}

/// What is observable about a non-null `any` reference, as Baton's side describes it.
fn gc_ref(store: &mut Cx<'_>, r: &Rooted<AnyRef>) -> GcRef {
    fn kind(store: &mut Cx<'_>, r: &Rooted<AnyRef>) -> wasmtime::Result<GcRef> {
        Ok(if let Some(i) = r.as_i31(&*store)? {
            GcRef::I31(i.get_u32())
        } else if r.is_struct(&*store)? {
            GcRef::Struct
        } else if r.is_array(&*store)? {
            GcRef::Array
        } else {
            // Neither an `i31` nor an object: a converted host reference.
            let e = ExternRef::convert_any(&mut *store, *r)?;
            let tag = e.data(&*store)?.and_then(|d| d.downcast_ref::<u32>());
            GcRef::Host(tag.copied().unwrap_or(u32::MAX))
        })
    }
    kind(store, r).unwrap_or_else(|e| {
        eprintln!("wasmtime side: {e:?}");
        GcRef::Host(u32::MAX)
    })
}

/// A host function's value type (host functions use the Wasm 2.0 types only).
fn val_type(t: ValType) -> wasmtime::ValType {
    match t {
        ValType::I32 => wasmtime::ValType::I32,
        ValType::I64 => wasmtime::ValType::I64,
        ValType::F32 => wasmtime::ValType::F32,
        ValType::F64 => wasmtime::ValType::F64,
        ValType::V128 => wasmtime::ValType::V128,
        ValType::ExternRef => wasmtime::ValType::EXTERNREF,
        ValType::FuncRef | ValType::Ref(_) => wasmtime::ValType::FUNCREF,
    }
}

impl WasmtimeSide {
    /// Compiles `wasm` with Wasmtime.
    pub(crate) fn compile(wasm: &[u8]) -> Result<Module, Failure> {
        Module::new(engine(), wasm).map_err(|e| Failure::Rejected(format!("{e:?}")))
    }

    /// Instantiates `wmodule` (which is `module` compiled by Wasmtime) with the host
    /// functions `module` imports.
    pub(crate) fn instantiate_module(
        wmodule: &Module,
        module: &baton::Module,
    ) -> Result<Self, Failure> {
        let engine = engine();
        // The limits apply to the GC heap (a linear memory in Wasmtime) and to the
        // module's own memories, which the generator keeps far smaller.
        let limits = StoreLimitsBuilder::new().memory_size(GC_HEAP_LIMIT).build();
        let mut store = Store::new(engine, limits);
        store.limiter(|limits| limits);
        let mut linker = Linker::<StoreLimits>::new(engine);
        linker.allow_shadowing(true);
        for import in module.imports() {
            let baton::ExternType::Func(ty) = import.ty() else {
                continue;
            };
            let name = import.name().to_string();
            let results: Vec<ValType> = ty.results().to_vec();
            let wty = wasmtime::FuncType::new(
                engine,
                ty.params().iter().map(|t| val_type(*t)),
                ty.results().iter().map(|t| val_type(*t)),
            );
            linker
                .func_new(
                    import.module(),
                    import.name(),
                    wty,
                    move |mut caller, params, out| {
                        let args: Vec<Value> = params
                            .iter()
                            .map(|p| match p {
                                Val::FuncRef(f) => Value::FuncRef(f.map(|_| String::new())),
                                p => from_val(&mut caller.as_context_mut(), p),
                            })
                            .collect();
                        let values =
                            host_call(&name, &args, &results).map_err(wasmtime::Error::new)?;
                        for (slot, v) in out.iter_mut().zip(&values) {
                            *slot = match v {
                                Value::I32(x) => Val::I32(*x),
                                Value::I64(x) => Val::I64(*x),
                                Value::F32(x) => Val::F32(*x),
                                Value::F64(x) => Val::F64(*x),
                                Value::V128(x) => Val::V128((*x).into()),
                                Value::FuncRef(_) => Val::FuncRef(None),
                                Value::ExternRef(Some(t)) => {
                                    Val::ExternRef(Some(ExternRef::new(&mut caller, *t)?))
                                }
                                Value::ExternRef(None) => Val::ExternRef(None),
                                Value::ExnRef(_) => Val::ExnRef(None),
                                // (Host functions return no `any` values.)
                                Value::AnyRef(_) | Value::ExternAny(_) => Val::AnyRef(None),
                            };
                        }
                        Ok(())
                    },
                )
                .map_err(|e| Failure::Instantiation(format!("{e:?}")))?;
        }
        match linker.instantiate(&mut store, wmodule) {
            Ok(instance) => Ok(WasmtimeSide {
                store: RefCell::new(store),
                instance,
            }),
            Err(e) => Err(match failure(&mut store, e) {
                Failure::Other(m) => Failure::Instantiation(m),
                f => f,
            }),
        }
    }

    fn make_val(&self, v: &Value) -> Val {
        let store = &mut *self.store.borrow_mut();
        match v {
            Value::I32(x) => Val::I32(*x),
            Value::I64(x) => Val::I64(*x),
            Value::F32(x) => Val::F32(*x),
            Value::F64(x) => Val::F64(*x),
            Value::V128(x) => Val::V128((*x).into()),
            Value::FuncRef(name) => Val::FuncRef(
                name.as_ref()
                    .and_then(|n| self.instance.get_func(&mut *store, n)),
            ),
            Value::ExternRef(tag) => {
                Val::ExternRef(tag.and_then(|t| ExternRef::new(&mut *store, t).ok()))
            }
            Value::ExnRef(_) => Val::ExnRef(None),
            Value::AnyRef(r) => Val::AnyRef(r.and_then(|r| match r {
                GcRef::I31(v) => Some(AnyRef::from_i31(
                    &mut *store,
                    wasmtime::I31::wrapping_u32(v),
                )),
                GcRef::Host(t) => {
                    let e = ExternRef::new(&mut *store, t).ok()?;
                    AnyRef::convert_extern(&mut *store, e).ok()
                }
                // (Never passed: see Baton's side.)
                GcRef::Struct | GcRef::Array => None,
            })),
            Value::ExternAny(_) => Val::ExternRef(None),
        }
    }
}

impl Side for WasmtimeSide {
    fn instantiate(wasm: &[u8], module: &baton::Module) -> Result<Self, Failure> {
        WasmtimeSide::instantiate_module(&WasmtimeSide::compile(wasm)?, module)
    }

    fn call(
        &mut self,
        name: &str,
        args: &[Value],
        _results: &[ValType],
    ) -> Result<Vec<Value>, Failure> {
        let params: Vec<Val> = args.iter().map(|a| self.make_val(a)).collect();
        let store = self.store.get_mut();
        let func = self
            .instance
            .get_func(&mut *store, name)
            .ok_or_else(|| Failure::Other(format!("no export {name}")))?;
        let ty = func.ty(&*store);
        let mut out: Vec<Val> = ty
            .results()
            .map(|t| t.default_value().unwrap_or(Val::I32(0)))
            .collect();
        if let Err(e) = func.call(&mut *store, &params, &mut out) {
            return Err(failure(store, e));
        }
        let mut cx = store.as_context_mut();
        Ok(out.iter().map(|v| from_val(&mut cx, v)).collect())
    }

    fn set_global(&mut self, name: &str, value: &Value) {
        let v = self.make_val(value);
        let store = self.store.get_mut();
        if let Some(g) = self.instance.get_global(&mut *store, name) {
            let _ = g.set(&mut *store, v);
        }
    }

    fn memory(&self, name: &str) -> Option<Vec<u8>> {
        let store = &mut *self.store.borrow_mut();
        let m = self.instance.get_memory(&mut *store, name)?;
        Some(m.data(&*store).to_vec())
    }

    fn global(&self, name: &str) -> Option<Value> {
        let store = &mut *self.store.borrow_mut();
        let g = self.instance.get_global(&mut *store, name)?;
        let v = g.get(&mut *store);
        Some(from_val(&mut store.as_context_mut(), &v))
    }

    fn table(&self, name: &str) -> Option<Vec<Option<String>>> {
        let store = &mut *self.store.borrow_mut();
        let t = self.instance.get_table(&mut *store, name)?;
        let size = t.size(&*store);
        Some(
            (0..size)
                .map(|i| match t.get(&mut *store, i).map(Val::from) {
                    Some(v) => match from_val(&mut store.as_context_mut(), &v) {
                        Value::FuncRef(f) => f,
                        Value::ExternRef(r) => r.map(|t| t.to_string()),
                        Value::ExnRef(e) => e,
                        Value::AnyRef(r) => r.map(|r| format!("{r:?}")),
                        v @ Value::ExternAny(_) => Some(format!("{v:?}")),
                        other => Some(format!("{other:?}")),
                    },
                    None => Some("<missing>".into()),
                })
                .collect(),
        )
    }
}
