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
        let info = match table().get(&(code[pos] as usize)) {
            // A word that is a handler's address, with the instruction's words all there.
            Some(info) if info.words <= code.len() - pos => info,
            // A word the table does not know, or an instruction cut short: shown raw.
            _ => {
                let _ = writeln!(out, "{pos:5}: <data {:#x}>", code[pos]);
                pos += 1;
                continue;
            }
        };
        // SAFETY: the `info.words` words from `pos` on are inside `code` (checked just
        // above); `describe` reads them as the instruction's layout, which any bits are a
        // value of (`ir::Layout`), so a stray word that looks like a handler is harmless.
        let desc = unsafe { (info.describe)(code[pos..].as_ptr()) };
        // The form (e.g. `I32_ADD::ar_a`: left operand and result in the accumulator).
        let form = info.form();
        let _ = writeln!(out, "{pos:5}: {:<16} {:<24} {desc}", info.name, form);
        pos += info.words;
        if info.name.ends_with("br_table") && !info.name.contains('>') {
            // (Not a via of one, `br>...`: that is a jump, the table is at its target.)
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

/// Names of every instruction with the symbol of its handler, for the dispatch audit: the
/// handler's path below `baton::exec::ops`, `<family>::<NAME>::<form>` (`<form>` is
/// `handler` for an instruction defined alone), e.g. `numeric::I32_ADD::ar_a`.
pub fn instruction_names() -> Vec<(&'static str, &'static str)> {
    all().iter().map(|i| (i.name, i.symbol())).collect()
}
