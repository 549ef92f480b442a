//! Baton, driven through its public embedding API.

use crate::run::{host_call, Failure, Side};
use crate::value::{describe_exn, signature_of, type_name, GcRef, HostTrap, Value};
use baton::{AsContext, Error, Linker, Store, Val, ValType};

/// The largest GC heap a store may grow to. Baton does not collect yet, so a module that
/// allocates in a loop keeps all it made; past this limit the allocation traps (and the
/// runner calls the comparison inconclusive) instead of exhausting the host. Fuel bounds
/// what one call allocates, so well-behaved modules stay far below it.
const GC_HEAP_LIMIT: usize = 64 << 20;

/// An instance of the module under test in its own store.
pub(crate) struct BatonSide {
    store: Store<()>,
    instance: baton::Instance,
}

fn failure(store: &Store<()>, e: Error) -> Failure {
    match e {
        Error::Exception(exn) => Failure::Exception(exn_string(store, &exn)),
        Error::Trap(t) => Failure::Trap(t.code().into()),
        Error::Host(h) if h.downcast_ref::<HostTrap>().is_some() => Failure::Host,
        Error::Parse { .. } | Error::Validation { .. } | Error::Unsupported { .. } => {
            Failure::Rejected(e.to_string())
        }
        Error::Link(_) | Error::Instantiation(_) => Failure::Instantiation(e.to_string()),
        e => Failure::Other(e.to_string()),
    }
}

impl BatonSide {
    fn make_val(&mut self, v: &Value) -> Val {
        to_val(&mut self.store, Some(&self.instance), v)
    }
}

fn to_val(store: &mut Store<()>, instance: Option<&baton::Instance>, v: &Value) -> Val {
    match v {
        Value::I32(x) => Val::I32(*x),
        Value::I64(x) => Val::I64(*x),
        Value::F32(x) => Val::F32(*x),
        Value::F64(x) => Val::F64(*x),
        Value::V128(x) => Val::V128((*x).into()),
        Value::FuncRef(name) => {
            Val::FuncRef(name.as_ref().and_then(|n| instance?.get_func(&*store, n)))
        }
        Value::ExternRef(tag) => Val::ExternRef(tag.map(|t| baton::ExternRef::new(&mut *store, t))),
        // Arguments are never exceptions (the runner passes only null).
        Value::ExnRef(_) => Val::ExnRef(None),
        Value::AnyRef(r) => Val::AnyRef(r.map(|r| match r {
            GcRef::I31(v) => baton::AnyRef::from_i31(baton::I31::wrapping_u32(v)),
            GcRef::Host(t) => baton::ExternRef::new(&mut *store, t).to_any(),
            // The runner never makes objects (the host cannot allocate them on both
            // engines alike): it passes null or skips the call.
            GcRef::Struct | GcRef::Array => unreachable!("object arguments"),
        })),
        Value::ExternAny(_) => unreachable!("the runner never passes converted any values"),
    }
}

/// What is observable about a non-null `any` reference: an `i31`'s value, a structure or
/// an array, or the tag of a host reference converted with `any.convert_extern`.
fn gc_ref(store: &impl AsContext, r: &baton::AnyRef) -> GcRef {
    if let Some(i) = r.as_i31() {
        GcRef::I31(i.get_u32())
    } else if r.is_struct(store) {
        GcRef::Struct
    } else if r.is_array(store) {
        GcRef::Array
    } else {
        // Neither an `i31` nor an object: a converted host reference.
        let tag = r
            .to_extern()
            .data(store)
            .and_then(|d| d.downcast_ref::<u32>());
        GcRef::Host(tag.copied().unwrap_or(u32::MAX))
    }
}

/// A non-null `externref`: a host reference (its tag), or an `any` value converted with
/// `extern.convert_any`.
fn extern_value(store: &impl AsContext, r: &baton::ExternRef) -> Value {
    match r.data(store) {
        Some(d) => Value::ExternRef(Some(
            *d.downcast_ref::<u32>().expect("externrefs hold u32 tags"),
        )),
        None => Value::ExternAny(gc_ref(store, &r.to_any())),
    }
}

/// The host functions take and return no exceptions (see `generate::HOST_IMPORTS_WAT`).
const NO_EXCEPTIONS: &str = "host functions take no exnref";

/// An exception as [`describe_exn`] describes it.
fn exn_string(store: &Store<()>, exn: &baton::ExnRef) -> String {
    let tag = exn.tag(store);
    let types: Vec<String> = tag.ty(store).params().iter().map(type_name).collect();
    let payload: Vec<Value> = exn
        .payload(store)
        .iter()
        .map(|v| from_val(store, v))
        .collect();
    describe_exn(&types, &payload)
}

fn from_val(store: &Store<()>, v: &Val) -> Value {
    match v {
        Val::I32(x) => Value::I32(*x),
        Val::I64(x) => Value::I64(*x),
        Val::F32(x) => Value::F32(*x),
        Val::F64(x) => Value::F64(*x),
        Val::V128(x) => Value::V128(x.as_u128()),
        Val::FuncRef(f) => Value::FuncRef(f.map(|f| signature(&f.ty(store)))),
        Val::ExternRef(None) => Value::ExternRef(None),
        Val::ExternRef(Some(r)) => extern_value(store, r),
        Val::ExnRef(e) => Value::ExnRef(e.map(|e| exn_string(store, &e))),
        Val::AnyRef(r) => Value::AnyRef(r.map(|r| gc_ref(store, &r))),
    }
}

/// A signature in the form both sides print ([`signature_of`]).
pub(crate) fn signature(ty: &baton::FuncType) -> String {
    let names = |t: &[ValType]| t.iter().map(type_name).collect::<Vec<_>>();
    signature_of(&names(ty.params()), &names(ty.results()))
}

impl Side for BatonSide {
    fn instantiate(_wasm: &[u8], module: &baton::Module) -> Result<Self, Failure> {
        let engine = module.engine().clone();
        let mut store = Store::new(&engine, ());
        // A metered engine gets more fuel than any call can use (an unmetered one refuses
        // fuel, which is fine): both must compute what wasmi computes.
        let _ = store.set_fuel(u64::MAX / 2);
        store.limiter(
            baton::StoreLimitsBuilder::new()
                .gc_heap_size(GC_HEAP_LIMIT)
                .build(),
        );
        let mut linker = Linker::new(&engine);
        // A module may import the same host function twice.
        linker.allow_shadowing(true);
        for import in module.imports() {
            let baton::ExternType::Func(ty) = import.ty() else {
                continue;
            };
            let name = import.name().to_string();
            let results: Vec<ValType> = ty.results().to_vec();
            linker
                .func_new(
                    import.module(),
                    import.name(),
                    ty.clone(),
                    move |mut caller, params, out| {
                        let args: Vec<Value> =
                            params.iter().map(|p| from_val_caller(&caller, p)).collect();
                        let values = host_call(&name, &args, &results).map_err(Error::host)?;
                        for (slot, v) in out.iter_mut().zip(&values) {
                            *slot = match v {
                                Value::ExternRef(Some(t)) => {
                                    Val::ExternRef(Some(baton::ExternRef::new(&mut caller, *t)))
                                }
                                Value::I32(x) => Val::I32(*x),
                                Value::I64(x) => Val::I64(*x),
                                Value::F32(x) => Val::F32(*x),
                                Value::F64(x) => Val::F64(*x),
                                Value::V128(x) => Val::V128((*x).into()),
                                Value::FuncRef(_) => Val::FuncRef(None),
                                Value::ExternRef(None) => Val::ExternRef(None),
                                Value::ExnRef(_) => Val::ExnRef(None),
                                // (Host functions return no `any` values.)
                                Value::AnyRef(_) | Value::ExternAny(_) => Val::AnyRef(None),
                            };
                        }
                        Ok(())
                    },
                )
                .map_err(|e| failure(&store, e))?;
        }
        let instance = linker
            .instantiate(&mut store, module)
            .map_err(|e| failure(&store, e))?;
        Ok(BatonSide { store, instance })
    }

    fn call(
        &mut self,
        name: &str,
        args: &[Value],
        results: &[ValType],
    ) -> Result<Vec<Value>, Failure> {
        let func = self
            .instance
            .get_func(&self.store, name)
            .ok_or_else(|| Failure::Other(format!("no export {name}")))?;
        let params: Vec<Val> = args.iter().map(|a| self.make_val(a)).collect();
        let mut out: Vec<Val> = results.iter().map(|t| Val::default_for(*t)).collect();
        func.call(&mut self.store, &params, &mut out)
            .map_err(|e| failure(&self.store, e))?;
        Ok(out.iter().map(|v| from_val(&self.store, v)).collect())
    }

    fn set_global(&mut self, name: &str, value: &Value) {
        if let Some(g) = self.instance.get_global(&self.store, name) {
            let v = to_val(&mut self.store, None, value);
            let _ = g.set(&mut self.store, v);
        }
    }

    fn memory(&self, name: &str) -> Option<Vec<u8>> {
        Some(
            self.instance
                .get_memory(&self.store, name)?
                .data(&self.store)
                .to_vec(),
        )
    }

    fn global(&self, name: &str) -> Option<Value> {
        Some(from_val(
            &self.store,
            &self
                .instance
                .get_global(&self.store, name)?
                .get(&self.store),
        ))
    }

    fn table(&self, name: &str) -> Option<Vec<Option<String>>> {
        let t = self.instance.get_table(&self.store, name)?;
        Some(
            (0..t.size(&self.store))
                .map(
                    |i| match t.get(&self.store, i).map(|v| from_val(&self.store, &v)) {
                        Some(Value::FuncRef(f)) => f,
                        Some(Value::ExternRef(r)) => r.map(|t| t.to_string()),
                        Some(Value::ExnRef(e)) => e,
                        Some(Value::AnyRef(r)) => r.map(|r| format!("{r:?}")),
                        Some(v @ Value::ExternAny(_)) => Some(format!("{v:?}")),
                        other => Some(format!("{other:?}")),
                    },
                )
                .collect(),
        )
    }
}

/// [`from_val`] inside a host function, where the store is reached through the caller.
fn from_val_caller(caller: &baton::Caller<'_, ()>, v: &Val) -> Value {
    match v {
        Val::FuncRef(f) => Value::FuncRef(f.map(|_| String::new())),
        // (A module with GC may pass an `any` value converted to `extern`.)
        Val::ExternRef(None) => Value::ExternRef(None),
        Val::ExternRef(Some(r)) => extern_value(caller, r),
        Val::ExnRef(_) => unreachable!("{NO_EXCEPTIONS}"),
        Val::AnyRef(_) => unreachable!("host functions take no anyref"),
        Val::I32(x) => Value::I32(*x),
        Val::I64(x) => Value::I64(*x),
        Val::F32(x) => Value::F32(*x),
        Val::F64(x) => Value::F64(*x),
        Val::V128(x) => Value::V128(x.as_u128()),
    }
}
