//! Pairs: two plain instructions that often follow each other, run by one handler, which
//! saves the second one's dispatch.
//!
//! A pair is not a new encoding. The first instruction's handler word is replaced by the
//! pair's, and everything else stays as it was: the first instruction's immediates, then
//! the second instruction, handler word and immediates, untouched. The pair's handler runs
//! the first instruction with the immediates after its own word, the second with the
//! immediates after the second's word, then goes on after the second. Since the second
//! instruction is still there, whole, a branch to it (a label between the two) runs it
//! alone, as before: pairing needs to know nothing of the function's labels, and no
//! position that anything records (a branch target, a stack map, a return address) moves.
//! The translator pairs instructions once a function's code is final
//! (`FuncTranslator::pair_instructions`).
//!
//! Only forms that neither read nor write the accumulator take part: the accumulator
//! carries a value only from one instruction to the very next (see [`Cell::pass_on`]),
//! and a plain form's successor does not read it.
//!
//! The second instruction's immediates are read only once the first instruction is done
//! (a compiler fence): fetched together, both sets would need more registers than a
//! handler has free, and every run would save and restore some.

use super::*;
use crate::ir::{AnyOp, OpCode};
use core::ops::BitAnd;

/// Runs one plain instruction whose immediates are at `$at`, as its own handler would,
/// in a pair's handler (`$ip` is the pair's, for a trap).
macro_rules! step {
    // A load, fast form (memory 0, 32-bit address from a slot): `dst = mem[addr + offset]`.
    ((load $mem_t:ty => $val_t:ty), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident) => {{
        // SAFETY: `$at` is the immediates of a `Load` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const Load) };
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        let ea = unsafe { rd::<u32>($sp, imm.addr) } as usize + imm.offset as usize;
        if memory::out_of_bounds::<$mem_t>(ea, $len) {
            return trap($ctx, $ip, TrapCode::MemoryOutOfBounds);
        }
        // SAFETY: `ea + size_of::<$mem_t>() <= len` (checked just above), and
        // `mem..mem + len` is memory 0's data (see `memory.rs`); unaligned, as Wasm allows.
        let raw = unsafe { core::ptr::read_unaligned($mem.add(ea) as *const $mem_t) };
        let v = <$mem_t>::from_le(raw) as $val_t;
        // SAFETY: as for the address slot.
        unsafe { wr($sp, imm.dst, v) };
    }};
    // A store, fast form, address and value from slots: `mem[addr + offset] = src`.
    ((store $mem_t:ty), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident) => {{
        // SAFETY: `$at` is the immediates of a `Store` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const Store) };
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        let ea = unsafe { rd::<u32>($sp, imm.addr) } as usize + imm.offset as usize;
        if memory::out_of_bounds::<$mem_t>(ea, $len) {
            return trap($ctx, $ip, TrapCode::MemoryOutOfBounds);
        }
        // SAFETY: as for the address slot.
        let v: u64 = unsafe { rd($sp, imm.src) };
        // SAFETY: as for a load; nothing else borrows memory while Wasm code runs.
        unsafe { core::ptr::write_unaligned($mem.add(ea) as *mut $mem_t, (v as $mem_t).to_le()) };
    }};
    // `dst = a op imm` (i32), `$f` a commutative operation: the `ri` and `ir` forms alike.
    ((i32_ri $f:ident), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident) => {{
        // SAFETY: `$at` is the immediates of a `BinRI32` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const BinRI32) };
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        unsafe { wr($sp, imm.dst, rd::<u32>($sp, imm.a).$f(imm.imm as u32)) };
    }};
    // `dst = a op b` (i32), `$f` a commutative operation.
    ((i32_rr $f:ident), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident) => {{
        // SAFETY: `$at` is the immediates of a `BinRR` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const BinRR) };
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        unsafe {
            wr(
                $sp,
                imm.dst,
                rd::<u32>($sp, imm.a).$f(rd::<u32>($sp, imm.b)),
            )
        };
    }};
    // `dst = src`.
    ((copy), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident) => {{
        // SAFETY: `$at` is the immediates of an `Un` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const Un) };
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        unsafe { wr($sp, imm.dst, rd::<u64>($sp, imm.src)) };
    }};
    // `dst = val`.
    ((const), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident) => {{
        // SAFETY: `$at` is the immediates of a `Const` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const Const) };
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        unsafe { wr($sp, imm.dst, imm.val) };
    }};
}

/// Defines the pairs: `NAME = (first step) FirstLayout, (second step) SecondLayout, "name"`.
/// The pair's layout is the first instruction's (see the module's documentation).
macro_rules! pairs {
    ($($NAME:ident = $first:tt $LA:ty, $second:tt $LB:ty, $name:literal;)*) => {
        $(def!($NAME: $LA, $name, |imm, ip, sp, mem, len, ctx, acc| {
            step!($first, ip.add(1), ip, sp, mem, len, ctx);
            core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
            // The second instruction, whole, right after the first's immediates.
            let second = ip.add(words::<$LA>());
            step!($second, second.add(1), ip, sp, mem, len, ctx);
            jump!(second.add(words::<$LB>()), sp, mem, len, ctx, acc)
        });)*

        /// This family's instructions, for [`all`](super::all).
        pub(super) fn infos() -> Vec<OpInfo> {
            info!($($NAME: $LA),*)
        }
    };
}

pairs! {
    ADD_LOAD32_PAIR = (i32_ri wrapping_add) BinRI32, (load u32 => u32) Load, "i32.add+i32.load";
    ADDRR_LOAD32_PAIR = (i32_rr wrapping_add) BinRR, (load u32 => u32) Load, "i32.add+i32.load";
    AND_LOAD32_PAIR = (i32_ri bitand) BinRI32, (load u32 => u32) Load, "i32.and+i32.load";
    LOAD32_LOAD32_PAIR = (load u32 => u32) Load, (load u32 => u32) Load, "i32.load+i32.load";
    LOAD32_ADD_PAIR = (load u32 => u32) Load, (i32_ri wrapping_add) BinRI32, "i32.load+i32.add";
    LOAD32_COPY_PAIR = (load u32 => u32) Load, (copy) Un, "i32.load+copy";
    ADD_ADD_PAIR = (i32_ri wrapping_add) BinRI32, (i32_ri wrapping_add) BinRI32, "i32.add+i32.add";
    ADD_COPY_PAIR = (i32_ri wrapping_add) BinRI32, (copy) Un, "i32.add+copy";
    COPY_ADD_PAIR = (copy) Un, (i32_ri wrapping_add) BinRI32, "copy+i32.add";
    COPY_LOAD32_PAIR = (copy) Un, (load u32 => u32) Load, "copy+i32.load";
    COPY_CONST_PAIR = (copy) Un, (const) Const, "copy+const";
    CONST_CONST_PAIR = (const) Const, (const) Const, "const+const";
    STORE64_ADD_PAIR = (store u64) Store, (i32_ri wrapping_add) BinRI32, "store64+i32.add";
    STORE32_STORE32_PAIR = (store u32) Store, (store u32) Store, "store32+store32";
    STORE8_STORE64_PAIR = (store u8) Store, (store u64) Store, "store8+store64";
}

/// The pairs by the codes of their two instructions: an open-addressing hash table, so
/// that the translator's pass over every instruction of a function costs little.
struct PairTable {
    slots: Vec<Option<(OpCode, OpCode, AnyOp)>>,
}

/// log2 of the table's size: a few times the number of pairs, so probes stay short.
const TABLE_BITS: u32 = 8;

fn slot_of(first: OpCode, second: OpCode) -> usize {
    let h = (first.value().wrapping_mul(0x9e37_79b1) ^ second.value()).wrapping_mul(0x85eb_ca6b);
    (h >> (32 - TABLE_BITS)) as usize
}

impl PairTable {
    fn new(entries: Vec<(OpCode, OpCode, AnyOp)>) -> PairTable {
        let mut slots = vec![None; 1 << TABLE_BITS];
        assert!(entries.len() * 4 <= slots.len(), "the pair table has room");
        for (a, b, pair) in entries {
            let mut i = slot_of(a, b);
            while slots[i].is_some() {
                i = (i + 1) % slots.len();
            }
            slots[i] = Some((a, b, pair));
        }
        PairTable { slots }
    }

    fn get(&self, first: OpCode, second: OpCode) -> Option<AnyOp> {
        let mut i = slot_of(first, second);
        loop {
            match self.slots[i] {
                None => return None,
                Some((a, b, pair)) if a == first && b == second => return Some(pair),
                Some(_) => i = (i + 1) % self.slots.len(),
            }
        }
    }
}

fn pair_table() -> PairTable {
    let add = I32_ADD.imm.expect("i32.add has immediate forms");
    let and = I32_AND.imm.expect("i32.and has immediate forms");
    let (load32, copy, konst) = (I32_LOAD.r.erase(), COPY.erase(), CONST.erase());
    let mut entries: Vec<(OpCode, OpCode, AnyOp)> = Vec::new();
    let mut put = |a: AnyOp, b: AnyOp, p: AnyOp| entries.push((a.code, b.code, p));
    // (`ri` and `ir` of a commutative operation compute the same from the same
    // immediates.)
    let adds = [add.ri.erase(), add.ir.erase()];
    for a in adds {
        put(a, load32, ADD_LOAD32_PAIR.erase());
        put(a, copy, ADD_COPY_PAIR.erase());
        put(load32, a, LOAD32_ADD_PAIR.erase());
        put(copy, a, COPY_ADD_PAIR.erase());
        put(STORE64.rr.erase(), a, STORE64_ADD_PAIR.erase());
        for b in adds {
            put(a, b, ADD_ADD_PAIR.erase());
        }
    }
    for and in [and.ri.erase(), and.ir.erase()] {
        put(and, load32, AND_LOAD32_PAIR.erase());
    }
    put(I32_ADD.rr.erase(), load32, ADDRR_LOAD32_PAIR.erase());
    put(load32, load32, LOAD32_LOAD32_PAIR.erase());
    put(load32, copy, LOAD32_COPY_PAIR.erase());
    put(copy, load32, COPY_LOAD32_PAIR.erase());
    put(copy, konst, COPY_CONST_PAIR.erase());
    put(konst, konst, CONST_CONST_PAIR.erase());
    put(
        STORE32.rr.erase(),
        STORE32.rr.erase(),
        STORE32_STORE32_PAIR.erase(),
    );
    put(
        STORE8.rr.erase(),
        STORE64.rr.erase(),
        STORE8_STORE64_PAIR.erase(),
    );
    PairTable::new(entries)
}

/// Which pair, if any, runs the instruction `first` followed by `second`, by their codes.
pub(crate) fn pair_of(first: OpCode, second: OpCode) -> Option<AnyOp> {
    static TABLE: std::sync::OnceLock<PairTable> = std::sync::OnceLock::new();
    TABLE.get_or_init(pair_table).get(first, second)
}
