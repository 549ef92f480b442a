//! Generator of a large, valid, synthetic module for translation benchmarks.
//!
//! Real programs big enough to measure translation throughput (several MiB
//! of code) are not something we can ship in the repository, so we generate
//! one: many functions whose bodies mix the constructs a translator has to
//! handle (locals, i32/i64/f64 arithmetic, nested blocks, `if`/`else`,
//! loops, `br_if`, `br_table`, direct and indirect calls, loads and stores).
//! The code is never executed; it only has to validate. Generation is
//! deterministic (a fixed-seed LCG), so every run measures the same bytes.

use std::fmt::Write as _;

/// Deterministic pseudo-random numbers (64-bit LCG, high bits).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }
    fn below(&mut self, n: u32) -> u32 {
        self.next() % n
    }
}

/// Number of functions per MiB of code; each body is ~1 KiB of binary.
const FUNCS_PER_MIB: usize = 1000;

// Local layout of every generated function:
//   0: param i32, 1: param i64, 2..=4: i32, 5..=7: i64, 8..=9: f64
const I32_LOCALS: [u32; 4] = [0, 2, 3, 4];
const I64_LOCALS: [u32; 4] = [1, 5, 6, 7];
const F64_LOCALS: [u32; 2] = [8, 9];

struct Gen {
    rng: Rng,
    out: String,
    num_funcs: u32,
}

impl Gen {
    fn pick(&mut self, set: &[u32]) -> u32 {
        set[self.rng.below(set.len() as u32) as usize]
    }

    fn i32_expr(&mut self, depth: u32) -> String {
        let a = self.pick(&I32_LOCALS);
        if depth == 0 {
            return format!("(local.get {a})");
        }
        match self.rng.below(8) {
            0 => format!("(i32.const {})", self.rng.next() as i32),
            1 => {
                let op = [
                    "i32.add", "i32.sub", "i32.mul", "i32.and", "i32.or", "i32.xor",
                ][self.rng.below(6) as usize];
                format!(
                    "({op} {} {})",
                    self.i32_expr(depth - 1),
                    self.i32_expr(depth - 1)
                )
            }
            2 => {
                let op =
                    ["i32.shl", "i32.shr_u", "i32.shr_s", "i32.rotl"][self.rng.below(4) as usize];
                format!(
                    "({op} {} (i32.const {}))",
                    self.i32_expr(depth - 1),
                    self.rng.below(32)
                )
            }
            3 => {
                let op = ["i32.lt_s", "i32.lt_u", "i32.eq", "i32.ne", "i32.ge_s"]
                    [self.rng.below(5) as usize];
                format!(
                    "({op} {} {})",
                    self.i32_expr(depth - 1),
                    self.i32_expr(depth - 1)
                )
            }
            4 => format!("(i32.wrap_i64 {})", self.i64_expr(depth - 1)),
            5 => format!(
                "(i32.load offset={} (i32.and {} (i32.const 0xfffc)))",
                self.rng.below(256) * 4,
                self.i32_expr(depth - 1)
            ),
            6 => format!(
                "(select {} {} {})",
                self.i32_expr(depth - 1),
                self.i32_expr(depth - 1),
                self.i32_expr(depth - 1)
            ),
            _ => format!(
                "(i32.add (local.get {a}) (i32.const {}))",
                self.rng.below(100)
            ),
        }
    }

    fn i64_expr(&mut self, depth: u32) -> String {
        let a = self.pick(&I64_LOCALS);
        if depth == 0 {
            return format!("(local.get {a})");
        }
        match self.rng.below(7) {
            0 => format!("(i64.const {})", self.rng.next() as i64 * 7919),
            1 => {
                let op = ["i64.add", "i64.sub", "i64.mul", "i64.and", "i64.xor"]
                    [self.rng.below(5) as usize];
                format!(
                    "({op} {} {})",
                    self.i64_expr(depth - 1),
                    self.i64_expr(depth - 1)
                )
            }
            2 => format!(
                "(i64.rotl {} (i64.const {}))",
                self.i64_expr(depth - 1),
                self.rng.below(64)
            ),
            3 => format!("(i64.extend_i32_u {})", self.i32_expr(depth - 1)),
            4 => format!(
                "(i64.load offset={} (i32.and {} (i32.const 0xfff8)))",
                self.rng.below(128) * 8,
                self.i32_expr(depth - 1)
            ),
            5 => {
                let callee = self.rng.below(self.num_funcs);
                format!(
                    "(call $f{callee} {} {})",
                    self.i32_expr(0),
                    self.i64_expr(0)
                )
            }
            _ => format!("(i64.trunc_sat_f64_s {})", self.f64_expr(depth - 1)),
        }
    }

    fn f64_expr(&mut self, depth: u32) -> String {
        let a = self.pick(&F64_LOCALS);
        if depth == 0 {
            return format!("(local.get {a})");
        }
        match self.rng.below(4) {
            0 => format!("(f64.const {}.5)", self.rng.below(1000)),
            1 => {
                let op = ["f64.add", "f64.sub", "f64.mul", "f64.min"][self.rng.below(4) as usize];
                format!(
                    "({op} {} {})",
                    self.f64_expr(depth - 1),
                    self.f64_expr(depth - 1)
                )
            }
            2 => format!("(f64.convert_i32_s {})", self.i32_expr(depth - 1)),
            _ => format!("(f64.sqrt (f64.abs {}))", self.f64_expr(depth - 1)),
        }
    }

    /// One statement (leaves the operand stack as it found it).
    fn stmt(&mut self, nest: u32) {
        let choice = if nest >= 3 {
            self.rng.below(5)
        } else {
            self.rng.below(10)
        };
        let s = match choice {
            0 | 1 => {
                let d = self.pick(&I32_LOCALS);
                format!("(local.set {d} {})", self.i32_expr(2))
            }
            2 => {
                let d = self.pick(&I64_LOCALS);
                format!("(local.set {d} {})", self.i64_expr(2))
            }
            3 => {
                let d = self.pick(&F64_LOCALS);
                format!("(local.set {d} {})", self.f64_expr(2))
            }
            4 => format!(
                "(i64.store offset={} (i32.and {} (i32.const 0xfff8)) {})",
                self.rng.below(64) * 8,
                self.i32_expr(1),
                self.i64_expr(1)
            ),
            5 => {
                let cond = self.i32_expr(2);
                let _ = write!(self.out, "(if {cond} (then ");
                self.stmts(nest + 1, 2);
                self.out.push_str(") (else ");
                self.stmts(nest + 1, 1);
                self.out.push_str("))");
                return;
            }
            6 => {
                let cond = self.i32_expr(1);
                let _ = write!(self.out, "(block (br_if 0 {cond}) ");
                self.stmts(nest + 1, 2);
                self.out.push(')');
                return;
            }
            7 => {
                // A loop that runs a bounded number of times (not that it
                // matters: the code is only translated).
                let counter = self.pick(&I32_LOCALS);
                let _ = write!(self.out, "(local.set {counter} (i32.const 0)) (loop ");
                self.stmts(nest + 1, 2);
                let _ = write!(
                    self.out,
                    "(br_if 0 (i32.lt_u (local.tee {counter} (i32.add (local.get {counter}) (i32.const 1))) (i32.const {}))))",
                    self.rng.below(8) + 1
                );
                return;
            }
            8 => {
                let sel = self.i32_expr(1);
                self.out.push_str("(block (block (block ");
                let _ = write!(self.out, "(br_table 0 1 2 1 0 2 {sel})) ");
                self.stmts(nest + 1, 1);
                self.out.push_str(") ");
                self.stmts(nest + 1, 1);
                self.out.push(')');
                return;
            }
            _ => {
                let d = self.pick(&I64_LOCALS);
                let idx = self.i32_expr(1);
                format!(
                    "(local.set {d} (call_indirect (type $sig) {} {} (i32.and {idx} (i32.const 15))))",
                    self.i32_expr(0),
                    self.i64_expr(1)
                )
            }
        };
        self.out.push_str(&s);
        self.out.push(' ');
    }

    fn stmts(&mut self, nest: u32, count: u32) {
        for _ in 0..count {
            self.stmt(nest);
        }
    }
}

/// Returns the text of a valid module with roughly `code_mib` MiB of
/// function bodies.
pub fn synthetic_wat(code_mib: usize) -> String {
    let num_funcs = (code_mib * FUNCS_PER_MIB).max(16) as u32;
    let mut g = Gen {
        rng: Rng(0x5eed_ba70),
        out: String::new(),
        num_funcs,
    };
    g.out.push_str("(module\n(type $sig (func (param i32 i64) (result i64)))\n(memory 1)\n(table 16 funcref)\n");
    g.out.push_str("(elem (i32.const 0)");
    for i in 0..16 {
        let _ = write!(g.out, " $f{i}");
    }
    g.out.push_str(")\n");
    for f in 0..num_funcs {
        let _ = write!(
            g.out,
            "(func $f{f} (type $sig) (local i32 i32 i32 i64 i64 i64 f64 f64) "
        );
        // ~20 top-level statements make a body of roughly 1 KiB.
        g.stmts(0, 20);
        g.out.push_str("(i64.add (local.get 1) (local.get 5)))\n");
    }
    g.out.push_str("(export \"f0\" (func $f0)))\n");
    g.out
}

/// [`synthetic_wat`] assembled to binary.
pub fn synthetic_module(code_mib: usize) -> Vec<u8> {
    wat::parse_str(synthetic_wat(code_mib))
        .expect("the synthetic module generator produced invalid text")
}
