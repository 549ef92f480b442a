//! A textual listing of translated code, for debugging and `baton inspect`.

use crate::exec::ops::{all, OpInfo};
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::OnceLock;

fn table() -> &'static HashMap<usize, OpInfo> {
    static TABLE: OnceLock<HashMap<usize, OpInfo>> = OnceLock::new();
    TABLE.get_or_init(|| all().into_iter().map(|i| (i.handler as usize, i)).collect())
}

/// Lists the instructions in `code` (one function's words), one per line.
pub(crate) fn disassemble(code: &[u64]) -> String {
    let mut out = String::new();
    let mut pos = 0;
    while pos < code.len() {
        let Some(info) = table().get(&(code[pos] as usize)) else {
            let _ = writeln!(out, "{pos:5}: <data {:#x}>", code[pos]);
            pos += 1;
            continue;
        };
        let desc = (info.describe)(code[pos..].as_ptr());
        // The form (e.g. `I32_ADD::ar_a`: left operand and result in the accumulator).
        let form = info.symbol.trim_end_matches("::handler");
        let _ = writeln!(out, "{pos:5}: {:<16} {:<24} {desc}", info.name, form);
        pos += info.words;
        if info.name == "br_table" {
            // The offset words follow the instruction.
            let len = (code[pos - 1] >> 32) as usize + 1;
            for k in 0..len.min(code.len() - pos) {
                let _ = writeln!(out, "{:5}:   -> {:+}", pos + k, code[pos + k] as i32);
            }
            pos += len;
        }
    }
    out
}

/// Names of every instruction with the symbol of its handler, for the dispatch audit.
pub fn instruction_names() -> Vec<(&'static str, &'static str)> {
    all().iter().map(|i| (i.name, i.symbol)).collect()
}
