//! `--real`: runs real WASI preview-1 programs (resvg, flite; fetched by
//! scripts/fetch-real-programs.sh; and two interpreters, Lua and QuickJS, built
//! by scripts/build-interpreters.sh and committed in benches/interpreters/) end
//! to end on each engine with that engine's own WASI implementation, checks that
//! every engine writes a byte-identical output file, and prints a markdown table
//! of wall times.
//!
//! Every run starts from nothing: a fresh engine, compilation, a fresh WASI
//! context, instantiation and `_start`, in a fresh temporary directory
//! (preopened as `.`) holding only the input file. That whole span is the
//! "end to end" figure; the compilation inside it is also reported alone.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use sha2::{Digest, Sha256};

use crate::{fmt_duration, guarded};

/// One real program and how the tests in crates/baton-wasi/tests/real_programs.rs
/// run it.
struct Program {
    name: &'static str,
    /// File name in target/real-programs/, or (with a `/`) a path from the
    /// repository's root for a program committed in the repository.
    file: &'static str,
    /// Input file (in crates/baton-wasi/tests/data/, or with a `/` a path from the
    /// repository's root) and its name in the guest's directory.
    input: (&'static str, &'static str),
    args: &'static [&'static str],
    /// The file the program writes in its directory.
    output: &'static str,
}

const PROGRAMS: &[Program] = &[
    Program {
        name: "resvg (SVG → PNG)",
        file: "resvg.wasm",
        input: ("real-input.svg", "in.svg"),
        args: &["resvg.wasm", "in.svg", "out.png"],
        output: "out.png",
    },
    Program {
        name: "flite (text → WAV)",
        file: "flite.wasm",
        input: ("real-input.txt", "in.txt"),
        args: &[
            "flite.wasm",
            "-voice",
            "slt",
            "-f",
            "in.txt",
            "-o",
            "out.wav",
        ],
        output: "out.wav",
    },
    // Interpreters inside Wasm (benches/interpreters/README.md): each runs a
    // fixed script for a number of rounds and writes its result line to out.txt.
    Program {
        name: "Lua 5.4 (bench.lua)",
        file: "benches/interpreters/lua.wasm",
        input: ("benches/interpreters/bench.lua", "bench.lua"),
        args: &["lua.wasm", "bench.lua", "out.txt", "10"],
        output: "out.txt",
    },
    Program {
        name: "QuickJS (bench.js)",
        file: "benches/interpreters/quickjs.wasm",
        input: ("benches/interpreters/bench.js", "bench.js"),
        args: &["quickjs.wasm", "bench.js", "out.txt", "4"],
        output: "out.txt",
    },
];

/// Times of one complete run.
struct RunTimes {
    /// Engine creation + compilation of the module.
    compile: Duration,
    /// Engine creation through the guest's exit.
    total: Duration,
}

/// A WASI engine: runs `wasm` with `args`, `dir` preopened as `.`, and
/// returns its timings if the guest exits with code 0.
struct WasiEngine {
    name: &'static str,
    run: fn(&[u8], &[&str], &Path) -> Result<RunTimes>,
}

fn engines() -> Vec<WasiEngine> {
    let def = |name, run| WasiEngine { name, run };
    #[allow(unused_mut)]
    let mut v = vec![
        def(
            "wasmi",
            wasmi_run as fn(&[u8], &[&str], &Path) -> Result<RunTimes>,
        ),
        def("Pulley", pulley_run),
        def("Cranelift", cranelift_run),
    ];
    #[cfg(feature = "baton")]
    v.insert(0, def("Baton", baton_run));
    v
}

fn check_exit(code: i32) -> Result<()> {
    if code != 0 {
        bail!("exited with code {code}");
    }
    Ok(())
}

// ---------------------------------------------------------------- Baton

#[cfg(feature = "baton")]
fn baton_run(wasm: &[u8], args: &[&str], dir: &Path) -> Result<RunTimes> {
    let start = Instant::now();
    let engine = baton::Engine::default();
    let module = baton::Module::new(&engine, wasm).map_err(|e| anyhow!("compile: {e}"))?;
    let compile = start.elapsed();
    let mut linker: baton::Linker<baton_wasi::WasiCtx> = baton::Linker::new(&engine);
    baton_wasi::add_to_linker(&mut linker, |ctx| ctx).map_err(|e| anyhow!("link: {e}"))?;
    let mut builder = baton_wasi::WasiCtxBuilder::new();
    builder.args(args).preopened_dir(dir, ".")?;
    let mut store = baton::Store::new(&engine, builder.build());
    let code =
        baton_wasi::run_command(&mut store, &linker, &module).map_err(|e| anyhow!("run: {e}"))?;
    let total = start.elapsed();
    check_exit(code)?;
    Ok(RunTimes { compile, total })
}

// ---------------------------------------------------------------- wasmi

fn wasmi_run(wasm: &[u8], args: &[&str], dir: &Path) -> Result<RunTimes> {
    use wasmi_wasi::{ambient_authority, Dir, WasiCtx};
    let start = Instant::now();
    let engine = wasmi::Engine::default();
    let module = wasmi::Module::new(&engine, wasm).map_err(|e| anyhow!("compile: {e}"))?;
    let compile = start.elapsed();
    let mut linker: wasmi::Linker<WasiCtx> = wasmi::Linker::new(&engine);
    wasmi_wasi::add_to_linker(&mut linker, |ctx| ctx).map_err(|e| anyhow!("link: {e}"))?;
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let sink = || {
        Box::new(wasmi_wasi::wasi_common::pipe::WritePipe::new(
            std::io::sink(),
        ))
    };
    let ctx = wasmi_wasi::WasiCtxBuilder::new()
        .args(&args)
        .map_err(|e| anyhow!("args: {e}"))?
        .stdout(sink())
        .stderr(sink())
        .preopened_dir(Dir::open_ambient_dir(dir, ambient_authority())?, ".")
        .map_err(|e| anyhow!("preopen: {e}"))?
        .build();
    let mut store = wasmi::Store::new(&engine, ctx);
    let exit = |e: wasmi::Error| match e.i32_exit_status() {
        Some(code) => Ok(code),
        None => Err(anyhow!("{e}")),
    };
    let code = match linker.instantiate_and_start(&mut store, &module) {
        Ok(instance) => {
            let start_fn = instance
                .get_typed_func::<(), ()>(&store, "_start")
                .map_err(|e| anyhow!("_start: {e}"))?;
            match start_fn.call(&mut store, ()) {
                Ok(()) => 0,
                Err(e) => exit(e)?,
            }
        }
        Err(e) => exit(e)?,
    };
    let total = start.elapsed();
    check_exit(code)?;
    Ok(RunTimes { compile, total })
}

// ------------------------------------------------------- wasmtime (both)

fn wasmtime_run(
    config: &wasmtime::Config,
    wasm: &[u8],
    args: &[&str],
    dir: &Path,
) -> Result<RunTimes> {
    use wasmtime_wasi::p1::{add_to_linker_sync, WasiP1Ctx};
    let start = Instant::now();
    let engine = wasmtime::Engine::new(config).map_err(|e| anyhow!("engine: {e}"))?;
    let module = wasmtime::Module::new(&engine, wasm).map_err(|e| anyhow!("compile: {e}"))?;
    let compile = start.elapsed();
    let mut linker: wasmtime::Linker<WasiP1Ctx> = wasmtime::Linker::new(&engine);
    add_to_linker_sync(&mut linker, |ctx| ctx).map_err(|e| anyhow!("link: {e}"))?;
    let ctx = wasmtime_wasi::WasiCtxBuilder::new()
        // The guest runs on this thread anyway; lets file I/O skip the
        // hand-off to a blocking thread pool.
        .allow_blocking_current_thread(true)
        .args(args)
        .preopened_dir(dir, ".", wasmtime_wasi::FsPerms::ReadWrite)
        .map_err(|e| anyhow!("preopen: {e}"))?
        .build_p1();
    let mut store = wasmtime::Store::new(&engine, ctx);
    let exit = |e: wasmtime::Error| match e.downcast_ref::<wasmtime_wasi::I32Exit>() {
        Some(x) => Ok(x.0),
        None => Err(anyhow!("{e:#}")),
    };
    let code = match linker.instantiate(&mut store, &module) {
        Ok(instance) => {
            let start_fn = instance
                .get_typed_func::<(), ()>(&mut store, "_start")
                .map_err(|e| anyhow!("_start: {e}"))?;
            match start_fn.call(&mut store, ()) {
                Ok(()) => 0,
                Err(e) => exit(e)?,
            }
        }
        Err(e) => exit(e)?,
    };
    let total = start.elapsed();
    check_exit(code)?;
    Ok(RunTimes { compile, total })
}

fn pulley_run(wasm: &[u8], args: &[&str], dir: &Path) -> Result<RunTimes> {
    wasmtime_run(&crate::engines::wasmtime_config(true)?, wasm, args, dir)
}

fn cranelift_run(wasm: &[u8], args: &[&str], dir: &Path) -> Result<RunTimes> {
    wasmtime_run(&crate::engines::wasmtime_config(false)?, wasm, args, dir)
}

// ---------------------------------------------------------------- driver

fn programs_dir() -> PathBuf {
    match std::env::var_os("REAL_PROGRAMS_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/real-programs"),
    }
}

fn repo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Where a program's module is: committed (a path with `/`) or fetched.
fn program_path(file: &str) -> PathBuf {
    if file.contains('/') {
        repo_dir().join(file)
    } else {
        programs_dir().join(file)
    }
}

/// Where an input file is: a path from the repository's root (with `/`) or
/// a file of crates/baton-wasi/tests/data/.
fn input_path(file: &str) -> PathBuf {
    if file.contains('/') {
        repo_dir().join(file)
    } else {
        repo_dir().join("crates/baton-wasi/tests/data").join(file)
    }
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Medians of one engine on one program, and the output's hash and size.
struct Measured {
    compile: Duration,
    total: Duration,
    sha: String,
    bytes: usize,
    /// The output itself when it is one short line of text (the interpreters').
    text: Option<String>,
}

fn measure(engine: &WasiEngine, prog: &Program, wasm: &[u8], samples: usize) -> Result<Measured> {
    let mut compiles = Vec::new();
    let mut totals = Vec::new();
    let mut out: Option<(String, usize)> = None;
    let mut text = None;
    for _ in 0..samples {
        let dir = tempfile::tempdir()?;
        std::fs::copy(input_path(prog.input.0), dir.path().join(prog.input.1))
            .with_context(|| format!("copying input {}", prog.input.0))?;
        let t = match guarded(|| (engine.run)(wasm, prog.args, dir.path())) {
            Ok(r) => r?,
            Err(p) => bail!("panicked: {p}"),
        };
        let bytes = std::fs::read(dir.path().join(prog.output))
            .with_context(|| format!("reading {}", prog.output))?;
        let this = (sha256(&bytes), bytes.len());
        text = std::str::from_utf8(&bytes)
            .ok()
            .filter(|t| t.len() <= 200 && t.trim_end().lines().count() == 1)
            .map(|t| t.trim_end().to_string());
        if let Some(prev) = &out {
            if *prev != this {
                bail!("nondeterministic output: {} then {}", prev.0, this.0);
            }
        }
        out = Some(this);
        compiles.push(t.compile);
        totals.push(t.total);
    }
    compiles.sort();
    totals.sort();
    let (sha, bytes) = out.context("no samples")?;
    Ok(Measured {
        compile: compiles[compiles.len() / 2],
        total: totals[totals.len() / 2],
        sha,
        bytes,
        text,
    })
}

/// Entry point of `--real`: `--samples` runs per engine and program;
/// `--engines` and `--filter` (on the program's file name) narrow the set.
pub fn run(opts: &crate::Options) -> Result<()> {
    let samples = opts.samples;
    let mut engines = engines();
    if let Some(w) = &opts.engines {
        engines.retain(|e| w.contains(&e.name.to_lowercase()));
    }
    if engines.is_empty() {
        bail!("no engines selected");
    }
    let base = engines[0].name;
    let mut problems = Vec::new();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nMedian wall time of {samples} complete runs (fresh engine, compile, WASI context, \
         instantiate, `_start` to exit); in parentheses time / {base} time (> 1 = slower than {base}).\n"
    );
    let _ = write!(s, "| program | figure |");
    for e in &engines {
        let _ = write!(s, " {} |", e.name);
    }
    let _ = write!(s, "\n|---|---|");
    for _ in &engines {
        let _ = write!(s, "---:|");
    }
    s.push('\n');
    let mut outputs = String::new();
    for prog in PROGRAMS {
        if let Some(f) = &opts.filter {
            if !prog.file.contains(f.as_str()) {
                continue;
            }
        }
        let path = program_path(prog.file);
        let wasm = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                problems.push(format!(
                    "{}: not available at {} ({e}); run {}",
                    prog.file,
                    path.display(),
                    if prog.file.contains('/') {
                        "scripts/build-interpreters.sh"
                    } else {
                        "scripts/fetch-real-programs.sh"
                    }
                ));
                continue;
            }
        };
        let mut results = Vec::new();
        for e in &engines {
            eprint!("{:<20} {:<10} ", prog.name, e.name);
            let r = measure(e, prog, &wasm, samples);
            match &r {
                Ok(m) => eprintln!(
                    "{:>10} (compile {:>9})  {} bytes sha256 {}",
                    fmt_duration(m.total),
                    fmt_duration(m.compile),
                    m.bytes,
                    m.sha
                ),
                Err(err) => {
                    eprintln!("failed: {err:#}");
                    problems.push(format!("{}: {} failed: {err:#}", prog.name, e.name));
                }
            }
            results.push(r);
        }
        // Every engine's output must be byte-identical to the first one's.
        let reference = results.iter().find_map(|r| r.as_ref().ok());
        if let Some(r0) = reference {
            let _ = writeln!(
                outputs,
                "- {}: `{}` {} bytes, sha256 `{}`{}",
                prog.name,
                prog.output,
                r0.bytes,
                r0.sha,
                match &r0.text {
                    Some(t) => format!(": `{t}`"),
                    None => String::new(),
                }
            );
            for (e, r) in engines.iter().zip(&results) {
                if let Ok(m) = r {
                    if m.sha != r0.sha {
                        problems.push(format!(
                            "{}: {} output differs: sha256 {} ({} bytes), expected {}",
                            prog.name, e.name, m.sha, m.bytes, r0.sha
                        ));
                    }
                }
            }
        }
        let wasm_kib = wasm.len() as f64 / 1024.0;
        for (figure, pick) in [
            (
                "end to end",
                (|m: &Measured| m.total) as fn(&Measured) -> Duration,
            ),
            ("compile", |m: &Measured| m.compile),
        ] {
            let label = if figure == "end to end" {
                format!("{} ({wasm_kib:.0} KiB)", prog.name)
            } else {
                String::new()
            };
            let _ = write!(s, "| {label} | {figure} |");
            let base_time = results[0].as_ref().ok().map(|m| pick(m).as_secs_f64());
            for (i, r) in results.iter().enumerate() {
                let cell = match r {
                    Ok(m) => match base_time {
                        Some(b) if i > 0 => format!(
                            "{} ({:.2}x)",
                            fmt_duration(pick(m)),
                            pick(m).as_secs_f64() / b
                        ),
                        _ => fmt_duration(pick(m)),
                    },
                    Err(_) => "failed".to_string(),
                };
                let _ = write!(s, " {cell} |");
            }
            s.push('\n');
        }
    }
    print!("{s}");
    if !outputs.is_empty() {
        println!(
            "\nOutputs (identical on every engine unless listed under Problems):\n\n{outputs}"
        );
    }
    println!(
        "\"compile\" includes creating the engine. wasmi runs with its default config, lazy \
         translation: its \"compile\" only validates, each function is translated on its \
         first call (inside end to end). Each engine uses its own WASI: baton-wasi, wasmi_wasi 2.0.0 (wasi-common 36), \
         wasmtime-wasi 48 `p1` (sync, blocking on the current thread allowed)."
    );
    if !problems.is_empty() {
        println!("\nProblems:\n");
        for p in &problems {
            println!("- {p}");
        }
        if problems.iter().any(|p| p.contains("differs")) {
            std::process::exit(1);
        }
    }
    Ok(())
}
