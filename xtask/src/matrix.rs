//! The compiler matrix: `cargo xtask matrix [--engine baton|wasmi] [--quick] ...`.
//!
//! Baton's claim is that its speed does not hang on the mood of the compiler. The matrix
//! tests the claim: it builds the workload runner under many compiler configurations
//! (toolchain, optimisation level, codegen units, LTO, target CPU, panic strategy, LLVM
//! switches that take tail duplication away, forced portable dispatch), and for each
//! measures
//!
//! - the total instruction count of every workload's small input under callgrind
//!   (deterministic), and the execution part of it (total minus a `run(0)` of the same
//!   module, which costs the same read/compile/instantiate but executes next to nothing);
//! - the median wall time of the bench input;
//! - a fingerprint of the machine code, to tell whether the switch changed the code at all
//!   (a switch that changes nothing proves nothing: such cells say "identical to default"
//!   and are not measured again);
//! - the dispatch audit of the handlers in that very binary (threaded and tail cells).
//!
//! `--engine wasmi` runs the same cells over wasmi 2.0 (`xtask/wasmi-runner`) for contrast.
//! Results go to stdout and `target/matrix/report.md` (`report-wasmi.md`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::audit::{self, Handlers};
use crate::common::{self, Workload};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Engine {
    Baton,
    Wasmi,
}

impl Engine {
    fn name(self) -> &'static str {
        match self {
            Engine::Baton => "Baton",
            Engine::Wasmi => "wasmi 2.0.0",
        }
    }
}

/// One compiler configuration.
struct Cell {
    /// Column header and target-dir name.
    name: &'static str,
    /// What differs from `default`, for the report.
    what: &'static str,
    nightly: bool,
    /// Baton's `tail-call` feature (`become`); no wasmi counterpart.
    tail_call: bool,
    /// Baton's `portable-dispatch` feature, wasmi's `portable-dispatch` feature.
    portable: bool,
    /// `CARGO_PROFILE_RELEASE_*` overrides (suffix, value).
    profile: &'static [(&'static str, &'static str)],
    rustflags: &'static str,
    /// Part of `--quick`.
    quick: bool,
}

const NO_TAILDUP: &str = "-C llvm-args=-disable-tail-duplicate -C llvm-args=-disable-early-taildup";

const fn cell(name: &'static str, what: &'static str) -> Cell {
    Cell {
        name,
        what,
        nightly: false,
        tail_call: false,
        portable: false,
        profile: &[],
        rustflags: "",
        quick: false,
    }
}

/// The cells, `default` first (everything is relative to it). The release profile's own
/// defaults are opt-level 3, 16 codegen units, thin-local LTO, unwinding: `opt3` and
/// `cgu16` restate them explicitly and double as a check of the "identical" detection.
const CELLS: &[Cell] = &[
    Cell {
        quick: true,
        ..cell("default", "stable, release profile as committed")
    },
    Cell {
        nightly: true,
        ..cell("nightly", "nightly toolchain")
    },
    Cell {
        nightly: true,
        tail_call: true,
        quick: true,
        ..cell(
            "nightly-tail",
            "nightly + `--features baton/tail-call` (`become`)",
        )
    },
    Cell {
        profile: &[("OPT_LEVEL", "2")],
        ..cell("opt2", "opt-level = 2")
    },
    Cell {
        profile: &[("OPT_LEVEL", "3")],
        ..cell("opt3", "opt-level = 3 (the release default)")
    },
    Cell {
        profile: &[("CODEGEN_UNITS", "1")],
        ..cell("cgu1", "codegen-units = 1")
    },
    Cell {
        profile: &[("CODEGEN_UNITS", "16")],
        ..cell("cgu16", "codegen-units = 16 (the release default)")
    },
    Cell {
        profile: &[("LTO", "fat")],
        ..cell("lto-fat", "lto = \"fat\"")
    },
    Cell {
        profile: &[("LTO", "off")],
        ..cell("lto-off", "lto = \"off\" (not even thin-local)")
    },
    Cell {
        profile: &[("OPT_LEVEL", "1")],
        quick: true,
        ..cell(
            "opt1",
            "opt-level = 1 (no sibling calls: portable expected)",
        )
    },
    Cell {
        rustflags: "-C target-cpu=x86-64-v3",
        ..cell("x86-64-v3", "`-C target-cpu=x86-64-v3` (AVX2, BMI2)")
    },
    Cell {
        profile: &[("PANIC", "abort")],
        ..cell("panic-abort", "panic = \"abort\"")
    },
    Cell {
        rustflags: NO_TAILDUP,
        quick: true,
        ..cell(
            "no-taildup",
            "`-disable-tail-duplicate -disable-early-taildup`",
        )
    },
    Cell {
        rustflags: "-C llvm-args=-tail-dup-pred-size=1",
        ..cell("tdpred1", "`-tail-dup-pred-size=1`")
    },
    Cell {
        rustflags: "-C llvm-args=-tail-dup-size=0",
        ..cell("tdsize0", "`-tail-dup-size=0`")
    },
    Cell {
        portable: true,
        quick: true,
        ..cell("portable", "portable dispatch forced (feature)")
    },
    Cell {
        portable: true,
        rustflags: NO_TAILDUP,
        ..cell("portable-no-taildup", "portable + no tail duplication")
    },
    Cell {
        portable: true,
        rustflags: "-C llvm-args=-tail-dup-pred-size=1",
        ..cell("portable-tdpred1", "portable + `-tail-dup-pred-size=1`")
    },
    Cell {
        portable: true,
        rustflags: "-C llvm-args=-tail-dup-size=0",
        ..cell("portable-tdsize0", "portable + `-tail-dup-size=0`")
    },
];

const QUICK_WORKLOADS: &str = "fib,br_table,coremark";

struct Options {
    engine: Engine,
    quick: bool,
    workloads: Option<String>,
    cells: Option<String>,
    runs: usize,
}

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        engine: Engine::Baton,
        quick: false,
        workloads: None,
        cells: None,
        runs: 3,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |what: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{a} needs {what}"))
        };
        match a.as_str() {
            "--quick" => o.quick = true,
            "--workloads" => o.workloads = Some(value("a list: a,b,c")?),
            "--cells" => o.cells = Some(value("a list: default,opt1,...")?),
            "--runs" => {
                o.runs = value("a number")?
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or("--runs needs a positive number")?
            }
            "--engine" => {
                o.engine = match value("baton or wasmi")?.as_str() {
                    "baton" => Engine::Baton,
                    "wasmi" => Engine::Wasmi,
                    other => return Err(format!("unknown engine {other:?} (baton, wasmi)")),
                }
            }
            "--list" => {
                for c in CELLS {
                    println!(
                        "{:<20} {}{}",
                        c.name,
                        c.what,
                        if c.quick { "  [quick]" } else { "" }
                    );
                }
                std::process::exit(0);
            }
            other => {
                return Err(format!(
                    "matrix: unknown argument {other:?}\nusage: cargo xtask matrix \
                     [--engine baton|wasmi] [--quick] [--workloads a,b] [--cells c,d] \
                     [--runs N] [--list]"
                ))
            }
        }
    }
    Ok(o)
}

/// What one cell produced.
#[derive(Default)]
struct CellResult {
    /// Why the cell has no results (tool missing, build failed...).
    skipped: Option<String>,
    mode: String,
    expected_mode: &'static str,
    fingerprint: String,
    text_instructions: usize,
    identical: bool,
    audit: String,
    offenders: Vec<String>,
    total: BTreeMap<String, u64>,
    exec: BTreeMap<String, u64>,
    wall: BTreeMap<String, Duration>,
    /// The default binary's wall time, measured interleaved with this cell's runs.
    wall_ref: BTreeMap<String, Duration>,
    /// Per-workload failures (checksum mismatch, crash).
    errors: Vec<String>,
    build_time: Duration,
    binary: PathBuf,
}

pub fn run(args: &[String]) -> Result<(), String> {
    let o = parse_args(args)?;
    common::require_tool("valgrind", "valgrind")?;
    common::require_tool("objdump", "binutils")?;
    let root = common::repo_root();
    let mut workloads = common::workloads(&root)?;
    let filter = o
        .workloads
        .clone()
        .or_else(|| o.quick.then(|| QUICK_WORKLOADS.to_string()));
    workloads = common::select_workloads(workloads, filter.as_deref())?;

    let cells: Vec<&Cell> = match &o.cells {
        Some(list) => {
            let mut v = vec![&CELLS[0]];
            for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let c = CELLS
                    .iter()
                    .find(|c| c.name == name)
                    .ok_or_else(|| format!("unknown cell {name:?} (see --list)"))?;
                if c.name != "default" {
                    v.push(c);
                }
            }
            v
        }
        None => CELLS.iter().filter(|c| !o.quick || c.quick).collect(),
    };

    let have_rustup = common::toolchain_available("stable");
    let have_nightly = common::toolchain_available("nightly");
    let stable_tc = have_rustup.then_some("stable");
    let stable_version = common::rustc_version(stable_tc);
    let nightly_version = if have_nightly {
        common::rustc_version(Some("nightly"))
    } else {
        "not installed".into()
    };
    if !have_nightly {
        eprintln!(
            "matrix: the nightly toolchain is not installed (`rustup toolchain install nightly`): \
             skipping the nightly cells"
        );
    }
    let cpu_v3 = cpu_supports_v3();

    let started = Instant::now();
    let mut results: Vec<(&Cell, CellResult)> = Vec::new();
    for (i, cell) in cells.iter().enumerate() {
        eprintln!(
            "matrix [{}/{}] {} ({}), {:.0?} elapsed",
            i + 1,
            cells.len(),
            cell.name,
            cell.what,
            started.elapsed()
        );
        let skip = if cell.nightly && !have_nightly {
            Some("nightly toolchain not installed".to_string())
        } else if cell.tail_call && o.engine == Engine::Wasmi {
            Some("Baton only (wasmi has no `become` backend)".to_string())
        } else if cell.rustflags.contains("x86-64-v3") && !cpu_v3 {
            Some("this CPU lacks x86-64-v3 (AVX2/BMI2/FMA/MOVBE)".to_string())
        } else {
            None
        };
        let result = match skip {
            Some(reason) => {
                eprintln!("  skipped: {reason}");
                CellResult {
                    skipped: Some(reason),
                    ..Default::default()
                }
            }
            None => run_cell(
                &root,
                o.engine,
                cell,
                stable_tc,
                &workloads,
                o.runs,
                results.first().map(|(_, r)| r),
            ),
        };
        if i == 0 && result.skipped.is_some() {
            return Err(format!(
                "the default cell failed, nothing to compare with: {}",
                result.skipped.unwrap_or_default()
            ));
        }
        results.push((cell, result));
    }

    let header = Header {
        engine: o.engine,
        stable: stable_version,
        nightly: nightly_version,
        runs: o.runs,
        elapsed: started.elapsed(),
        subset: filter.is_some(),
    };
    let report = render(&header, &workloads, &results);
    println!("{report}");
    let dir = root.join("target/matrix");
    let file = dir.join(match o.engine {
        Engine::Baton => "report.md",
        Engine::Wasmi => "report-wasmi.md",
    });
    std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&file, &report))
        .map_err(|e| format!("writing {}: {e}", file.display()))?;
    eprintln!("matrix: report written to {}", file.display());
    Ok(())
}

/// Builds and measures one cell.
fn run_cell(
    root: &Path,
    engine: Engine,
    cell: &Cell,
    stable_tc: Option<&'static str>,
    workloads: &[Workload],
    runs: usize,
    default: Option<&CellResult>,
) -> CellResult {
    let default_fp = default.map_or("", |d| d.fingerprint.as_str());
    let default_binary = default.map(|d| d.binary.as_path());
    let mut r = CellResult {
        expected_mode: expected_mode(engine, cell),
        ..Default::default()
    };
    let fail = |mut r: CellResult, msg: String| {
        eprintln!("  {msg}");
        r.skipped = Some(msg);
        r
    };
    let target_dir = root.join("target/matrix").join(match engine {
        Engine::Baton => cell.name.to_string(),
        Engine::Wasmi => format!("wasmi-{}", cell.name),
    });
    let toolchain = if cell.nightly {
        Some("nightly")
    } else {
        stable_tc
    };
    let mut build = common::clean_cargo(toolchain);
    build.current_dir(root).args(["build", "--release"]);
    match engine {
        Engine::Baton => {
            build.args(["-p", "baton-bench", "--bin", "workload"]);
            if cell.tail_call {
                build.args(["--features", "baton/tail-call"]);
            }
            if cell.portable {
                build.args(["--features", "baton/portable-dispatch"]);
            }
        }
        Engine::Wasmi => {
            build
                .arg("--manifest-path")
                .arg(root.join("xtask/wasmi-runner/Cargo.toml"));
            if cell.portable {
                build.args(["--features", "portable-dispatch"]);
            }
        }
    }
    build.arg("--target-dir").arg(&target_dir);
    for (key, value) in cell.profile {
        build.env(format!("CARGO_PROFILE_RELEASE_{key}"), value);
    }
    if !cell.rustflags.is_empty() {
        build.env("RUSTFLAGS", cell.rustflags);
    }
    let t = Instant::now();
    if let Err(e) = common::run_build(build) {
        return fail(r, e);
    }
    r.build_time = t.elapsed();
    let binary = target_dir.join(match engine {
        Engine::Baton => "release/workload",
        Engine::Wasmi => "release/wasmi-workload",
    });
    r.binary = binary.clone();

    r.mode = detect_mode(&target_dir, engine, cell);
    match common::text_fingerprint(&binary) {
        Ok((fp, n)) => {
            r.fingerprint = fp;
            r.text_instructions = n;
        }
        Err(e) => return fail(r, e),
    }
    r.identical = !default_fp.is_empty() && r.fingerprint == default_fp;

    r.audit = if r.mode == "portable" {
        "n/a (portable)".into()
    } else {
        let handlers = match engine {
            Engine::Baton => Handlers::Baton,
            Engine::Wasmi => Handlers::Prefix("wasmi::engine::executor::handler::exec::"),
        };
        match audit::audit_binary(&binary, &handlers) {
            Ok(a) => {
                // Short names (wasmi's full paths would swamp the table).
                r.offenders = a
                    .rows
                    .iter()
                    .filter(|h| !h.ok)
                    .map(|h| h.name.clone())
                    .collect();
                let mut s = format!("{} of {}", r.offenders.len(), a.rows.len());
                if !a.missing.is_empty() {
                    let _ = write!(s, " ({} inlined)", a.missing.len());
                }
                s
            }
            Err(e) => format!("audit failed: {e}"),
        }
    };
    if r.identical {
        eprintln!("  machine code identical to default: not measured again");
        return r;
    }

    for w in workloads {
        let name = w.name.as_str();
        match common::callgrind(&binary, &[name, "small"]) {
            Ok(total) => {
                r.total.insert(w.name.clone(), total);
                // run(0): same module read, compiled and instantiated, nothing executed.
                match common::callgrind(&binary, &[name, "0"]) {
                    Ok(startup) => {
                        r.exec.insert(w.name.clone(), total.saturating_sub(startup));
                    }
                    Err(e) => r.errors.push(e),
                }
            }
            Err(e) => r.errors.push(e),
        }
        // Wall time is paired: each run of this cell's binary alternates with a run of the
        // default binary, and the ratio is taken between the two medians. On a shared
        // machine the load drifts over a matrix run of many minutes; pairing makes both
        // sides of a ratio see the same drift.
        let mut times = Vec::new();
        let mut reference = Vec::new();
        for _ in 0..runs {
            if let Some(default_bin) = default_binary {
                match common::time_run(default_bin, &[name, "bench"]) {
                    Ok(d) => reference.push(d),
                    Err(e) => {
                        r.errors.push(e);
                        break;
                    }
                }
            }
            match common::time_run(&binary, &[name, "bench"]) {
                Ok(d) => times.push(d),
                Err(e) => {
                    r.errors.push(e);
                    break;
                }
            }
        }
        if times.len() == runs {
            r.wall.insert(w.name.clone(), common::median(times));
            if reference.len() == runs {
                r.wall_ref.insert(w.name.clone(), common::median(reference));
            }
        }
        eprintln!(
            "  {name}: {} instructions, {} ms",
            r.total
                .get(name)
                .map_or("-".into(), |c| format!("{:.1}M", *c as f64 / 1e6)),
            r.wall
                .get(name)
                .map_or("-".into(), |d| format!("{:.0}", d.as_secs_f64() * 1e3)),
        );
    }
    for e in &r.errors {
        eprintln!("  error: {e}");
    }
    r
}

/// The dispatch the build scripts chose, read from their recorded output in the target
/// dir: the binary itself is the engine's own runner, which does not print it.
fn detect_mode(target_dir: &Path, engine: Engine, cell: &Cell) -> String {
    let prefix = match engine {
        Engine::Baton => "baton-",
        Engine::Wasmi => "wasmi-",
    };
    let Some(output) = newest_build_output(&target_dir.join("release/build"), prefix) else {
        return "unknown".into();
    };
    match engine {
        Engine::Baton => output
            .lines()
            .find_map(|l| {
                let v = l.split_once("baton_dispatch=\"")?.1;
                Some(v.trim_end_matches('"').to_string())
            })
            .unwrap_or_else(|| "unknown".into()),
        // wasmi 2.0's build.rs sets `wasmi_use_tail_calls` when it may rely on sibling
        // calls; its `portable-dispatch` feature overrides that.
        Engine::Wasmi => {
            if cell.portable || !output.contains("rustc-cfg=wasmi_use_tail_calls") {
                "portable".into()
            } else {
                "tail".into()
            }
        }
    }
}

/// The most recent `output` file of a build script run for a crate named `prefix*`.
fn newest_build_output(build_dir: &Path, prefix: &str) -> Option<String> {
    let mut best: Option<(std::time::SystemTime, PathBuf)> = None;
    for entry in std::fs::read_dir(build_dir).ok()?.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        // `baton-<hash>` only, not `baton-bench-<hash>`.
        let Some(hash) = name.strip_prefix(prefix) else {
            continue;
        };
        if hash.contains('-') {
            continue;
        }
        let path = entry.path().join("output");
        if let Ok(m) = std::fs::metadata(&path).and_then(|m| m.modified()) {
            if best.as_ref().is_none_or(|(t, _)| m > *t) {
                best = Some((m, path));
            }
        }
    }
    std::fs::read_to_string(best?.1).ok()
}

fn expected_mode(engine: Engine, cell: &Cell) -> &'static str {
    let low_opt = cell
        .profile
        .iter()
        .any(|(k, v)| *k == "OPT_LEVEL" && (*v == "0" || *v == "1"));
    match engine {
        Engine::Baton if cell.portable => "portable",
        Engine::Baton if cell.tail_call => "tail",
        Engine::Baton if low_opt => "portable",
        Engine::Baton => "threaded",
        Engine::Wasmi if cell.portable || low_opt => "portable",
        Engine::Wasmi => "tail",
    }
}

/// Whether this CPU can run `-C target-cpu=x86-64-v3` code. Unknown (no /proc) counts as
/// yes: the cell then fails visibly if it cannot run.
fn cpu_supports_v3() -> bool {
    let Ok(info) = std::fs::read_to_string("/proc/cpuinfo") else {
        return true;
    };
    let Some(flags) = info.lines().find(|l| l.starts_with("flags")) else {
        return true;
    };
    let flags: Vec<&str> = flags.split_whitespace().collect();
    ["avx2", "bmi2", "fma", "movbe"]
        .iter()
        .all(|f| flags.contains(f))
}

struct Header {
    engine: Engine,
    stable: String,
    nightly: String,
    runs: usize,
    elapsed: Duration,
    subset: bool,
}

/// Which measured quantity a table shows.
#[derive(Clone, Copy)]
enum Metric {
    Total,
    Exec,
    Wall,
}

impl Metric {
    fn get(self, r: &CellResult, w: &str) -> Option<f64> {
        match self {
            Metric::Total => r.total.get(w).map(|&c| c as f64),
            Metric::Exec => r.exec.get(w).map(|&c| c as f64),
            Metric::Wall => r.wall.get(w).map(Duration::as_secs_f64),
        }
    }
    fn title(self) -> &'static str {
        match self {
            Metric::Total => "Instructions, whole process (callgrind, small input)",
            Metric::Exec => "Instructions, execution only (callgrind: small input minus `run(0)`)",
            Metric::Wall => {
                "Wall time (bench input, median; each cell paired with interleaved default runs)"
            }
        }
    }
    fn absolute(self, v: f64) -> String {
        match self {
            Metric::Total | Metric::Exec => format!("{:.2}M", v / 1e6),
            Metric::Wall => format!("{:.0} ms", v * 1e3),
        }
    }
    fn decimals(self) -> usize {
        match self {
            Metric::Wall => 2,
            _ => 3,
        }
    }
}

fn render(h: &Header, workloads: &[Workload], results: &[(&Cell, CellResult)]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Compiler matrix: {}\n", h.engine.name());
    let _ = writeln!(
        s,
        "stable: {}; nightly: {}; {} workloads{}; wall time = median of {} runs; \
         matrix took {:.0} s.\n",
        h.stable,
        h.nightly,
        workloads.len(),
        if h.subset { " (a subset)" } else { "" },
        h.runs,
        h.elapsed.as_secs_f64()
    );
    let _ = writeln!(s, "## Cells\n");
    let _ = writeln!(
        s,
        "| cell | what | dispatch | machine code | handlers not tail-jumping | build |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---:|");
    for (cell, r) in results {
        if let Some(reason) = &r.skipped {
            let _ = writeln!(
                s,
                "| {} | {} | - | skipped: {} | - | - |",
                cell.name,
                cell.what,
                reason.lines().next().unwrap_or("")
            );
            continue;
        }
        let mode = if r.mode == r.expected_mode {
            r.mode.clone()
        } else {
            format!("**{}** (expected {})", r.mode, r.expected_mode)
        };
        let code = if cell.name == "default" {
            format!("{} insns, `{}`", r.text_instructions, &r.fingerprint[..8])
        } else if r.identical {
            "identical to default".into()
        } else {
            format!("{} insns, `{}`", r.text_instructions, &r.fingerprint[..8])
        };
        let mut audit = r.audit.clone();
        if !r.offenders.is_empty() {
            let shown: Vec<&str> = r.offenders.iter().take(6).map(String::as_str).collect();
            let _ = write!(
                audit,
                ": {}{}",
                shown.join(", "),
                if r.offenders.len() > 6 { ", ..." } else { "" }
            );
        }
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {:.0} s |",
            cell.name,
            cell.what,
            mode,
            code,
            audit,
            r.build_time.as_secs_f64()
        );
    }
    let _ = writeln!(
        s,
        "\n\"handlers not tail-jumping\": offending / audited handlers in this binary \
         (Baton: the `audit-dispatch` rule; wasmi: functions in \
         `handler::exec` that make an indirect call or call another handler).\n"
    );

    let measured: Vec<&(&Cell, CellResult)> = results
        .iter()
        .filter(|(_, r)| r.skipped.is_none())
        .collect();
    let default = &measured[0].1;
    for metric in [Metric::Total, Metric::Exec, Metric::Wall] {
        render_metric(&mut s, metric, workloads, &measured, default);
    }
    let errors: Vec<String> = results
        .iter()
        .flat_map(|(c, r)| r.errors.iter().map(move |e| format!("- {}: {e}", c.name)))
        .collect();
    if !errors.is_empty() {
        let _ = writeln!(s, "## Problems\n\n{}\n", errors.join("\n"));
    }
    s
}

/// One table: rows = workloads, columns = cells, each figure relative to `default`.
fn render_metric(
    s: &mut String,
    metric: Metric,
    workloads: &[Workload],
    cells: &[&(&Cell, CellResult)],
    default: &CellResult,
) {
    let d = metric.decimals();
    let _ = writeln!(
        s,
        "## {}\n\nRelative to `default` (> 1 = more / slower); `=`: machine code identical \
         to default, not measured; spread = max / min.\n",
        metric.title()
    );
    let _ = write!(s, "| workload | default (absolute) |");
    for (c, _) in cells {
        let _ = write!(s, " {} |", c.name);
    }
    let _ = writeln!(s, " spread across cells |");
    let _ = write!(s, "|---|---:|");
    for _ in cells {
        let _ = write!(s, "---:|");
    }
    let _ = writeln!(s, "---:|");

    // Per cell: the ratios of all workloads (for the geomean and spread rows).
    let mut per_cell: Vec<Vec<f64>> = vec![Vec::new(); cells.len()];
    for w in workloads {
        let base = metric.get(default, &w.name);
        let _ = write!(
            s,
            "| {} | {} |",
            w.name,
            base.map_or("-".into(), |b| metric.absolute(b))
        );
        let mut row = Vec::new();
        for (i, (_, r)) in cells.iter().enumerate() {
            if r.identical {
                let _ = write!(s, " = |");
                continue;
            }
            // Wall time is relative to the default runs interleaved with this cell's.
            let cell_base = match metric {
                Metric::Wall => r.wall_ref.get(&w.name).map(Duration::as_secs_f64).or(base),
                _ => base,
            };
            let ratio = cell_base.zip(metric.get(r, &w.name)).map(|(b, v)| v / b);
            match ratio {
                Some(x) => {
                    let _ = write!(s, " {x:.d$} |");
                    row.push(x);
                    per_cell[i].push(x);
                }
                None => {
                    let _ = write!(s, " - |");
                }
            }
        }
        let _ = writeln!(
            s,
            " {} |",
            spread(&row).map_or("-".into(), |x| format!("{x:.d$}"))
        );
    }
    let _ = write!(s, "| **geomean** | |");
    for v in &per_cell {
        let _ = write!(
            s,
            " {} |",
            geomean(v).map_or("-".into(), |x| format!("{x:.d$}"))
        );
    }
    let all_geo: Vec<f64> = per_cell.iter().filter_map(|v| geomean(v)).collect();
    let _ = writeln!(
        s,
        " {} |",
        spread(&all_geo).map_or("-".into(), |x| format!("{x:.d$}"))
    );
    let _ = write!(s, "| **spread (max/min)** | |");
    for v in &per_cell {
        let _ = write!(
            s,
            " {} |",
            spread(v).map_or("-".into(), |x| format!("{x:.d$}"))
        );
    }
    let _ = writeln!(s, " |\n");
}

fn spread(v: &[f64]) -> Option<f64> {
    let max = v.iter().copied().fold(f64::NAN, f64::max);
    let min = v.iter().copied().fold(f64::NAN, f64::min);
    (!v.is_empty() && min > 0.0).then(|| max / min)
}

fn geomean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| (v.iter().map(|x| x.ln()).sum::<f64>() / v.len() as f64).exp())
}
