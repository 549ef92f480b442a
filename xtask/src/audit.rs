//! The dispatch audit: machine-code evidence that handlers tail-jump to each other.
//!
//! Every instruction handler is a function named `baton::exec::ops::<NAME>::handler`. In a
//! threaded build each must end its fast path with an indirect `jmp` to the next handler.
//! An indirect `call` (or a direct call to another handler) would mean the handler waits
//! for the rest of the program to finish, leaving one native frame per executed
//! instruction: the failure mode that slowed other interpreters after compiler upgrades.

use std::collections::HashMap;
use std::process::Command;

/// What the disassembly says about one function.
#[derive(Default, Debug)]
struct Summary {
    bytes: usize,
    indirect_jumps: usize,
    indirect_calls: usize,
    calls_to_handlers: Vec<String>,
    direct_calls: usize,
    returns: usize,
}

pub fn run(args: &[String]) -> Result<(), String> {
    let nightly = args.iter().any(|a| a == "--nightly");
    let root = std::env::var("CARGO_MANIFEST_DIR")
        .map(|d| format!("{d}/.."))
        .unwrap_or_else(|_| ".".into());
    let target_dir = format!(
        "{root}/target/audit-{}",
        if nightly { "nightly" } else { "stable" }
    );
    let mut build = Command::new("cargo");
    if nightly {
        if !toolchain_available("nightly") {
            println!("audit-dispatch: the nightly toolchain is not installed; skipping the `become` build");
            return Ok(());
        }
        build.arg("+nightly");
    }
    build
        .args([
            "build",
            "--release",
            "-p",
            "baton-cli",
            "--target-dir",
            &target_dir,
        ])
        .current_dir(&root);
    if nightly {
        build.args(["--features", "baton/tail-call"]);
    }
    // Keep the user's RUSTFLAGS: the compiler matrix audits perturbed builds this way.
    let status = build
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("release build failed".into());
    }
    let binary = format!("{target_dir}/release/baton");
    let out = Command::new("objdump")
        .args(["-d", "-C", "--no-show-raw-insn", &binary])
        .output()
        .map_err(|e| format!("cannot run objdump (install binutils): {e}"))?;
    if !out.status.success() {
        return Err(format!("objdump failed on {binary}"));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let functions = parse(&text);

    let mut offenders = Vec::new();
    let mut missing = Vec::new();
    println!(
        "| instruction | handler | bytes | indirect jmp | indirect call | calls | ret | verdict |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---|");
    let mut seen = std::collections::HashSet::new();
    for (name, symbol) in baton::instruction_names() {
        if !seen.insert(symbol) {
            continue;
        }
        let full = format!("baton::exec::ops::{symbol}::handler");
        let Some(s) = functions.get(&full) else {
            missing.push(symbol);
            continue;
        };
        // A handler that only traps (e.g. `unreachable`) has nothing to hand over to.
        let terminal = symbol == "UNREACHABLE";
        let ok = s.indirect_calls == 0
            && s.calls_to_handlers.is_empty()
            && (s.indirect_jumps > 0 || terminal);
        if !ok {
            offenders.push(symbol);
        }
        println!(
            "| {name} | {symbol} | {} | {} | {} | {} | {} | {} |",
            s.bytes,
            s.indirect_jumps,
            s.indirect_calls,
            s.direct_calls,
            s.returns,
            if ok { "ok" } else { "FAIL" }
        );
    }
    let mode = if nightly {
        "nightly + become"
    } else {
        "stable threaded"
    };
    println!();
    println!(
        "audit-dispatch ({mode}): {} handlers checked, {} offending, {} not found as separate functions",
        seen.len() - missing.len(),
        offenders.len(),
        missing.len()
    );
    if !missing.is_empty() {
        println!(
            "not found (inlined or merged by the compiler): {}",
            missing.join(", ")
        );
    }
    if seen.len() == missing.len() {
        return Err(
            "no handler found in the binary: is the portable dispatch forced (opt-level < 2)?"
                .into(),
        );
    }
    if offenders.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "handlers that do not tail-jump to the next one: {}",
            offenders.join(", ")
        ))
    }
}

fn toolchain_available(name: &str) -> bool {
    Command::new("rustup")
        .args(["run", name, "rustc", "--version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Splits `objdump -d` output into functions and summarises each.
fn parse(text: &str) -> HashMap<String, Summary> {
    let mut map = HashMap::new();
    let mut current: Option<(String, Summary, u64, u64)> = None;
    let finish = |cur: Option<(String, Summary, u64, u64)>, map: &mut HashMap<String, Summary>| {
        if let Some((name, mut s, start, last)) = cur {
            s.bytes = (last - start) as usize;
            map.insert(name, s);
        }
    };
    for line in text.lines() {
        if let Some(rest) = line.strip_suffix(">:") {
            if let Some((addr, name)) = rest.split_once(" <") {
                finish(current.take(), &mut map);
                let start = u64::from_str_radix(addr.trim(), 16).unwrap_or(0);
                current = Some((name.to_string(), Summary::default(), start, start));
                continue;
            }
        }
        let Some((_, s, _, last)) = current.as_mut() else {
            continue;
        };
        let Some((addr, insn)) = line.split_once(":\t") else {
            continue;
        };
        if let Ok(a) = u64::from_str_radix(addr.trim(), 16) {
            *last = a + 1;
        }
        let insn = insn.trim();
        if insn.starts_with("int3") || insn.starts_with("nop") {
            continue;
        }
        let mnemonic = insn.split_whitespace().next().unwrap_or("");
        let operand = insn[mnemonic.len()..].trim();
        match mnemonic {
            "jmp" | "jmpq" if operand.starts_with('*') => s.indirect_jumps += 1,
            // `call *sym@GOTPCREL(%rip)`: a library function (memcpy, floor...) reached
            // through the GOT, not a dispatch.
            "call" | "callq" if operand.starts_with('*') && operand.contains("(%rip)") => {
                s.direct_calls += 1
            }
            "call" | "callq" if operand.starts_with('*') => s.indirect_calls += 1,
            "call" | "callq" => {
                s.direct_calls += 1;
                if operand.contains("::handler>") {
                    s.calls_to_handlers.push(operand.to_string());
                }
            }
            "ret" | "retq" => s.returns += 1,
            _ => {}
        }
    }
    finish(current.take(), &mut map);
    map
}
