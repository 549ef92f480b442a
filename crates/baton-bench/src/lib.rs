//! Shared helpers for Baton's benchmarks.
//!
//! - [`load_workloads`] reads `benches/workloads/workloads.txt` (at the
//!   repository root) and the `.wasm` files it names; every workload exports
//!   `run(n: i32) -> i64` and returns a checksum.
//! - [`Instantiated`] is a workload compiled and instantiated on Baton.
//! - [`synth`] generates a large synthetic module for translation benchmarks.
//! - [`load_interpreters`] reads `benches/interpreters/interpreters.txt`: interpreters
//!   compiled to Wasm (WASI programs), each running a script; [`Interpreter::run`] runs
//!   one and returns the checksum its script prints.
//!
//! The criterion benchmarks live in `benches/baton.rs`
//! (`cargo bench -p baton-bench`); `src/bin/workload.rs` runs one workload
//! once, for callgrind instruction counts.

pub mod synth;

use std::path::{Path, PathBuf};

/// One benchmark workload (a line of `workloads.txt` plus its binary).
#[derive(Clone, Debug)]
pub struct Workload {
    /// Short name; the binary is `NAME.wasm` next to the list.
    pub name: String,
    /// The module's binary.
    pub wasm: Vec<u8>,
    /// Input for instruction-count guards (~10-50M instructions).
    pub small_n: i32,
    /// Input for wall-clock benchmarks (~0.2-1 s on wasmi 2.0).
    pub bench_n: i32,
    /// Checksum `run(small_n)` must return, if recorded.
    pub small_result: Option<i64>,
    /// Checksum `run(bench_n)` must return, if recorded.
    pub bench_result: Option<i64>,
}

impl Workload {
    /// The recorded checksum for input `n`, if `n` is one of the two
    /// recorded inputs and a checksum was recorded for it.
    pub fn expected(&self, n: i32) -> Option<i64> {
        if n == self.small_n {
            self.small_result
        } else if n == self.bench_n {
            self.bench_result
        } else {
            None
        }
    }
}

/// `benches/workloads` at the repository root, located from this crate's
/// manifest so it works whatever the current directory is.
pub fn workloads_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../benches/workloads")
}

fn parse_checksum(field: &str) -> Result<Option<i64>, String> {
    if field == "-" {
        return Ok(None);
    }
    u64::from_str_radix(field.trim_start_matches("0x"), 16)
        .map(|bits| Some(bits as i64))
        .map_err(|e| format!("bad checksum {field:?}: {e}"))
}

/// Reads the workload list in `dir` and every module it names.
pub fn load_workloads_from(dir: &Path) -> Result<Vec<Workload>, String> {
    load_workloads_where(dir, |_| true)
}

/// [`load_workloads_from`] for the workloads whose names `wanted` accepts: only their
/// modules are read (the instruction-count guard measures one workload per process, and
/// reading every other module would make its count grow with the list).
pub fn load_workloads_where(
    dir: &Path,
    wanted: impl Fn(&str) -> bool,
) -> Result<Vec<Workload>, String> {
    let list_path = dir.join("workloads.txt");
    let list = std::fs::read_to_string(&list_path)
        .map_err(|e| format!("reading {}: {e}", list_path.display()))?;
    let mut out = Vec::new();
    for (i, line) in list.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = || format!("{}:{}", list_path.display(), i + 1);
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() != 5 {
            return Err(format!("{}: expected 5 fields", at()));
        }
        if !wanted(f[0]) {
            continue;
        }
        let wasm_path = dir.join(format!("{}.wasm", f[0]));
        let wasm = std::fs::read(&wasm_path).map_err(|e| {
            format!(
                "reading {} (run benches/workloads/build.sh?): {e}",
                wasm_path.display()
            )
        })?;
        let int = |s: &str| {
            s.parse::<i32>()
                .map_err(|e| format!("{}: {s:?}: {e}", at()))
        };
        out.push(Workload {
            name: f[0].to_string(),
            wasm,
            small_n: int(f[1])?,
            bench_n: int(f[2])?,
            small_result: parse_checksum(f[3]).map_err(|e| format!("{}: {e}", at()))?,
            bench_result: parse_checksum(f[4]).map_err(|e| format!("{}: {e}", at()))?,
        });
    }
    Ok(out)
}

/// [`load_workloads_from`] on [`workloads_dir`]; panics with a readable
/// message on failure (benchmarks cannot do anything useful without them).
pub fn load_workloads() -> Vec<Workload> {
    load_workloads_from(&workloads_dir()).unwrap_or_else(|e| panic!("{e}"))
}

/// A workload compiled and instantiated on Baton, ready to call `run`.
pub struct Instantiated {
    /// The store owning the instance.
    pub store: baton::Store<()>,
    /// The `run(n: i32) -> i64` export.
    pub run: baton::TypedFunc<i32, i64>,
}

impl Instantiated {
    /// Compiles (validates + translates) and instantiates `wasm` on `engine`.
    pub fn new(engine: &baton::Engine, wasm: &[u8]) -> Result<Self, baton::Error> {
        let module = baton::Module::new(engine, wasm)?;
        let mut store = baton::Store::new(engine, ());
        let instance = baton::Instance::new(&mut store, &module, &[])?;
        let run = instance.get_typed_func::<i32, i64>(&store, "run")?;
        Ok(Self { store, run })
    }

    /// Calls `run(n)` once.
    pub fn call(&mut self, n: i32) -> Result<i64, baton::Error> {
        self.run.call(&mut self.store, n)
    }
}

/// An interpreter compiled to Wasm, run on a script as a workload (a line of
/// `benches/interpreters/interpreters.txt`).
#[derive(Clone, Debug)]
pub struct Interpreter {
    /// Short name; the module is `NAME.wasm` next to the list.
    pub name: String,
    /// The module's binary.
    pub wasm: Vec<u8>,
    /// The script's file name (next to the list) and text.
    pub script: (String, Vec<u8>),
    /// Rounds for instruction-count guards.
    pub small_rounds: u32,
    /// Rounds for wall-clock benchmarks.
    pub bench_rounds: u32,
    /// The checksum the script prints for `small_rounds`.
    pub small_result: u64,
    /// The checksum the script prints for `bench_rounds`.
    pub bench_result: u64,
}

/// `benches/interpreters` at the repository root.
pub fn interpreters_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../benches/interpreters")
}

/// Reads the interpreter list in `dir` and the modules and scripts of the interpreters
/// `wanted` accepts.
pub fn load_interpreters(
    dir: &Path,
    wanted: impl Fn(&str) -> bool,
) -> Result<Vec<Interpreter>, String> {
    let list_path = dir.join("interpreters.txt");
    let list = std::fs::read_to_string(&list_path)
        .map_err(|e| format!("reading {}: {e}", list_path.display()))?;
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read(&path).map_err(|e| format!("reading {}: {e}", path.display()))
    };
    let mut out = Vec::new();
    for (i, line) in list.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = || format!("{}:{}", list_path.display(), i + 1);
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() != 6 {
            return Err(format!("{}: expected 6 fields", at()));
        }
        if !wanted(f[0]) {
            continue;
        }
        let num = |s: &str| {
            s.parse::<u64>()
                .map_err(|e| format!("{}: {s:?}: {e}", at()))
        };
        out.push(Interpreter {
            name: f[0].to_string(),
            wasm: read(&format!("{}.wasm", f[0]))?,
            script: (f[1].to_string(), read(f[1])?),
            small_rounds: num(f[2])? as u32,
            bench_rounds: num(f[3])? as u32,
            small_result: num(f[4])?,
            bench_result: num(f[5])?,
        });
    }
    Ok(out)
}

impl Interpreter {
    /// The recorded checksum for `rounds`, if it is one of the two recorded inputs.
    pub fn expected(&self, rounds: u32) -> Option<u64> {
        if rounds == self.small_rounds {
            Some(self.small_result)
        } else if rounds == self.bench_rounds {
            Some(self.bench_result)
        } else {
            None
        }
    }

    /// Compiles the interpreter on `engine` and runs its script for `rounds` rounds in a
    /// scratch directory (granted to the guest as `/`, holding a copy of the script);
    /// returns the checksum the script prints.
    pub fn run(&self, engine: &baton::Engine, rounds: u32) -> Result<u64, String> {
        let module = baton::Module::new(engine, &self.wasm).map_err(|e| e.to_string())?;
        self.run_module(&module, rounds)
    }

    /// [`Interpreter::run`] with the module compiled already.
    pub fn run_module(&self, module: &baton::Module, rounds: u32) -> Result<u64, String> {
        static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("baton-{}-{}-{n}", self.name, std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let result = self.run_in(module, rounds, &dir);
        let _ = std::fs::remove_dir_all(&dir);
        result
    }

    fn run_in(&self, module: &baton::Module, rounds: u32, dir: &Path) -> Result<u64, String> {
        std::fs::write(dir.join(&self.script.0), &self.script.1).map_err(|e| e.to_string())?;
        let engine = module.engine();
        let rounds_arg = rounds.to_string();
        let mut builder = baton_wasi::WasiCtxBuilder::new();
        builder
            .args(&[
                &format!("{}.wasm", self.name),
                &self.script.0,
                "out.txt",
                &rounds_arg,
            ])
            .capture_stdout()
            .preopened_dir(dir, "/")
            .map_err(|e| e.to_string())?;
        let mut store = baton::Store::new(engine, builder.build());
        let mut linker = baton::Linker::new(engine);
        baton_wasi::add_to_linker(&mut linker, |ctx: &mut baton_wasi::WasiCtx| ctx)
            .map_err(|e| e.to_string())?;
        let code =
            baton_wasi::run_command(&mut store, &linker, module).map_err(|e| e.to_string())?;
        if code != 0 {
            return Err(format!("{} exited with status {code}", self.name));
        }
        let out = String::from_utf8_lossy(&store.data().stdout_contents()).into_owned();
        out.split_whitespace()
            .find_map(|w| w.strip_prefix("checksum="))
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| format!("{} printed no checksum: {out:?}", self.name))
    }
}
