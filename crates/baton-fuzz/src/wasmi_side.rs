//! wasmi, the oracle, driven through its public API.

use crate::run::{host_call, wasmi_engine, Failure, Side};
use crate::value::{signature_of, type_name, HostTrap, Value};
use baton::ValType;
use wasmi::{ExternRef, Func, Linker, Module, Nullable, Ref, Store, Val};

/// An instance of the module under test in its own store.
pub(crate) struct WasmiSide {
    store: Store<()>,
    instance: wasmi::Instance,
}

/// Checks that wasmi compiles `wasm`.
pub(crate) fn compile(wasm: &[u8]) -> Result<(), Failure> {
    Module::new(&wasmi_engine(), wasm)
        .map(drop)
        .map_err(|e| Failure::Rejected(e.to_string()))
}

/// Whether `wasm` has the shape on which wasmi 2.0.0 crashes the process (a segmentation
/// fault, which cannot be caught): a `return_call` of an imported function with values
/// left on the operand stack below its arguments. Found five times by this fuzzer
/// (`peer-crashes/README.md`, with an eight-line reproducer); such modules are skipped,
/// with the reason, rather than ending the run. The test is wider than the crash (which
/// also needs a Wasm caller below the tail-calling function), so that no variant slips
/// through. (Only a valid module can match: one that does not validate is `false`.)
pub(crate) fn has_known_crash(wasm: &[u8]) -> bool {
    use wasmparser::{
        Operator, Parser, Payload, ValidPayload, Validator, WasmFeatures, WasmModuleResources,
    };
    let mut validator = Validator::new_with_features(WasmFeatures::all());
    let mut imported_funcs = 0;
    for payload in Parser::new(0).parse_all(wasm) {
        let Ok(payload) = payload else { return false };
        if let Payload::ImportSection(imports) = &payload {
            imported_funcs = imports
                .clone()
                .into_imports()
                .filter(|i| matches!(i, Ok(i) if matches!(i.ty, wasmparser::TypeRef::Func(_))))
                .count() as u32;
        }
        let (func, body) = match validator.payload(&payload) {
            Ok(ValidPayload::Func(func, body)) => (func, body),
            Ok(_) => continue,
            Err(_) => return false,
        };
        let mut fv = func.into_validator(Default::default());
        let Ok(mut locals) = body.get_locals_reader() else {
            return false;
        };
        for _ in 0..locals.get_count() {
            let offset = locals.original_position();
            let Ok((count, ty)) = locals.read() else {
                return false;
            };
            if fv.define_locals(offset, count, ty).is_err() {
                return false;
            }
        }
        let Ok(mut ops) = body.get_operators_reader() else {
            return false;
        };
        while !ops.eof() {
            let offset = ops.original_position();
            let Ok(op) = ops.read() else { return false };
            if let Operator::ReturnCall { function_index } = op {
                if function_index < imported_funcs {
                    let resources = fv.resources();
                    let params = resources
                        .type_id_of_function(function_index)
                        .map(|id| &resources.sub_type_at_id(id).composite_type.inner)
                        .map_or(0, |ty| match ty {
                            wasmparser::CompositeInnerType::Func(f) => f.params().len(),
                            _ => 0,
                        });
                    if fv.operand_stack_height() as usize > params {
                        return true;
                    }
                }
            }
            if fv.op(offset, &op).is_err() {
                return false;
            }
        }
    }
    false
}

fn failure(e: wasmi::Error) -> Failure {
    if let Some(code) = e.as_trap_code() {
        Failure::Trap(code.into())
    } else if e.downcast_ref::<HostTrap>().is_some() {
        Failure::Host
    } else {
        Failure::Other(e.to_string())
    }
}

fn val_type(t: ValType) -> wasmi::ValType {
    match t {
        ValType::I32 => wasmi::ValType::I32,
        ValType::I64 => wasmi::ValType::I64,
        ValType::F32 => wasmi::ValType::F32,
        ValType::F64 => wasmi::ValType::F64,
        ValType::V128 => wasmi::ValType::V128,
        ValType::FuncRef => wasmi::ValType::FuncRef,
        ValType::ExternRef => wasmi::ValType::ExternRef,
        // Typed references are off in generated modules: wasmi has none.
        ValType::Ref(r) if r.heap_type() == baton::HeapType::Extern => wasmi::ValType::ExternRef,
        ValType::Ref(_) => wasmi::ValType::FuncRef,
    }
}

fn from_wasmi_type(t: wasmi::ValType) -> ValType {
    match t {
        wasmi::ValType::I32 => ValType::I32,
        wasmi::ValType::I64 => ValType::I64,
        wasmi::ValType::F32 => ValType::F32,
        wasmi::ValType::F64 => ValType::F64,
        wasmi::ValType::V128 => ValType::V128,
        wasmi::ValType::FuncRef => ValType::FuncRef,
        wasmi::ValType::ExternRef => ValType::ExternRef,
    }
}

/// A signature printed exactly as [`crate::baton_side::signature`] prints Baton's.
fn signature(ty: &wasmi::FuncType) -> String {
    let conv = |v: &[wasmi::ValType]| {
        v.iter()
            .map(|t| type_name(&from_wasmi_type(*t)))
            .collect::<Vec<_>>()
    };
    signature_of(&conv(ty.params()), &conv(ty.results()))
}

fn from_val<'a>(ctx: impl Into<wasmi::StoreContext<'a, ()>> + Copy, v: &Val) -> Value {
    match v {
        Val::I32(x) => Value::I32(*x),
        Val::I64(x) => Value::I64(*x),
        Val::F32(x) => Value::F32(x.to_bits()),
        Val::F64(x) => Value::F64(x.to_bits()),
        Val::FuncRef(f) => Value::FuncRef(f.val().map(|f| signature(&f.ty(ctx.into())))),
        Val::ExternRef(r) => Value::ExternRef(r.val().map(|r| {
            *r.data(ctx)
                .downcast_ref::<u32>()
                .expect("externrefs hold u32 tags")
        })),
        Val::V128(x) => Value::V128(x.as_u128()),
    }
}

impl WasmiSide {
    fn make_val(&mut self, v: &Value) -> Val {
        match v {
            Value::I32(x) => Val::I32(*x),
            Value::I64(x) => Val::I64(*x),
            Value::F32(x) => Val::F32(wasmi::F32::from_bits(*x)),
            Value::F64(x) => Val::F64(wasmi::F64::from_bits(*x)),
            Value::V128(x) => Val::V128((*x).into()),
            Value::FuncRef(name) => {
                let f: Option<Func> = name
                    .as_ref()
                    .and_then(|n| self.instance.get_func(&self.store, n));
                Val::FuncRef(f.map_or(Nullable::Null, Nullable::Val))
            }
            Value::ExternRef(tag) => Val::ExternRef(match tag {
                Some(t) => Nullable::Val(ExternRef::new(&mut self.store, *t)),
                None => Nullable::Null,
            }),
            // wasmi has no exceptions and no GC; modules compared with it have no exnref
            // and no `any` values.
            Value::ExnRef(_) | Value::AnyRef(_) | Value::ExternAny(_) => {
                Val::FuncRef(Nullable::Null)
            }
        }
    }
}

impl Side for WasmiSide {
    fn instantiate(wasm: &[u8], module: &baton::Module) -> Result<Self, Failure> {
        let engine = wasmi_engine();
        let wmodule = Module::new(&engine, wasm).map_err(|e| Failure::Rejected(e.to_string()))?;
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::<()>::new(&engine);
        // A module may import the same host function twice.
        linker.allow_shadowing(true);
        // The imports are read from Baton's description of the module so both engines get
        // exactly the same host functions.
        for import in module.imports() {
            let baton::ExternType::Func(ty) = import.ty() else {
                continue;
            };
            let name = import.name().to_string();
            let results: Vec<ValType> = ty.results().to_vec();
            let wty = wasmi::FuncType::new(
                ty.params().iter().map(|t| val_type(*t)).collect::<Vec<_>>(),
                ty.results()
                    .iter()
                    .map(|t| val_type(*t))
                    .collect::<Vec<_>>(),
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
                                Val::FuncRef(f) => Value::FuncRef(f.val().map(|_| String::new())),
                                p => from_val(&caller, p),
                            })
                            .collect();
                        let values =
                            host_call(&name, &args, &results).map_err(wasmi::Error::host)?;
                        for (slot, v) in out.iter_mut().zip(&values) {
                            *slot = match v {
                                Value::I32(x) => Val::I32(*x),
                                Value::I64(x) => Val::I64(*x),
                                Value::F32(x) => Val::F32(wasmi::F32::from_bits(*x)),
                                Value::F64(x) => Val::F64(wasmi::F64::from_bits(*x)),
                                Value::V128(x) => Val::V128((*x).into()),
                                Value::FuncRef(_) => Val::FuncRef(Nullable::Null),
                                Value::ExternRef(Some(t)) => {
                                    Val::ExternRef(Nullable::Val(ExternRef::new(&mut caller, *t)))
                                }
                                Value::ExternRef(None) => Val::ExternRef(Nullable::Null),
                                Value::ExnRef(_) | Value::AnyRef(_) | Value::ExternAny(_) => {
                                    Val::FuncRef(Nullable::Null)
                                }
                            };
                        }
                        Ok(())
                    },
                )
                .map_err(|e| Failure::Instantiation(e.to_string()))?;
        }
        let instance = linker
            .instantiate_and_start(&mut store, &wmodule)
            .map_err(failure)?;
        Ok(WasmiSide { store, instance })
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
        let mut out: Vec<Val> = results
            .iter()
            .map(|t| Val::default_for_ty(val_type(*t)))
            .collect();
        func.call(&mut self.store, &params, &mut out)
            .map_err(failure)?;
        Ok(out.iter().map(|v| from_val(&self.store, v)).collect())
    }

    fn set_global(&mut self, name: &str, value: &Value) {
        if let Some(g) = self.instance.get_global(&self.store, name) {
            let v = self.make_val(value);
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
                .map(|i| match t.get(&self.store, i) {
                    Some(Ref::Func(f)) => f.val().map(|f| signature(&f.ty(&self.store))),
                    Some(Ref::Extern(r)) => r.val().map(|r| {
                        r.data(&self.store)
                            .downcast_ref::<u32>()
                            .expect("externrefs hold u32 tags")
                            .to_string()
                    }),
                    None => Some("<missing>".into()),
                })
                .collect(),
        )
    }
}
