//! WASI preview 1 (`wasi_snapshot_preview1`) for the Baton WebAssembly
//! interpreter.
//!
//! The guest reaches the host only through capabilities the embedder grants:
//! its arguments, its environment, its three standard streams and the
//! directories preopened with [`WasiCtxBuilder::preopened_dir`]. All path
//! lookups are done by [`cap_std`], so `..`, absolute paths and symlinks
//! cannot lead outside a preopened directory.
//!
//! ```no_run
//! use baton::{Engine, Linker, Module, Store};
//! use baton_wasi::{WasiCtx, WasiCtxBuilder};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let engine = Engine::default();
//! let module = Module::new(&engine, std::fs::read("prog.wasm")?)?;
//! let mut linker: Linker<WasiCtx> = Linker::new(&engine);
//! baton_wasi::add_to_linker(&mut linker, |ctx| ctx)?;
//! let ctx = WasiCtxBuilder::new().arg("prog").capture_stdout().build();
//! let mut store = Store::new(&engine, ctx);
//! let code = baton_wasi::run_command(&mut store, &linker, &module)?;
//! println!("exit {code}: {}", String::from_utf8_lossy(&store.data().stdout_contents()));
//! # Ok(()) }
//! ```
//!
//! The functions themselves live in [`preview1`] and do not depend on the
//! engine; [`add_to_linker`] only adapts them to Baton's host-function API.
#![cfg(unix)]
#![warn(missing_docs)]

mod ctx;
pub mod memory;
pub mod preview1;
pub mod types;

use std::path::PathBuf;

use baton::{Caller, Error, Extern, FuncType, Linker, Module, Store, Val, ValType};

pub use ctx::{WasiCtx, WasiCtxBuilder};
use memory::GuestMemory;
use types::{errno, Errno};

/// The import module name of WASI preview 1.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// The guest called `proc_exit(code)`. Returned from the call that ran the
/// guest as `Err(baton::Error::host(I32Exit(code)))`; [`run_command`] turns
/// it into its exit code.
#[derive(Debug, thiserror::Error)]
#[error("exited with code {0}")]
pub struct I32Exit(pub i32);

/// Errors of setting up a WASI context.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WasiError {
    /// A directory given to [`WasiCtxBuilder::preopened_dir`] could not be opened.
    #[error("cannot preopen directory {}: {source}", path.display())]
    Preopen {
        /// The host path that failed.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
}

/// Reading a call's parameters: the engine has checked the types against
/// the declared signature, so a mismatch is an engine bug and is reported
/// as a usage error instead of a panic.
struct Params<'a>(std::slice::Iter<'a, Val>);

impl Params<'_> {
    fn u32(&mut self) -> Result<u32, Error> {
        match self.0.next() {
            Some(Val::I32(v)) => Ok(*v as u32),
            _ => Err(Error::Usage("WASI call: expected an i32 parameter".into())),
        }
    }
    fn u64(&mut self) -> Result<u64, Error> {
        match self.0.next() {
            Some(Val::I64(v)) => Ok(*v as u64),
            _ => Err(Error::Usage("WASI call: expected an i64 parameter".into())),
        }
    }
    fn i64(&mut self) -> Result<i64, Error> {
        self.u64().map(|v| v as i64)
    }
}

/// Runs `f` with the context and the guest's exported memory. A module that
/// exports no `memory` gets an empty one, so every pointer it passes is
/// `EFAULT` rather than a trap.
fn with_ctx<T>(
    caller: &mut Caller<'_, T>,
    get: impl Fn(&mut T) -> &mut WasiCtx,
    f: impl FnOnce(&mut WasiCtx, &mut GuestMemory) -> Result<(), Errno>,
) -> Errno {
    let memory = caller.get_export("memory").and_then(Extern::into_memory);
    let result = match memory {
        Some(m) => {
            let (bytes, data) = m.data_and_store_mut(&mut *caller);
            f(get(data), &mut GuestMemory::new(bytes))
        }
        None => f(get(caller.data_mut()), &mut GuestMemory::new(&mut [])),
    };
    match result {
        Ok(()) => errno::SUCCESS,
        Err(e) => e,
    }
}

macro_rules! param_ty {
    (u32) => {
        ValType::I32
    };
    (u64) => {
        ValType::I64
    };
    (i64) => {
        ValType::I64
    };
}

/// Defines each listed preview-1 function in the linker: decodes the
/// parameters from their `Val`s, calls `preview1::<name>` and returns its
/// errno as the single `i32` result.
macro_rules! define_all {
    ($linker:ident, $get:ident; $( $name:ident ( $( $arg:ident : $ty:ident ),* ) ; )* ) => { $(
        $linker.func_new(
            MODULE,
            stringify!($name),
            FuncType::new([$( param_ty!($ty) ),*], [ValType::I32]),
            move |mut caller: Caller<'_, T>, params: &[Val], results: &mut [Val]| {
                #[allow(unused_mut, unused_variables)]
                let mut p = Params(params.iter());
                $( let $arg = p.$ty()?; )*
                let e = with_ctx(&mut caller, $get, |ctx, mem| preview1::$name(ctx, mem $(, $arg)*));
                match results.first_mut() {
                    Some(r) => *r = Val::I32(i32::from(e)),
                    None => return Err(Error::Usage("WASI call: no result slot".into())),
                }
                Ok(())
            },
        )?;
    )* };
}

/// Defines every `wasi_snapshot_preview1` function in `linker`. `get`
/// finds the [`WasiCtx`] inside the store's data.
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    get: impl Fn(&mut T) -> &mut WasiCtx + Send + Sync + Copy + 'static,
) -> Result<(), Error> {
    define_all!(linker, get;
        args_get(argv: u32, buf: u32);
        args_sizes_get(argc: u32, size: u32);
        environ_get(env: u32, buf: u32);
        environ_sizes_get(count: u32, size: u32);
        clock_res_get(id: u32, out: u32);
        clock_time_get(id: u32, precision: u64, out: u32);
        fd_advise(fd: u32, offset: u64, len: u64, advice: u32);
        fd_allocate(fd: u32, offset: u64, len: u64);
        fd_close(fd: u32);
        fd_datasync(fd: u32);
        fd_fdstat_get(fd: u32, out: u32);
        fd_fdstat_set_flags(fd: u32, flags: u32);
        fd_fdstat_set_rights(fd: u32, base: u64, inheriting: u64);
        fd_filestat_get(fd: u32, out: u32);
        fd_filestat_set_size(fd: u32, size: u64);
        fd_filestat_set_times(fd: u32, atim: u64, mtim: u64, flags: u32);
        fd_pread(fd: u32, iovs: u32, n: u32, offset: u64, out: u32);
        fd_prestat_get(fd: u32, out: u32);
        fd_prestat_dir_name(fd: u32, path: u32, len: u32);
        fd_pwrite(fd: u32, iovs: u32, n: u32, offset: u64, out: u32);
        fd_read(fd: u32, iovs: u32, n: u32, out: u32);
        fd_readdir(fd: u32, buf: u32, len: u32, cookie: u64, out: u32);
        fd_renumber(from: u32, to: u32);
        fd_seek(fd: u32, offset: i64, whence: u32, out: u32);
        fd_sync(fd: u32);
        fd_tell(fd: u32, out: u32);
        fd_write(fd: u32, iovs: u32, n: u32, out: u32);
        path_create_directory(fd: u32, path: u32, len: u32);
        path_filestat_get(fd: u32, flags: u32, path: u32, len: u32, out: u32);
        path_filestat_set_times(fd: u32, flags: u32, path: u32, len: u32, atim: u64, mtim: u64, fst: u32);
        path_link(old_fd: u32, old_flags: u32, old_path: u32, old_len: u32, new_fd: u32, new_path: u32, new_len: u32);
        path_open(fd: u32, dirflags: u32, path: u32, len: u32, oflags: u32, base: u64, inheriting: u64, fdflags: u32, out: u32);
        path_readlink(fd: u32, path: u32, len: u32, buf: u32, buf_len: u32, out: u32);
        path_remove_directory(fd: u32, path: u32, len: u32);
        path_rename(fd: u32, old_path: u32, old_len: u32, new_fd: u32, new_path: u32, new_len: u32);
        path_symlink(old_path: u32, old_len: u32, fd: u32, new_path: u32, new_len: u32);
        path_unlink_file(fd: u32, path: u32, len: u32);
        poll_oneoff(input: u32, output: u32, n: u32, out: u32);
        proc_raise(sig: u32);
        sched_yield();
        random_get(buf: u32, len: u32);
        sock_accept(fd: u32, flags: u32, out: u32);
        sock_recv(fd: u32, iovs: u32, n: u32, flags: u32, out_len: u32, out_flags: u32);
        sock_send(fd: u32, iovs: u32, n: u32, flags: u32, out: u32);
        sock_shutdown(fd: u32, how: u32);
    );
    // proc_exit does not return to the guest: it unwinds the whole call
    // with a host error the embedder recognises.
    linker.func_new(
        MODULE,
        "proc_exit",
        FuncType::new([ValType::I32], []),
        |_caller: Caller<'_, T>, params: &[Val], _results: &mut [Val]| {
            let code = Params(params.iter()).u32()? as i32;
            Err(Error::host(I32Exit(code)))
        },
    )?;
    Ok(())
}

/// The exit code carried by `err` if it is a [`I32Exit`].
fn exit_code(err: &Error) -> Option<i32> {
    err.downcast_ref::<I32Exit>().map(|e| e.0)
}

/// Runs a WASI program: instantiates `module` with `linker`, calls its entry point and
/// returns the exit code — the one given to `proc_exit`, or 0 if the entry point returns
/// normally. Traps and other errors are returned as `Err`.
///
/// The entry point is `_start` (a WASI command). Failing that, it is the module's default
/// export, the function named `""`: a reactor built to be run as a program too exports one
/// (ITK-wasm's modules do; Wasmtime's CLI runs it). A reactor's `_initialize` runs first,
/// as the WASI ABI asks before any other export is called.
pub fn run_command<T>(
    store: &mut Store<T>,
    linker: &Linker<T>,
    module: &Module,
) -> Result<i32, Error> {
    let instance = match linker.instantiate(&mut *store, module) {
        Ok(i) => i,
        // A start function may already call proc_exit.
        Err(e) => return exit_code(&e).ok_or(e),
    };
    let entry = if instance.get_func(&*store, "_start").is_some() {
        "_start"
    } else if instance.get_func(&*store, "").is_some() {
        if let Ok(init) = instance.get_typed_func::<(), ()>(&mut *store, "_initialize") {
            if let Err(e) = init.call(&mut *store, ()) {
                return exit_code(&e).ok_or(e);
            }
        }
        ""
    } else {
        return Err(Error::Usage(
            "module is not a WASI command: it exports no `_start() -> ()` (nor a default export `\"\"`)"
                .into(),
        ));
    };
    let start = instance
        .get_typed_func::<(), ()>(&mut *store, entry)
        .map_err(|_| {
            Error::Usage(format!(
                "the entry point `{entry}` is not a function `() -> ()`"
            ))
        })?;
    match start.call(&mut *store, ()) {
        Ok(()) => Ok(0),
        Err(e) => exit_code(&e).ok_or(e),
    }
}

#[cfg(test)]
mod tests;
