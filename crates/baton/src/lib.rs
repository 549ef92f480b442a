//! Baton: a WebAssembly interpreter whose speed does not hang on the mood of the compiler.
//!
//! Modules are decoded and validated by `wasmparser`, translated into Baton's internal
//! code (register-style instructions addressing frame slots), and executed by handlers
//! that hand control directly to one another (threaded code): with guaranteed tail calls
//! (`become`) on nightly, sibling calls on optimised stable builds, and a trampoline
//! elsewhere. See `docs/architecture.md`.
//!
//! ```
//! use baton::{Engine, Module, Store, Linker};
//! let engine = Engine::default();
//! let module = Module::new(&engine, r#"(module (func (export "add") (param i32 i32) (result i32)
//!     local.get 0 local.get 1 i32.add))"#)?;
//! let mut store = Store::new(&engine, ());
//! let instance = Linker::new(&engine).instantiate(&mut store, &module)?;
//! let add = instance.get_typed_func::<(i32, i32), i32>(&store, "add")?;
//! assert_eq!(add.call(&mut store, (2, 3))?, 5);
//! # Ok::<(), baton::Error>(())
//! ```
#![cfg_attr(baton_dispatch = "tail", feature(explicit_tail_calls))]
#![cfg_attr(baton_dispatch = "tail", allow(incomplete_features))]
#![warn(missing_docs)]
// Every `unsafe` operation sits in a block that states the invariant making it sound.
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod ahead;
mod bodies;
mod code;
mod disasm;
mod engine;
mod entity_box;
mod error;
mod exceptions;
mod exec;
mod externals;
mod func;
mod gc_api;
mod instance;
mod ir;
mod limits;
mod linker;
mod module;
mod module_types;
mod registry;
mod runtime;
mod stack_maps;
mod store;
mod translate;
mod types;
mod v128;
mod values;

pub use code::CompilationMode;
pub use disasm::instruction_names;
pub use engine::{Config, Engine};
pub use error::{Error, FrameInfo, MemoryAccessError, Trap, TrapCode};
pub use exceptions::{ExnRef, Tag};
pub use exec::dispatch::MODE as DISPATCH_MODE;
pub use externals::{Extern, Global, Memory, Table};
pub use func::{
    Func, HostReturn, IntoFunc, ResumableCall, ResumableInvocation, StoreRef, TypedFunc,
    WasmParams, WasmResults, WasmTy,
};
pub use gc_api::{
    ArrayRef, ArrayType, EqRef, FieldType, Finality, StorageType, StructRef, StructType,
};
pub use instance::Instance;
pub use limits::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};
pub use linker::Linker;
pub use module::{ExportType, ImportType, Module, ModuleStats};
pub use store::{
    AsContext, AsContextMut, Caller, GcStats, InterruptHandle, Store, StoreContext, StoreContextMut,
};
pub use types::{
    ExternType, FuncType, GlobalType, HeapType, MemoryType, Mutability, RefType, TableType,
    TagType, TypeId, ValType,
};
pub use values::{AnyRef, ExternRef, ManuallyRooted, RootScope, Val, I31, V128};
