//! Helpers shared by the xtask commands: locating the repository, checking for external
//! tools, reading the workload list, running callgrind, fingerprinting machine code.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The repository root (the parent of `xtask/`).
///
/// `cargo run` sets `CARGO_MANIFEST_DIR` at run time; the compile-time value is the
/// fallback for a directly invoked binary.
pub fn repo_root() -> PathBuf {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    dir.parent().map(Path::to_path_buf).unwrap_or(dir)
}

/// Fails with an actionable message if `tool` is not on the PATH.
pub fn require_tool(tool: &str, package: &str) -> Result<(), String> {
    match Command::new(tool).arg("--version").output() {
        Ok(_) => Ok(()),
        Err(_) => Err(format!(
            "`{tool}` is not installed or not on the PATH (install {package})"
        )),
    }
}

/// Whether rustup can run `rustc` of the toolchain `name`.
pub fn toolchain_available(name: &str) -> bool {
    Command::new("rustup")
        .args(["run", name, "rustc", "--version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// `rustc --version` of a toolchain (`None`: the one cargo picks by default).
pub fn rustc_version(toolchain: Option<&str>) -> String {
    let out = match toolchain {
        Some(t) => Command::new("rustup")
            .args(["run", t, "rustc", "--version"])
            .output(),
        None => Command::new("rustc").arg("--version").output(),
    };
    match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_string(),
        _ => "unknown rustc".into(),
    }
}

/// A cargo command with a clean build environment.
///
/// Everything that changes generated code is set explicitly by the caller, so anything the
/// user (or the `cargo xtask` invocation itself) left in the environment is removed:
/// RUSTFLAGS in all spellings, profile overrides, a target dir, Baton's dispatch override,
/// and `RUSTC`/`RUSTUP_TOOLCHAIN`, which would pin every cell to the toolchain that runs
/// the xtask and silently defeat `+nightly`.
pub fn clean_cargo(toolchain: Option<&str>) -> Command {
    let mut cmd = Command::new("cargo");
    if let Some(t) = toolchain {
        cmd.arg(format!("+{t}"));
    }
    for (key, _) in std::env::vars_os() {
        let Some(k) = key.to_str() else { continue };
        if k.starts_with("CARGO_PROFILE_")
            || k.ends_with("RUSTFLAGS")
            || matches!(
                k,
                "CARGO_TARGET_DIR"
                    | "CARGO_BUILD_TARGET_DIR"
                    | "BATON_DISPATCH"
                    | "RUSTC"
                    | "RUSTUP_TOOLCHAIN"
                    | "CARGO_BUILD_TARGET"
            )
        {
            cmd.env_remove(k);
        }
    }
    cmd
}

/// Runs a build command quietly; on failure returns the tail of its output.
pub fn run_build(mut cmd: Command) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("cannot run cargo: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    let tail = lines[lines.len().saturating_sub(25)..].join("\n");
    Err(format!("build failed:\n{tail}"))
}

/// One line of `benches/workloads/workloads.txt` (only what the xtasks need).
#[derive(Clone, Debug)]
pub struct Workload {
    pub name: String,
}

/// The workload names, in list order. The list's format is documented in the file; the
/// binaries that run the workloads check inputs and checksums themselves.
pub fn workloads(root: &Path) -> Result<Vec<Workload>, String> {
    let path = root.join("benches/workloads/workloads.txt");
    let text =
        std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let mut names: Vec<Workload> = names_in(&text);
    // The interpreters inside Wasm (WASI programs), run by the same `workload` binary.
    let path = root.join("benches/interpreters/interpreters.txt");
    let text =
        std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    names.extend(names_in(&text));
    Ok(names)
}

/// The first field of every line of a list that is not blank or a comment.
fn names_in(text: &str) -> Vec<Workload> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().next())
        .map(|name| Workload {
            name: name.to_string(),
        })
        .collect()
}

/// Keeps the workloads named in a comma-separated `filter` (all if `None`).
pub fn select_workloads(all: Vec<Workload>, filter: Option<&str>) -> Result<Vec<Workload>, String> {
    let Some(filter) = filter else {
        return Ok(all);
    };
    let mut out = Vec::new();
    for name in filter.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match all.iter().find(|w| w.name == name) {
            Some(w) => out.push(w.clone()),
            None => {
                let known: Vec<&str> = all.iter().map(|w| w.name.as_str()).collect();
                return Err(format!(
                    "unknown workload {name:?} (known: {})",
                    known.join(", ")
                ));
            }
        }
    }
    Ok(out)
}

/// The total instruction count ("Collected") of `binary ARGS...` under callgrind.
///
/// Callgrind executes the program on a synthetic CPU, so the count is the same for the
/// same binary and input whatever the machine load: the number to compare across builds.
/// It fails if the program fails (the workload binaries exit non-zero on a wrong checksum).
pub fn callgrind(binary: &Path, args: &[&str]) -> Result<u64, String> {
    let out = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(binary)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run valgrind (install valgrind): {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        let msg: Vec<&str> = stderr.lines().filter(|l| !l.starts_with("==")).collect();
        return Err(format!(
            "{} {} failed under callgrind: {}",
            binary.display(),
            args.join(" "),
            msg.join(" / ")
        ));
    }
    stderr
        .lines()
        .find_map(|l| {
            let (_, rest) = l.split_once("Collected :")?;
            rest.trim().parse().ok()
        })
        .ok_or_else(|| format!("no `Collected` line in callgrind's output:\n{stderr}"))
}

/// Wall time of one run of `binary ARGS...` (output discarded), or an error if it fails.
pub fn time_run(binary: &Path, args: &[&str]) -> Result<Duration, String> {
    let start = Instant::now();
    let out = Command::new(binary)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    let elapsed = start.elapsed();
    if !out.status.success() {
        return Err(format!(
            "{} {} failed: {}",
            binary.display(),
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(elapsed)
}

/// `objdump -d` of a binary's `.text` (demangled if `demangle`).
pub fn disassemble(binary: &Path, demangle: bool) -> Result<String, String> {
    let mut cmd = Command::new("objdump");
    cmd.args(["-d", "--no-show-raw-insn", "-j", ".text"]);
    if demangle {
        cmd.arg("-C");
    }
    let out = cmd
        .arg(binary)
        .output()
        .map_err(|e| format!("cannot run objdump (install binutils): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "objdump failed on {}: {}",
            binary.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A fingerprint of the machine code: FNV-1a over the disassembly of `.text` with the
/// symbol names in `<...>` removed, and the number of instructions.
///
/// Symbol names carry crate hashes that depend on the target directory and flags, not on
/// the code; addresses stay in, so any change in size or layout changes the fingerprint.
pub fn text_fingerprint(binary: &Path) -> Result<(String, usize), String> {
    let text = disassemble(binary, false)?;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut instructions = 0;
    for line in text.lines() {
        // Only instruction lines ("  addr:\tinsn"): headers carry the file name.
        let Some((_, insn)) = line.split_once(":\t") else {
            continue;
        };
        instructions += 1;
        let mut depth = 0;
        for b in insn.bytes() {
            match b {
                b'<' => depth += 1,
                b'>' if depth > 0 => depth -= 1,
                _ if depth > 0 => {}
                _ => {
                    hash ^= u64::from(b);
                    hash = hash.wrapping_mul(0x0100_0000_01b3);
                }
            }
        }
        hash ^= u64::from(b'\n');
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    Ok((format!("{hash:016x}"), instructions))
}

/// The median of a non-empty list of durations.
pub fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}
