//! `--real`: runs real WASI preview-1 programs (resvg, flite, CPython, AVR GCC's
//! cc1 and yosys, fetched by scripts/fetch-real-programs.sh; two interpreters,
//! Lua and QuickJS, built by scripts/build-interpreters.sh and committed in
//! benches/interpreters/) on each
//! engine with that engine's own WASI implementation, checks that every engine
//! writes byte-identical output (the program's output file and its stdout), and
//! prints markdown tables of wall time end to end, start-up and peak memory.
//!
//! Every run happens in a child process of its own (this binary re-executed with
//! the hidden subcommand `--real-child`), so that its peak resident set size
//! (`VmHWM` of /proc/self/status) is that engine's on that program alone. A run
//! starts from nothing: a fresh engine, compilation, a fresh WASI context,
//! instantiation and `_start`, in a fresh temporary directory (preopened as `.`)
//! holding only the input files. That whole span is the "end to end" figure. The
//! "start-up" figure is the same span for a run with arguments that make the
//! program stop at once (`--version`, `-V`, zero rounds of a script): load
//! (compile) plus a first call that runs little.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use sha2::{Digest, Sha256};

use crate::{fmt_duration, guarded};

/// One real program and how it is run.
struct Program {
    name: &'static str,
    /// File name in target/real-programs/, or (with a `/`) a path from the
    /// repository's root for a program committed in the repository.
    file: &'static str,
    /// Input files (in crates/baton-wasi/tests/data/, or with a `/` a path from
    /// the repository's root) and their names in the guest's directory.
    inputs: &'static [(&'static str, &'static str)],
    args: &'static [&'static str],
    /// The file the program writes in its directory (compared across engines
    /// with its stdout).
    output: Option<&'static str>,
    /// Arguments of the start-up run: the program stops at once.
    startup_args: &'static [&'static str],
    startup_output: Option<&'static str>,
    /// yosys: its techlibs preopened as /share, a scratch /tmp, `NO_COLOR=1`,
    /// as crates/baton-wasi/tests/real_programs.rs runs it.
    yosys: bool,
    /// Needs Wasm exception handling (wasmi 2.0 lacks it).
    exceptions: bool,
}

const SYNTH: &str =
    "read_verilog counter.v; synth_ice40 -top counter -noabc; stat; write_json counter.json";

const PROGRAMS: &[Program] = &[
    Program {
        name: "resvg (SVG → PNG)",
        file: "resvg.wasm",
        inputs: &[("real-input.svg", "in.svg")],
        args: &["resvg.wasm", "in.svg", "out.png"],
        output: Some("out.png"),
        startup_args: &["resvg.wasm", "--version"],
        startup_output: None,
        yosys: false,
        exceptions: false,
    },
    // The same resvg on a 1024² picture with two Gaussian blurs: rasterising and
    // filtering (float kernels) rather than start-up, as the small one is.
    Program {
        name: "resvg, 1024² with blurs",
        file: "resvg.wasm",
        inputs: &[("real-input-large.svg", "in.svg")],
        args: &["resvg.wasm", "in.svg", "out.png"],
        output: Some("out.png"),
        startup_args: &["resvg.wasm", "--version"],
        startup_output: None,
        yosys: false,
        exceptions: false,
    },
    Program {
        name: "flite (text → WAV)",
        file: "flite.wasm",
        inputs: &[("real-input.txt", "in.txt")],
        args: &[
            "flite.wasm",
            "-voice",
            "slt",
            "-f",
            "in.txt",
            "-o",
            "out.wav",
        ],
        output: Some("out.wav"),
        startup_args: &["flite.wasm", "-h"],
        startup_output: None,
        yosys: false,
        exceptions: false,
    },
    // Interpreters inside Wasm (benches/interpreters/README.md): each runs a
    // fixed script for a number of rounds and writes its result line to out.txt;
    // start-up runs the script for zero rounds.
    Program {
        name: "Lua 5.4 (bench.lua)",
        file: "benches/interpreters/lua.wasm",
        inputs: &[("benches/interpreters/bench.lua", "bench.lua")],
        args: &["lua.wasm", "bench.lua", "out.txt", "10"],
        output: Some("out.txt"),
        startup_args: &["lua.wasm", "bench.lua", "out.txt", "0"],
        startup_output: Some("out.txt"),
        yosys: false,
        // setjmp/longjmp as Wasm exceptions since 335ec30.
        exceptions: true,
    },
    // The same Lua built without exception handling (errors abort), as
    // committed before 335ec30: the build wasmi can run. Extracted from git
    // into target/real-programs/ (see `ensure_from_git`).
    Program {
        name: "Lua 5.4, no EH (bench.lua)",
        file: "lua-noeh.wasm",
        inputs: &[("benches/interpreters/bench.lua", "bench.lua")],
        args: &["lua.wasm", "bench.lua", "out.txt", "10"],
        output: Some("out.txt"),
        startup_args: &["lua.wasm", "bench.lua", "out.txt", "0"],
        startup_output: Some("out.txt"),
        yosys: false,
        exceptions: false,
    },
    Program {
        name: "QuickJS (bench.js)",
        file: "benches/interpreters/quickjs.wasm",
        inputs: &[("benches/interpreters/bench.js", "bench.js")],
        args: &["quickjs.wasm", "bench.js", "out.txt", "4"],
        output: Some("out.txt"),
        startup_args: &["quickjs.wasm", "bench.js", "out.txt", "0"],
        startup_output: Some("out.txt"),
        yosys: false,
        exceptions: false,
    },
    // An interpreter and a compiler that are not Baton's own, as users run them: CPython
    // 3.12 (26 MB) on a fixed script, GCC's C compiler for the AVR (24 MB) on one file.
    Program {
        name: "CPython 3.12 (python-bench.py)",
        file: "python.wasm",
        inputs: &[("python-bench.py", "bench.py")],
        args: &["python", "bench.py", "3"],
        output: None,
        startup_args: &["python", "-c", "pass"],
        startup_output: None,
        yosys: false,
        exceptions: false,
    },
    Program {
        name: "AVR GCC cc1 (avr-prog.c, -O2)",
        file: "avr-cc1.wasm",
        inputs: &[("avr-prog.c", "avr-prog.c")],
        args: &[
            "cc1",
            "-quiet",
            "-mmcu=avr5",
            "-O2",
            "-fno-ident",
            "avr-prog.c",
            "-o",
            "avr-prog.s",
        ],
        output: Some("avr-prog.s"),
        startup_args: &["cc1", "--version"],
        startup_output: None,
        yosys: false,
        exceptions: false,
    },
    Program {
        name: "yosys (synth_ice40)",
        file: "yosys.wasm",
        inputs: &[("counter.v", "counter.v")],
        args: &["yosys", "-p", SYNTH],
        output: Some("counter.json"),
        startup_args: &["yosys", "-V"],
        startup_output: None,
        yosys: true,
        exceptions: true,
    },
];

/// Programs that are not files of the repository's tree but of its history:
/// (file in target/real-programs/, `git show` object).
const FROM_GIT: &[(&str, &str)] = &[("lua-noeh.wasm", "5027ea3:benches/interpreters/lua.wasm")];

/// What one run is given.
struct Spec<'a> {
    args: &'a [&'a str],
    /// Preopened as `.`.
    dir: &'a Path,
    /// More preopens: (host directory, guest path).
    dirs: Vec<(PathBuf, &'static str)>,
    env: Vec<(&'static str, &'static str)>,
}

/// What one complete run gives.
struct RunTimes {
    /// Engine creation + compilation of the module.
    compile: Duration,
    /// Engine creation through the guest's exit.
    total: Duration,
    code: i32,
    stdout: Vec<u8>,
}

/// The module's bytes are handed over (`Module::from_vec` takes them); the
/// other engines borrow them, and the caller's copy stays alive during the run.
type RunFn = fn(Vec<u8>, &Spec) -> Result<RunTimes>;

/// A WASI engine: runs `wasm` as `spec` says and returns its timings, exit
/// code and stdout.
struct WasiEngine {
    name: &'static str,
    run: RunFn,
}

impl WasiEngine {
    /// Its name in `--engines` and `--real-child`: lower case, `-` for spaces.
    fn key(&self) -> String {
        self.name.to_lowercase().replace(' ', "-")
    }
}

fn engines() -> Vec<WasiEngine> {
    let def = |name, run| WasiEngine { name, run };
    #[allow(unused_mut)]
    let mut v = vec![
        def("wasmi", wasmi_run as RunFn),
        def("Pulley", pulley_run),
        def("Cranelift", cranelift_run),
    ];
    #[cfg(feature = "baton")]
    {
        v.insert(0, def("Baton", baton_lazy_run));
        v.insert(1, def("Baton from_vec", baton_from_vec_run));
        v.insert(2, def("Baton eager", baton_eager_run));
    }
    v
}

// ---------------------------------------------------------------- Baton

#[cfg(feature = "baton")]
fn baton_run(eager: bool, hand_over: bool, wasm: Vec<u8>, spec: &Spec) -> Result<RunTimes> {
    let start = Instant::now();
    let mut config = baton::Config::default();
    if eager {
        config.compilation_mode(baton::CompilationMode::Eager);
    }
    let engine = baton::Engine::new(&config);
    let module = if hand_over {
        baton::Module::from_vec(&engine, wasm)
    } else {
        baton::Module::new(&engine, &wasm)
    }
    .map_err(|e| anyhow!("compile: {e}"))?;
    let compile = start.elapsed();
    let mut linker: baton::Linker<baton_wasi::WasiCtx> = baton::Linker::new(&engine);
    baton_wasi::add_to_linker(&mut linker, |ctx| ctx).map_err(|e| anyhow!("link: {e}"))?;
    let mut builder = baton_wasi::WasiCtxBuilder::new();
    builder
        .args(spec.args)
        .capture_stdout()
        .preopened_dir(spec.dir, ".")?;
    for (host, guest) in &spec.dirs {
        builder.preopened_dir(host, guest)?;
    }
    for (k, v) in &spec.env {
        builder.env(k, v);
    }
    let mut store = baton::Store::new(&engine, builder.build());
    let code =
        baton_wasi::run_command(&mut store, &linker, &module).map_err(|e| anyhow!("run: {e}"))?;
    let total = start.elapsed();
    let stdout = store.data().stdout_contents();
    Ok(RunTimes {
        compile,
        total,
        code,
        stdout,
    })
}

#[cfg(feature = "baton")]
fn baton_lazy_run(wasm: Vec<u8>, spec: &Spec) -> Result<RunTimes> {
    baton_run(false, false, wasm, spec)
}

/// What `baton run` does: the module's buffer is handed over, so lazy
/// translation keeps it instead of a copy of the function bodies.
#[cfg(feature = "baton")]
fn baton_from_vec_run(wasm: Vec<u8>, spec: &Spec) -> Result<RunTimes> {
    baton_run(false, true, wasm, spec)
}

#[cfg(feature = "baton")]
fn baton_eager_run(wasm: Vec<u8>, spec: &Spec) -> Result<RunTimes> {
    baton_run(true, false, wasm, spec)
}

// ---------------------------------------------------------------- wasmi

fn wasmi_run(wasm: Vec<u8>, spec: &Spec) -> Result<RunTimes> {
    use wasmi_wasi::wasi_common::pipe::WritePipe;
    use wasmi_wasi::{ambient_authority, Dir, WasiCtx};
    let start = Instant::now();
    let engine = wasmi::Engine::default();
    let module = wasmi::Module::new(&engine, &wasm).map_err(|e| anyhow!("compile: {e}"))?;
    let compile = start.elapsed();
    let mut linker: wasmi::Linker<WasiCtx> = wasmi::Linker::new(&engine);
    wasmi_wasi::add_to_linker(&mut linker, |ctx| ctx).map_err(|e| anyhow!("link: {e}"))?;
    let args: Vec<String> = spec.args.iter().map(|a| a.to_string()).collect();
    let out = WritePipe::new_in_memory();
    let mut builder = wasmi_wasi::WasiCtxBuilder::new();
    builder
        .args(&args)
        .map_err(|e| anyhow!("args: {e}"))?
        .stdout(Box::new(out.clone()))
        .stderr(Box::new(WritePipe::new(std::io::sink())))
        .preopened_dir(Dir::open_ambient_dir(spec.dir, ambient_authority())?, ".")
        .map_err(|e| anyhow!("preopen: {e}"))?;
    for (host, guest) in &spec.dirs {
        builder
            .preopened_dir(Dir::open_ambient_dir(host, ambient_authority())?, guest)
            .map_err(|e| anyhow!("preopen: {e}"))?;
    }
    for (k, v) in &spec.env {
        builder.env(k, v).map_err(|e| anyhow!("env: {e}"))?;
    }
    let mut store = wasmi::Store::new(&engine, builder.build());
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
    drop(store);
    let stdout = match out.try_into_inner() {
        Ok(cursor) => cursor.into_inner(),
        Err(_) => bail!("stdout still shared"),
    };
    Ok(RunTimes {
        compile,
        total,
        code,
        stdout,
    })
}

// ------------------------------------------------------- wasmtime (both)

fn wasmtime_run(config: &wasmtime::Config, wasm: &[u8], spec: &Spec) -> Result<RunTimes> {
    use wasmtime_wasi::p1::{add_to_linker_sync, WasiP1Ctx};
    use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
    let start = Instant::now();
    let engine = wasmtime::Engine::new(config).map_err(|e| anyhow!("engine: {e}"))?;
    let module = wasmtime::Module::new(&engine, wasm).map_err(|e| anyhow!("compile: {e}"))?;
    let compile = start.elapsed();
    let mut linker: wasmtime::Linker<WasiP1Ctx> = wasmtime::Linker::new(&engine);
    add_to_linker_sync(&mut linker, |ctx| ctx).map_err(|e| anyhow!("link: {e}"))?;
    let out = MemoryOutputPipe::new(1 << 30);
    let mut builder = wasmtime_wasi::WasiCtxBuilder::new();
    builder
        // The guest runs on this thread anyway; lets file I/O skip the
        // hand-off to a blocking thread pool.
        .allow_blocking_current_thread(true)
        .args(spec.args)
        .stdout(out.clone())
        .preopened_dir(spec.dir, ".", wasmtime_wasi::FsPerms::ReadWrite)
        .map_err(|e| anyhow!("preopen: {e}"))?;
    for (host, guest) in &spec.dirs {
        builder
            .preopened_dir(host, guest, wasmtime_wasi::FsPerms::ReadWrite)
            .map_err(|e| anyhow!("preopen: {e}"))?;
    }
    for (k, v) in &spec.env {
        builder.env(k, v);
    }
    let mut store = wasmtime::Store::new(&engine, builder.build_p1());
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
    let stdout = out.contents().to_vec();
    Ok(RunTimes {
        compile,
        total,
        code,
        stdout,
    })
}

fn pulley_run(wasm: Vec<u8>, spec: &Spec) -> Result<RunTimes> {
    wasmtime_run(&crate::engines::wasmtime_config(true)?, &wasm, spec)
}

fn cranelift_run(wasm: Vec<u8>, spec: &Spec) -> Result<RunTimes> {
    wasmtime_run(&crate::engines::wasmtime_config(false)?, &wasm, spec)
}

// ---------------------------------------------------------------- paths

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

/// Extracts a program that lives in the repository's history (`FROM_GIT`)
/// into target/real-programs/ if it is not there yet.
fn ensure_from_git(file: &str) -> Result<()> {
    let Some((_, object)) = FROM_GIT.iter().find(|(f, _)| *f == file) else {
        return Ok(());
    };
    let path = program_path(file);
    if path.is_file() {
        return Ok(());
    }
    let out = Command::new("git")
        .arg("-C")
        .arg(repo_dir())
        .args(["show", object])
        .output()
        .context("running git")?;
    if !out.status.success() || out.stdout.is_empty() {
        bail!(
            "git show {object} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    std::fs::create_dir_all(programs_dir())?;
    std::fs::write(&path, &out.stdout)?;
    eprintln!("extracted {object} to {}", path.display());
    Ok(())
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A program's stdout less the lines that tell the time (yosys' "End of
/// script. ... time: ..." and "Time spent: ...").
fn timeless(stdout: &[u8]) -> Vec<u8> {
    stdout
        .split_inclusive(|&b| b == b'\n')
        .filter(|l| !l.starts_with(b"End of script.") && !l.starts_with(b"Time spent:"))
        .flatten()
        .copied()
        .collect()
}

/// A field of /proc/self/status in KiB (`VmHWM`, `VmRSS`); 0 where there is none.
fn proc_status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

// ---------------------------------------------------------------- child

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Startup,
    Full,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Mode::Startup => "startup",
            Mode::Full => "full",
        }
    }
}

/// The hidden subcommand `--real-child ENGINE PROGRAM MODE DIR [TMP]`: runs one
/// engine on one program once, in DIR, and prints one line on stdout:
/// `RESULT compile_ns total_ns vmhwm_kib rss_before_kib exit_code stdout_sha256 stdout_bytes`
/// (or `ERROR message`). `rss_before_kib` is the resident set after reading
/// the module, before the engine exists.
pub fn child(args: &[String]) -> Result<()> {
    let [engine, prog, mode, dir, rest @ ..] = args else {
        bail!("--real-child ENGINE PROGRAM MODE DIR [TMP]");
    };
    let line = match child_run(engine, prog, mode, Path::new(dir), rest.first()) {
        Ok(line) => line,
        Err(e) => format!("ERROR {}", format!("{e:#}").replace('\n', " ")),
    };
    println!("{line}");
    Ok(())
}

fn child_run(
    engine: &str,
    prog: &str,
    mode: &str,
    dir: &Path,
    tmp: Option<&String>,
) -> Result<String> {
    let prog: usize = prog.parse().context("program index")?;
    let prog = PROGRAMS.get(prog).context("program index")?;
    let engine = engines()
        .into_iter()
        .find(|e| e.key() == engine)
        .with_context(|| format!("no engine {engine}"))?;
    let args = if mode == Mode::Startup.as_str() {
        prog.startup_args
    } else {
        prog.args
    };
    let mut spec = Spec {
        args,
        dir,
        dirs: Vec::new(),
        env: Vec::new(),
    };
    if prog.yosys {
        spec.dirs
            .push((programs_dir().join("yosys-share"), "/share"));
        spec.dirs.push((
            PathBuf::from(tmp.context("yosys needs a TMP directory")?),
            "/tmp",
        ));
        spec.env.push(("NO_COLOR", "1"));
    }
    let wasm =
        std::fs::read(program_path(prog.file)).with_context(|| format!("reading {}", prog.file))?;
    let before = proc_status_kib("VmRSS");
    let t = match guarded(|| (engine.run)(wasm, &spec)) {
        Ok(r) => r?,
        Err(p) => bail!("panicked: {p}"),
    };
    let hwm = proc_status_kib("VmHWM");
    let stdout = timeless(&t.stdout);
    Ok(format!(
        "RESULT {} {} {hwm} {before} {} {} {}",
        t.compile.as_nanos(),
        t.total.as_nanos(),
        t.code,
        sha256(&stdout),
        stdout.len()
    ))
}

// ---------------------------------------------------------------- driver

/// One run's figures, as a child reported them, with its outputs' hashes.
struct Sample {
    compile: Duration,
    total: Duration,
    hwm_kib: u64,
    before_kib: u64,
    /// Exit code, stdout and output file (sha256 and size): must not change
    /// between samples nor engines.
    outputs: String,
    /// The output file itself when it is one short line of text.
    text: Option<String>,
}

/// Runs one sample in a child process.
fn run_child(engine: &WasiEngine, index: usize, prog: &Program, mode: Mode) -> Result<Sample> {
    let dir = tempfile::tempdir()?;
    let tmp = tempfile::tempdir()?;
    for (from, to) in prog.inputs {
        std::fs::copy(input_path(from), dir.path().join(to))
            .with_context(|| format!("copying input {from}"))?;
    }
    let out = Command::new(std::env::current_exe()?)
        .arg("--real-child")
        .arg(engine.key())
        .arg(index.to_string())
        .arg(mode.as_str())
        .arg(dir.path())
        .arg(tmp.path())
        .output()
        .context("running the child")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("RESULT ") || l.starts_with("ERROR "))
        .with_context(|| {
            format!(
                "child ended with {} and no result; stderr: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )
        })?;
    if let Some(e) = line.strip_prefix("ERROR ") {
        bail!("{e}");
    }
    let f: Vec<&str> = line.split_whitespace().skip(1).collect();
    if f.len() != 7 {
        bail!("bad child line {line:?}");
    }
    let num = |i: usize| -> Result<u64> { f[i].parse().with_context(|| format!("{line:?}")) };
    let code: i32 = f[4].parse()?;
    if code != 0 {
        bail!("exited with code {code}");
    }
    let file = match mode {
        Mode::Full => prog.output,
        Mode::Startup => prog.startup_output,
    };
    let mut outputs = format!("stdout {} bytes sha256 {}", f[6], f[5]);
    let mut text = None;
    if let Some(file) = file {
        let bytes =
            std::fs::read(dir.path().join(file)).with_context(|| format!("reading {file}"))?;
        let _ = write!(
            outputs,
            "; `{file}` {} bytes sha256 {}",
            bytes.len(),
            sha256(&bytes)
        );
        text = std::str::from_utf8(&bytes)
            .ok()
            .filter(|t| t.len() <= 200 && t.trim_end().lines().count() == 1)
            .map(|t| t.trim_end().to_string());
    }
    Ok(Sample {
        compile: Duration::from_nanos(num(0)?),
        total: Duration::from_nanos(num(1)?),
        hwm_kib: num(2)?,
        before_kib: num(3)?,
        outputs,
        text,
    })
}

/// All samples of one engine on one program in one mode, or why there are none.
#[derive(Default)]
struct Cell {
    samples: Vec<Sample>,
    failed: Option<String>,
    unsupported: bool,
}

impl Cell {
    fn ok(&self) -> bool {
        !self.unsupported && self.failed.is_none() && !self.samples.is_empty()
    }

    fn median<T: Ord + Copy>(&self, pick: impl Fn(&Sample) -> T) -> Option<T> {
        if !self.ok() {
            return None;
        }
        let mut v: Vec<T> = self.samples.iter().map(pick).collect();
        v.sort();
        Some(v[v.len() / 2])
    }

    fn status(&self) -> &'static str {
        if self.unsupported {
            "unsupported"
        } else {
            "failed"
        }
    }
}

fn fmt_mib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

/// Entry point of `--real`: `--samples` runs per engine, program and mode
/// (start-up and full), interleaved across engines; `--engines` and `--filter`
/// (on the program's file name) narrow the set.
pub fn run(opts: &crate::Options) -> Result<()> {
    let samples = opts.samples;
    let mut engines = engines();
    if let Some(w) = &opts.engines {
        engines.retain(|e| w.contains(&e.key()) || w.contains(&e.name.to_lowercase()));
    }
    if engines.is_empty() {
        bail!("no engines selected");
    }
    // Ratios are against wasmi 2.0 when it is selected, else the first engine.
    let base = engines.iter().position(|e| e.name == "wasmi").unwrap_or(0);
    let base_name = engines[base].name;
    let mut problems = Vec::new();
    let mut not_run = Vec::new();
    let mut outputs = String::new();
    // (program, [startup cells], [full cells], module KiB)
    let mut rows: Vec<(&Program, Vec<Cell>, Vec<Cell>, f64)> = Vec::new();
    for (index, prog) in PROGRAMS.iter().enumerate() {
        if let Some(f) = &opts.filter {
            if !prog.file.contains(f.as_str()) && !prog.name.to_lowercase().contains(f.as_str()) {
                continue;
            }
        }
        if let Err(e) = ensure_from_git(prog.file) {
            problems.push(format!("{}: {e:#}", prog.file));
            continue;
        }
        let path = program_path(prog.file);
        let wasm_len = match std::fs::metadata(&path) {
            Ok(m) => m.len(),
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
        let mut cells: [Vec<Cell>; 2] = [
            engines.iter().map(|_| Cell::default()).collect(),
            engines.iter().map(|_| Cell::default()).collect(),
        ];
        for (m, mode) in [Mode::Startup, Mode::Full].into_iter().enumerate() {
            for _round in 0..samples {
                for (i, e) in engines.iter().enumerate() {
                    let cell = &mut cells[m][i];
                    if prog.exceptions && e.name == "wasmi" {
                        cell.unsupported = true;
                        continue;
                    }
                    if cell.failed.is_some() {
                        continue;
                    }
                    eprint!("{:<28} {:<8} {:<12} ", prog.name, mode.as_str(), e.name);
                    match run_child(e, index, prog, mode) {
                        Ok(s) => {
                            eprintln!(
                                "{:>10} (compile {:>9}) peak RSS {:>8} (before {:>7})  {}",
                                fmt_duration(s.total),
                                fmt_duration(s.compile),
                                fmt_mib(s.hwm_kib),
                                fmt_mib(s.before_kib),
                                s.outputs
                            );
                            if let Some(prev) = cell.samples.first() {
                                if prev.outputs != s.outputs {
                                    cell.failed = Some(format!(
                                        "nondeterministic output: {} then {}",
                                        prev.outputs, s.outputs
                                    ));
                                }
                            }
                            cell.samples.push(s);
                        }
                        Err(err) => {
                            eprintln!("failed: {err:#}");
                            cell.failed = Some(format!("{err:#}"));
                        }
                    }
                }
            }
            for (e, cell) in engines.iter().zip(&cells[m]) {
                if cell.unsupported {
                    not_run.push(format!(
                        "{} ({}): {} lacks exception handling",
                        prog.name,
                        mode.as_str(),
                        e.name
                    ));
                } else if let Some(f) = &cell.failed {
                    problems.push(format!(
                        "{} ({}): {} failed: {f}",
                        prog.name,
                        mode.as_str(),
                        e.name
                    ));
                }
            }
            // Every engine's outputs must be byte-identical to the first one's.
            let reference = cells[m].iter().find(|c| c.ok()).map(|c| &c.samples[0]);
            if let Some(r0) = reference {
                let _ = writeln!(
                    outputs,
                    "- {} ({}): {}{}",
                    prog.name,
                    mode.as_str(),
                    r0.outputs,
                    match &r0.text {
                        Some(t) => format!(": `{t}`"),
                        None => String::new(),
                    }
                );
                for (e, c) in engines.iter().zip(&cells[m]) {
                    if c.ok() && c.samples[0].outputs != r0.outputs {
                        problems.push(format!(
                            "{} ({}): {} output differs: {}, expected {}",
                            prog.name,
                            mode.as_str(),
                            e.name,
                            c.samples[0].outputs,
                            r0.outputs
                        ));
                    }
                }
            }
        }
        let [startup, full] = cells;
        rows.push((prog, startup, full, wasm_len as f64 / 1024.0));
    }

    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nMedian of {samples} runs, each in a fresh process. In parentheses against {base_name}: \
         {base_name} time / engine time for times (> 1 = faster than {base_name}), engine RSS / \
         {base_name} RSS for memory (> 1 = more memory than {base_name}).\n"
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
    type Pick = fn(&Sample) -> u64;
    let figures: [(&str, bool, bool, Pick); 6] = [
        // (label, full run?, time?, pick)
        ("end to end", true, true, |x| x.total.as_nanos() as u64),
        ("start-up", false, true, |x| x.total.as_nanos() as u64),
        ("start-up: compile", false, true, |x| {
            x.compile.as_nanos() as u64
        }),
        ("peak RSS", true, false, |x| x.hwm_kib),
        ("peak RSS, start-up", false, false, |x| x.hwm_kib),
        ("RSS before the engine", false, false, |x| x.before_kib),
    ];
    // Geometric means of the ratios against the base, per figure and engine.
    let mut logs = vec![vec![(0.0f64, 0usize); engines.len()]; figures.len()];
    for (prog, startup, full, kib) in &rows {
        for (fi, (figure, is_full, is_time, pick)) in figures.iter().enumerate() {
            let cells = if *is_full { full } else { startup };
            let label = if fi == 0 {
                format!("{} ({kib:.0} KiB)", prog.name)
            } else {
                String::new()
            };
            let _ = write!(s, "| {label} | {figure} |");
            let base_v = cells[base].median(pick);
            for (i, c) in cells.iter().enumerate() {
                let cell = match c.median(pick) {
                    None => c.status().to_string(),
                    Some(v) => {
                        let shown = if *is_time {
                            fmt_duration(Duration::from_nanos(v))
                        } else {
                            fmt_mib(v)
                        };
                        match base_v {
                            Some(b) if i != base && b > 0 && v > 0 && fi != 5 => {
                                let ratio = if *is_time {
                                    b as f64 / v as f64
                                } else {
                                    v as f64 / b as f64
                                };
                                logs[fi][i].0 += ratio.ln();
                                logs[fi][i].1 += 1;
                                format!("{shown} ({ratio:.2}x)")
                            }
                            _ => shown,
                        }
                    }
                };
                let _ = write!(s, " {cell} |");
            }
            s.push('\n');
        }
    }
    for (fi, (figure, ..)) in figures.iter().enumerate().take(5) {
        let _ = write!(s, "| **geomean vs {base_name}** | {figure} |");
        for (i, _) in engines.iter().enumerate() {
            let (sum, n) = logs[fi][i];
            let cell = if i == base {
                "1.00x".to_string()
            } else if n == 0 {
                "–".to_string()
            } else {
                format!("**{:.2}x** ({n})", (sum / n as f64).exp())
            };
            let _ = write!(s, " {cell} |");
        }
        s.push('\n');
    }
    print!("{s}");
    if !outputs.is_empty() {
        println!(
            "\nOutputs (identical on every engine unless listed under Problems):\n\n{outputs}"
        );
    }
    println!(
        "\"start-up\" runs the program with arguments that make it stop at once (resvg \
         `--version`, flite `-h`, the interpreters' scripts for 0 rounds, CPython `-c pass`, \
         cc1 `--version`, yosys `-V`), from \
         engine creation to exit; \"compile\" is engine creation + module compilation. \
         \"peak RSS\" is the child process' VmHWM; \"RSS before the engine\" is its resident \
         set after reading the module file (the binary, the runtime and the module bytes), \
         included in every peak. Baton and wasmi (its default) translate lazily, \"Baton \
         eager\" translates every function at compile time; \"Baton\" and wasmi get the \
         module as `&[u8]` (`Module::new`), \"Baton from_vec\" is handed the buffer \
         (`Module::from_vec`, as `baton run` does) and keeps it instead of a copy of the \
         bodies. Each engine uses its own WASI: \
         baton-wasi, wasmi_wasi 2.0.0 (wasi-common 36), wasmtime-wasi 48 `p1` (sync, \
         blocking on the current thread allowed); stdout is captured in memory and compared."
    );
    if !not_run.is_empty() {
        println!("\nNot run:\n");
        for p in &not_run {
            println!("- {p}");
        }
    }
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
