//! The instruction-count guard: `cargo xtask icount [--update] [--threshold PCT]`.
//!
//! Builds the `workload` binary (stable, default release profile, clean environment, own
//! target dir `target/icount`), runs every workload's small input under callgrind and
//! compares the total instruction counts with `benches/icount-baseline.txt`. Callgrind
//! counts are deterministic (same binary, same input, same count, whatever the machine
//! load), so unlike wall time they can be held to a tight threshold on a shared CI machine.
//!
//! A rise of more than the threshold (default 5%) on any workload fails the command.
//! `--update` rewrites the baseline instead: the deliberate, reviewed way to accept a
//! change (the diff of the baseline file shows what moved).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::common;

const BASELINE: &str = "benches/icount-baseline.txt";

pub fn run(args: &[String]) -> Result<(), String> {
    let mut update = false;
    let mut threshold = 5.0;
    let mut filter = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--update" => update = true,
            "--threshold" => {
                threshold = it
                    .next()
                    .and_then(|v| v.parse::<f64>().ok())
                    .ok_or("--threshold needs a percentage, e.g. --threshold 5")?;
            }
            "--workloads" => {
                filter = Some(it.next().ok_or("--workloads needs a list: a,b,c")?.clone())
            }
            other => {
                return Err(format!(
                    "icount: unknown argument {other:?}\n\
                     usage: cargo xtask icount [--update] [--threshold PCT] [--workloads a,b]"
                ))
            }
        }
    }
    if update && filter.is_some() {
        return Err("icount: --update rewrites the whole baseline; drop --workloads".into());
    }
    common::require_tool("valgrind", "valgrind")?;
    let root = common::repo_root();
    let workloads = common::select_workloads(common::workloads(&root)?, filter.as_deref())?;

    // The same toolchain as the matrix's `default` cell: stable when rustup has it.
    let toolchain = common::toolchain_available("stable").then_some("stable");
    let rustc = common::rustc_version(toolchain);
    let target_dir = root.join("target/icount");
    eprintln!(
        "icount: building workload ({rustc}, release) in {}",
        target_dir.display()
    );
    let mut build = common::clean_cargo(toolchain);
    build
        .current_dir(&root)
        .args([
            "build",
            "--release",
            "-p",
            "baton-bench",
            "--bin",
            "workload",
        ])
        .arg("--target-dir")
        .arg(&target_dir);
    common::run_build(build)?;
    let binary = target_dir.join("release/workload");

    let baseline_path = root.join(BASELINE);
    let (baseline, baseline_rustc) = read_baseline(&baseline_path)?;
    let mut now = BTreeMap::new();
    let mut order = Vec::new();
    for w in &workloads {
        eprintln!("icount: {} (small input, callgrind)", w.name);
        let count = common::callgrind(&binary, &[&w.name, "small"])?;
        now.insert(w.name.clone(), count);
        order.push(w.name.clone());
    }

    if update {
        let mut text = String::new();
        let _ = writeln!(
            text,
            "# Instruction counts (callgrind, whole process) of `workload NAME small`,\n\
             # default release build. Guarded by `cargo xtask icount` (fails on a rise of\n\
             # more than 5%); rewritten only by `cargo xtask icount --update`.\n\
             # rustc: {rustc}\n\
             # workload count"
        );
        for name in &order {
            let _ = writeln!(text, "{name} {}", now[name]);
        }
        std::fs::write(&baseline_path, text)
            .map_err(|e| format!("writing {}: {e}", baseline_path.display()))?;
        println!("icount: wrote {} ({} workloads)", BASELINE, order.len());
        return Ok(());
    }

    if baseline.is_empty() {
        return Err(format!(
            "no baseline at {BASELINE}: create it with `cargo xtask icount --update`"
        ));
    }
    if let Some(b) = &baseline_rustc {
        if *b != rustc {
            println!(
                "note: the baseline was recorded with {b}, this is {rustc}; a compiler \
                 upgrade can move counts on its own\n"
            );
        }
    }
    println!("| workload | baseline | now | change |");
    println!("|---|---:|---:|---:|");
    let mut risen = Vec::new();
    let mut fallen = Vec::new();
    let mut new = Vec::new();
    for name in &order {
        let n = now[name];
        match baseline.get(name) {
            Some(&b) => {
                let change = (n as f64 / b as f64 - 1.0) * 100.0;
                let flag = if change > threshold {
                    risen.push(format!("{name} (+{change:.1}%)"));
                    " **REGRESSION**"
                } else if change < -threshold {
                    fallen.push(name.clone());
                    ""
                } else {
                    ""
                };
                println!("| {name} | {b} | {n} | {change:+.2}%{flag} |");
            }
            None => {
                new.push(name.clone());
                println!("| {name} | - | {n} | new |");
            }
        }
    }
    if filter.is_none() {
        let gone: Vec<&String> = baseline.keys().filter(|k| !now.contains_key(*k)).collect();
        if !gone.is_empty() {
            println!("\nin the baseline but no longer a workload: {gone:?}");
        }
    }
    if !new.is_empty() {
        println!("\nnot in the baseline (run `cargo xtask icount --update`): {new:?}");
    }
    if !fallen.is_empty() {
        println!(
            "\nfell by more than {threshold}%: {fallen:?}; lock the gain in with \
             `cargo xtask icount --update`"
        );
    }
    if risen.is_empty() {
        println!("\nicount: no workload rose by more than {threshold}% above its baseline");
        Ok(())
    } else {
        Err(format!(
            "instruction counts rose by more than {threshold}% above {BASELINE}: {}\n\
             (if the rise is intended, review it and run `cargo xtask icount --update`)",
            risen.join(", ")
        ))
    }
}

/// Reads `workload count` lines (and the `# rustc:` comment, if any). A missing file is an
/// empty baseline.
fn read_baseline(path: &Path) -> Result<(BTreeMap<String, u64>, Option<String>), String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Default::default()),
        Err(e) => return Err(format!("reading {}: {e}", path.display())),
    };
    let mut map = BTreeMap::new();
    let mut rustc = None;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(r) = line.strip_prefix("# rustc:") {
            rustc = Some(r.trim().to_string());
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut f = line.split_whitespace();
        let (Some(name), Some(count), None) = (f.next(), f.next(), f.next()) else {
            return Err(format!(
                "{}:{}: expected `workload count`",
                path.display(),
                i + 1
            ));
        };
        let count = count
            .parse()
            .map_err(|e| format!("{}:{}: {count:?}: {e}", path.display(), i + 1))?;
        map.insert(name.to_string(), count);
    }
    Ok((map, rustc))
}
