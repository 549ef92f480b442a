//! The dispatch audit: machine-code evidence that handlers tail-jump to each other.
//!
//! Every instruction handler is a function `baton::exec::ops::<symbol>`, the symbols coming
//! from `baton::instruction_names()` as `<family>::<NAME>::<form>`
//! (`values::CONST::handler`, `numeric::I32_ADD::ar_a`...). In a
//! threaded build each must end its fast path with an indirect `jmp` to the next handler.
//! An indirect `call` (or a direct call to another handler) would mean the handler waits
//! for the rest of the program to finish, leaving one native frame per executed
//! instruction: the failure mode that slowed other interpreters after compiler upgrades.
//!
//! The analysis ([`audit_binary`]) works on any binary that links the engine: the
//! `audit-dispatch` command builds the `baton` CLI, and `cargo xtask matrix` applies it to
//! the `workload` binary of every compiler configuration it builds.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Command;

use crate::common;

/// What the disassembly says about one function.
#[derive(Default, Debug, Clone)]
pub struct Summary {
    pub bytes: usize,
    pub indirect_jumps: usize,
    pub indirect_calls: usize,
    pub calls_to_handlers: Vec<String>,
    pub direct_calls: usize,
    pub returns: usize,
    /// Direct jumps to the unwinder (`exec::unwind::unwind`), which `throw` and
    /// `throw_ref` hand over to by a tail call: a hand-over, since the unwinder ends by
    /// dispatching (it is audited as a handler itself).
    pub unwinder_jumps: usize,
    /// Registers pushed before the first other instruction: saved (and restored) on every
    /// run, a cost but not a dispatch failure.
    pub entry_saves: usize,
}

/// The unwinder's symbol as objdump prints a jump to it (see [`Summary::unwinder_jumps`]).
const UNWINDER: &str = "<baton::exec::unwind::unwind";

/// Which functions of a binary are instruction handlers.
pub enum Handlers {
    /// Baton's handlers, listed by the engine itself (`baton::instruction_names`), so a
    /// handler that the compiler inlined or merged away is reported as missing.
    Baton,
    /// Every function whose demangled name starts with this prefix (used for wasmi, whose
    /// handlers live in `wasmi::engine::executor::handler::exec`).
    Prefix(&'static str),
}

/// One handler's verdict.
pub struct HandlerRow {
    pub name: String,
    pub symbol: String,
    pub summary: Summary,
    pub ok: bool,
}

/// The audit of one binary.
pub struct Report {
    pub rows: Vec<HandlerRow>,
    /// Listed handlers that are not separate functions in the binary.
    pub missing: Vec<String>,
}

impl Report {
    pub fn offenders(&self) -> Vec<&str> {
        self.rows
            .iter()
            .filter(|r| !r.ok)
            .map(|r| r.symbol.as_str())
            .collect()
    }
}

/// Disassembles `binary` and judges every handler in it.
///
/// A Baton handler passes if it makes no indirect call, no direct call to another handler,
/// and has at least one indirect jump (its dispatch). For [`Handlers::Prefix`] the jump
/// requirement is dropped: the list is found by name and includes helpers that
/// legitimately end in a `ret` (traps, host-call exits), so only calls count against them.
pub fn audit_binary(binary: &Path, handlers: &Handlers) -> Result<Report, String> {
    let text = common::disassemble(binary, true)?;
    let functions = parse(&text);
    let mut rows = Vec::new();
    let mut missing = Vec::new();
    match handlers {
        Handlers::Baton => {
            let mut seen = HashSet::new();
            for (name, symbol) in baton::instruction_names() {
                if !seen.insert(symbol) {
                    continue;
                }
                let full = format!("baton::exec::ops::{symbol}");
                let Some(s) = functions.get(&full) else {
                    missing.push(symbol.to_string());
                    continue;
                };
                // A handler that only leaves the interpreter has nothing to hand over to:
                // a trap (`unreachable`), a function's stub before translation (the
                // embedder's loop translates, then enters the function).
                let terminal = matches!(
                    symbol,
                    "control::UNREACHABLE::handler" | "calls::TRANSLATE::handler"
                );
                let ok = s.indirect_calls == 0
                    && s.calls_to_handlers.is_empty()
                    && (s.indirect_jumps > 0 || s.unwinder_jumps > 0 || terminal);
                rows.push(HandlerRow {
                    name: name.to_string(),
                    symbol: symbol.to_string(),
                    summary: s.clone(),
                    ok,
                });
            }
            // The unwinder that `throw` and `throw_ref` tail-call: it must end by
            // dispatching too (unless every use of it was inlined).
            let unwinder = UNWINDER.trim_start_matches('<');
            if let Some(s) = functions.get(unwinder) {
                rows.push(HandlerRow {
                    name: "(unwind)".to_string(),
                    symbol: unwinder.to_string(),
                    summary: s.clone(),
                    ok: s.indirect_calls == 0
                        && s.calls_to_handlers.is_empty()
                        && s.indirect_jumps > 0,
                });
            }
        }
        Handlers::Prefix(prefix) => {
            let mut names: Vec<&String> =
                functions.keys().filter(|n| n.starts_with(prefix)).collect();
            names.sort();
            for full in names {
                let s = &functions[full];
                let ok = s.indirect_calls == 0 && s.calls_to_handlers.is_empty();
                rows.push(HandlerRow {
                    name: full[prefix.len()..].to_string(),
                    symbol: full.clone(),
                    summary: s.clone(),
                    ok,
                });
            }
        }
    }
    Ok(Report { rows, missing })
}

/// `cargo xtask audit-dispatch [--nightly] [--binary PATH [--wasmi]]`.
pub fn run(args: &[String]) -> Result<(), String> {
    const USAGE: &str = "usage: audit-dispatch [--nightly] [--binary PATH [--wasmi]]";
    let mut nightly = false;
    let mut binary = None;
    let mut wasmi = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--nightly" => nightly = true,
            "--wasmi" => wasmi = true,
            "--binary" => binary = Some(it.next().ok_or(USAGE)?.clone()),
            other => {
                return Err(format!(
                    "audit-dispatch: unknown argument {other:?}\n{USAGE}"
                ))
            }
        }
    }
    common::require_tool("objdump", "binutils")?;
    let handlers = if wasmi {
        Handlers::Prefix("wasmi::engine::executor::handler::exec::")
    } else {
        Handlers::Baton
    };
    let given = binary.is_some();
    // `--binary`: audit an existing build (any binary that links the engine), no build.
    let binary = match binary {
        Some(b) => std::path::PathBuf::from(b),
        None => {
            if wasmi {
                return Err("--wasmi needs --binary PATH (e.g. a wasmi-workload build)".into());
            }
            match build_cli(nightly)? {
                Some(b) => b,
                None => return Ok(()),
            }
        }
    };
    let report = audit_binary(&binary, &handlers)?;
    let mode = if wasmi {
        "wasmi"
    } else if given {
        "given binary"
    } else if nightly {
        "nightly + become"
    } else {
        "stable threaded"
    };
    println!(
        "| instruction | handler | bytes | indirect jmp | indirect call | calls | ret | saves on entry | verdict |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---|");
    for r in &report.rows {
        let s = &r.summary;
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.name,
            r.symbol,
            s.bytes,
            s.indirect_jumps,
            s.indirect_calls,
            s.direct_calls,
            s.returns,
            s.entry_saves,
            if r.ok { "ok" } else { "FAIL" }
        );
    }
    // Not a failure: a register saved on entry costs every run of the handler, which the
    // instruction-count guard catches where it matters; listed so that it is seen.
    let saving: Vec<&str> = report
        .rows
        .iter()
        .filter(|r| r.summary.entry_saves > 0)
        .map(|r| r.symbol.as_str())
        .collect();
    let offenders = report.offenders();
    println!();
    println!(
        "audit-dispatch ({mode}): {} handlers checked, {} offending, {} not found as separate functions",
        report.rows.len(),
        offenders.len(),
        report.missing.len()
    );
    println!(
        "saving registers on entry (a cost, not a failure): {} handlers{}{}",
        saving.len(),
        if saving.is_empty() { "" } else { ": " },
        saving.join(", ")
    );
    if !report.missing.is_empty() {
        println!(
            "not found (inlined or merged by the compiler): {}",
            report.missing.join(", ")
        );
    }
    if report.rows.is_empty() {
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

/// Builds the release `baton` CLI for the audit; `None` if nightly was asked for but is
/// not installed (reported, not an error: machines without nightly audit stable only).
fn build_cli(nightly: bool) -> Result<Option<std::path::PathBuf>, String> {
    let root = common::repo_root();
    let target_dir = root.join(format!(
        "target/audit-{}",
        if nightly { "nightly" } else { "stable" }
    ));
    let mut build = Command::new("cargo");
    if nightly {
        if !common::toolchain_available("nightly") {
            println!("audit-dispatch: the nightly toolchain is not installed; skipping the `become` build");
            return Ok(None);
        }
        build.arg("+nightly");
    }
    build
        .args(["build", "--release", "-p", "baton-cli", "--target-dir"])
        .arg(&target_dir)
        .current_dir(&root);
    if nightly {
        build.args(["--features", "baton/tail-call"]);
    }
    // Keep the user's RUSTFLAGS: perturbed builds can be audited this way
    // (`RUSTFLAGS="-C llvm-args=-tail-dup-size=0" cargo xtask audit-dispatch`).
    let status = build
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("release build failed".into());
    }
    Ok(Some(target_dir.join("release/baton")))
}

/// Splits `objdump -d -C` output into functions and summarises each.
fn parse(text: &str) -> HashMap<String, Summary> {
    let mut map = HashMap::new();
    let mut current: Option<(String, Summary, u64, u64)> = None;
    let mut in_prologue = false;
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
                in_prologue = true;
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
        if in_prologue && mnemonic.starts_with("push") {
            s.entry_saves += 1;
        } else {
            in_prologue = false;
        }
        match mnemonic {
            "jmp" | "jmpq" if operand.starts_with('*') => s.indirect_jumps += 1,
            "jmp" | "jmpq" if operand.contains(UNWINDER) => s.unwinder_jumps += 1,
            // `call *sym@GOTPCREL(%rip)`: a library function (memcpy, floor...) reached
            // through the GOT, not a dispatch.
            "call" | "callq" if operand.starts_with('*') && operand.contains("(%rip)") => {
                s.direct_calls += 1
            }
            "call" | "callq" if operand.starts_with('*') => s.indirect_calls += 1,
            "call" | "callq" => {
                s.direct_calls += 1;
                // Baton's handlers live in `baton::exec::ops::<family>::<NAME>::`, inside
                // an instruction's constant (a name in capitals); its helpers directly in
                // `ops::` (`trap`) or in a family (`calls::grow_frames`); wasmi's handlers
                // in `handler::exec::`.
                let baton_handler = operand
                    .split_once("<baton::exec::ops::")
                    .and_then(|(_, rest)| rest.split_once("::"))
                    .is_some_and(|(_, rest)| rest.starts_with(|c: char| c.is_ascii_uppercase()));
                if baton_handler || operand.contains("::handler::exec::") {
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
