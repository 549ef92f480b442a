//! The `spectest` host module that spec scripts import from.
//!
//! Mirrors the reference interpreter (`interpreter/host/spectest.ml`):
//! `print*` functions, four constant globals holding 666 / 666.6, a funcref
//! table of 10..20 elements and a memory of 1..2 pages.

use baton::{
    Error, FuncType, Global, GlobalType, Linker, Memory, MemoryType, Mutability, Store, Table,
    TableType, Val, ValType,
};

/// Defines every `spectest` item in `linker`, allocating the stateful ones in `store`.
///
/// With `print` set, the `print*` functions echo their arguments to stdout
/// the way the reference interpreter does; otherwise they are silent so test
/// output stays readable.
pub fn define(linker: &mut Linker<()>, store: &mut Store<()>, print: bool) -> Result<(), Error> {
    use ValType::{F32, F64, I32, I64};
    let printers: [(&str, &[ValType]); 7] = [
        ("print", &[]),
        ("print_i32", &[I32]),
        ("print_i64", &[I64]),
        ("print_f32", &[F32]),
        ("print_f64", &[F64]),
        ("print_i32_f32", &[I32, F32]),
        ("print_f64_f64", &[F64, F64]),
    ];
    for (name, params) in printers {
        let ty = FuncType::new(params.iter().copied(), []);
        linker.func_new("spectest", name, ty, move |_caller, args, _results| {
            if print {
                for arg in args {
                    println!("{}", show(arg));
                }
            }
            Ok(())
        })?;
    }

    let globals = [
        ("global_i32", I32, Val::I32(666)),
        ("global_i64", I64, Val::I64(666)),
        ("global_f32", F32, Val::F32(666.6f32.to_bits())),
        ("global_f64", F64, Val::F64(666.6f64.to_bits())),
    ];
    for (name, ty, value) in globals {
        let global = Global::new(&mut *store, GlobalType::new(ty, Mutability::Const), value)?;
        linker.define("spectest", name, global)?;
    }

    let table = Table::new(
        &mut *store,
        TableType::new(ValType::FuncRef, 10, Some(20)),
        Val::FuncRef(None),
    )?;
    linker.define("spectest", "table", table)?;

    let memory = Memory::new(&mut *store, MemoryType::new(1, Some(2)))?;
    linker.define("spectest", "memory", memory)?;
    Ok(())
}

/// Formats a printed argument like the reference interpreter: `value : type`.
fn show(val: &Val) -> String {
    match val {
        Val::I32(v) => format!("{v} : i32"),
        Val::I64(v) => format!("{v} : i64"),
        Val::F32(bits) => format!("{} : f32", f32::from_bits(*bits)),
        Val::F64(bits) => format!("{} : f64", f64::from_bits(*bits)),
        other => format!("{other:?}"),
    }
}
