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
//! The accumulator carries a value only from one instruction to the very next (see
//! [`Cell::pass_on`]): a pair whose first instruction writes it (an `_a` form) has a
//! second that reads it (an `a` form), and the pair hands the value over inside; a pair
//! whose second writes it leaves it for the instruction after. Otherwise the pair passes
//! on a value it holds anyway, as single handlers do: that frees the accumulator's
//! register.
//!
//! The second instruction may be a conditional branch (the `branch` list of `pairs!`):
//! taken, it goes where it would alone, its offset counting from its own position, which
//! is still there.
//!
//! Or it may be an instruction that ends its handler in a way of its own, a call or a
//! return (the `then` list): the pair runs the first instruction, then enters the second's
//! own handler by a direct jump, at the second's position. That saves the dispatch's load
//! and indirect branch, not the handler; a call made so records its own return address and,
//! when it must grow the frame stack first, runs again alone.
//!
//! The second instruction's immediates are read only once the first instruction is done
//! (a compiler fence): fetched together, both sets would need more registers than a
//! handler has free, and every run would save and restore some.

use super::memory::load_pointer;
use super::*;
use crate::ir::{AnyOp, OpCode};
use core::ops::BitAnd;

/// `v`, unchanged, once it is loaded: an empty instruction sequence the optimiser must
/// keep where it stands (it is not `pure`), with `v` as its operand. A value loaded from
/// another memory (`m` forms) then is read before the pair's second step: sunk below that
/// step's bounds check, the load kept its memory's data and address in two more registers
/// than the handler has free, and every run saved and restored them.
#[inline(always)]
fn settled(v: u64) -> u64 {
    #[cfg(all(not(miri), any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        let mut v = v;
        // SAFETY: an empty instruction sequence; it touches no memory, stack or flags.
        unsafe {
            core::arch::asm!("/* {0} */", inout(reg) v, options(nomem, nostack, preserves_flags));
        }
        v
    }
    #[cfg(not(all(not(miri), any(target_arch = "x86_64", target_arch = "aarch64"))))]
    {
        v
    }
}

/// Runs one instruction whose immediates are at `$at`, as its own handler would, in a
/// pair's handler (`$ip` is the pair's, for a trap). `$acc` is the accumulator: `_a`
/// steps write it, `a` steps read it (a pair of the two hands the value over inside).
macro_rules! step {
    // A load, fast form (memory 0, 32-bit address from a slot): `dst = mem[addr + offset]`.
    ((load $mem_t:ty => $val_t:ty), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        let (imm, v) = step!(@load $mem_t => $val_t, $at, $ip, $sp, $mem, $len, $ctx);
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        unsafe { wr($sp, imm.dst, v) };
        $acc = Cell::pass_on(v, $acc);
    }};
    // The same, the value to the accumulator.
    ((load_a $mem_t:ty => $val_t:ty), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        let (_, v) = step!(@load $mem_t => $val_t, $at, $ip, $sp, $mem, $len, $ctx);
        $acc = Cell::into_acc(v, $acc);
    }};
    (@load $mem_t:ty => $val_t:ty, $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident) => {{
        // SAFETY: `$at` is the immediates of a `Load` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const Load) };
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        let ea = unsafe { rd::<u32>($sp, imm.addr) } as usize + imm.offset as usize;
        (imm, step!(@read $mem_t => $val_t, ea, $ip, $mem, $len, $ctx))
    }};
    // The value of type `$mem_t` at `$ea` in the memory whose data is `$mem..$mem + $len`,
    // or the out-of-bounds trap.
    (@read $mem_t:ty => $val_t:ty, $ea:expr, $ip:ident, $mem:ident, $len:ident, $ctx:ident) => {{
        let ea: usize = $ea;
        if memory::out_of_bounds::<$mem_t>(ea, $len) {
            return trap($ctx, $ip, TrapCode::MemoryOutOfBounds);
        }
        // SAFETY: `ea + size_of::<$mem_t>() <= len` (checked just above), and
        // `mem..mem + len` is the memory's data (memory 0's registers, or `memory_n`);
        // unaligned, as Wasm allows.
        let raw = unsafe { core::ptr::read_unaligned($mem.add(ea) as *const $mem_t) };
        <$mem_t>::from_le(raw) as $val_t
    }};
    // Memory `memory`'s data and length (`m` forms: memories 1 to `MEMORY_SLOTS - 1`).
    (@memory $memory:expr, $ctx:ident) => {{
        let memory: u32 = $memory;
        // SAFETY: validation proved `memory` one of the running instance's memories, and
        // the translator gives the `m` forms only to those below `MEMORY_SLOTS`, whose data
        // and lengths `Ctx::memory_bases` and `Ctx::memory_lens` hold.
        unsafe {
            (
                *$ctx.memory_bases.get_unchecked(memory as usize),
                *$ctx.memory_lens.get_unchecked(memory as usize),
            )
        }
    }};
    // A store, fast form, address and value from slots: `mem[addr + offset] = src`.
    ((store $mem_t:ty), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        // SAFETY: `$at` is the immediates of a `Store` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const Store) };
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        let (addr, v) = unsafe { (rd::<u32>($sp, imm.addr), rd::<u64>($sp, imm.src)) };
        step!(@store $mem_t, addr as usize + imm.offset as usize, v as $mem_t, $ip, $mem, $len, $ctx);
    }};
    // `i32.add.store32`: `mem[addr + offset] = a + imm`, `a` a slot or (`a` form) the
    // accumulator.
    ((add_store32 $from:ident), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        // SAFETY: `$at` is the immediates of an `AddStore` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const AddStore) };
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        let addr = unsafe { rd::<u32>($sp, imm.addr) };
        let a: u32 = step!(@operand $from, imm.a, $sp, $acc);
        step!(@store u32, addr as usize + imm.offset as usize, a.wrapping_add(imm.imm), $ip, $mem, $len, $ctx);
    }};
    (@store $mem_t:ty, $ea:expr, $v:expr, $ip:ident, $mem:ident, $len:ident, $ctx:ident) => {{
        let ea: usize = $ea;
        if memory::out_of_bounds::<$mem_t>(ea, $len) {
            return trap($ctx, $ip, TrapCode::MemoryOutOfBounds);
        }
        // SAFETY: as for a load; nothing else borrows memory while Wasm code runs.
        unsafe { core::ptr::write_unaligned($mem.add(ea) as *mut $mem_t, ($v).to_le()) };
    }};
    // A load whose value only a store of the same size takes: bytes copied.
    ((load_store $t:ty), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        // SAFETY: `$at` is the immediates of a `LoadStore` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const LoadStore) };
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        let from = unsafe { rd::<u32>($sp, imm.from) } as usize + imm.from_offset as usize;
        if memory::out_of_bounds::<$t>(from, $len) {
            return trap($ctx, $ip, TrapCode::MemoryOutOfBounds);
        }
        // SAFETY: `from + size_of::<$t>() <= len` (checked just above), as for a load.
        let v = unsafe { core::ptr::read_unaligned($mem.add(from) as *const $t) };
        // SAFETY: as for `from`.
        let to = unsafe { rd::<u32>($sp, imm.to) } as usize + imm.to_offset as usize;
        step!(@store $t, to, <$t>::from_le(v), $ip, $mem, $len, $ctx);
        // (No instruction reads a copy's accumulator: passing the value on frees the
        // accumulator's register, which two copies in a row need.)
        $acc = Cell::pass_on(<$t>::from_le(v) as u64, $acc);
    }};
    // An i32 binary operation of any form: `$form` says where the operands come from, in
    // order (`r` a slot, `i` the immediate, `a` the accumulator: `ri`, `ir`, `ai`, `ia`
    // with layout `BinRI32`; `rr`, `ra`, `ar` with `BinRR`), `$out` where the result goes
    // (`slot`: `dst`; `acc`); `$f` is the operation's semantics (`sem::i32`).
    ((bin $f:path, $form:ident, $out:ident), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {
        step!(@bin i32, BinRI32, $f, $form, $out, $at, $ip, $sp, $ctx, $acc)
    };
    // The same for an i64 operation (`sem::i64`); its immediate forms have layout `BinRI64`.
    ((bin64 $f:path, $form:ident, $out:ident), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {
        step!(@bin i64, BinRI64, $f, $form, $out, $at, $ip, $sp, $ctx, $acc)
    };
    (@bin $t:ty, $ri:ident, $f:path, $form:ident, $out:ident, $at:expr, $ip:ident, $sp:ident, $ctx:ident, $acc:ident) => {{
        let (dst, lhs, rhs): (u32, $t, $t) = step!(@bin_operands $ri, $form, $at, $sp, $acc);
        let v = match $f(lhs, rhs) {
            Ok(v) => v,
            Err(code) => return trap($ctx, $ip, code),
        };
        step!(@result $out, dst, v, $sp, $acc);
    }};
    // The operands of a binary operation in form `$form`; `$ri` is the layout of the
    // immediate forms (`BinRI32` or `BinRI64`).
    (@bin_operands $ri:ident, ri, $at:expr, $sp:ident, $acc:ident) => {{
        // SAFETY: `$at` is the immediates of a `$ri` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const $ri) };
        (imm.dst, step!(@operand slot, imm.a, $sp, $acc), imm.imm)
    }};
    (@bin_operands $ri:ident, ir, $at:expr, $sp:ident, $acc:ident) => {{
        // SAFETY: as for `ri`.
        let imm = unsafe { *($at as *const $ri) };
        (imm.dst, imm.imm, step!(@operand slot, imm.a, $sp, $acc))
    }};
    (@bin_operands $ri:ident, ai, $at:expr, $sp:ident, $acc:ident) => {{
        // SAFETY: as for `ri`.
        let imm = unsafe { *($at as *const $ri) };
        (imm.dst, Cell::from_acc($acc), imm.imm)
    }};
    (@bin_operands $ri:ident, ia, $at:expr, $sp:ident, $acc:ident) => {{
        // SAFETY: as for `ri`.
        let imm = unsafe { *($at as *const $ri) };
        (imm.dst, imm.imm, Cell::from_acc($acc))
    }};
    (@bin_operands $ri:ident, ra, $at:expr, $sp:ident, $acc:ident) => {{
        // SAFETY: `$at` is the immediates of a `BinRR` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const BinRR) };
        (imm.dst, step!(@operand slot, imm.a, $sp, $acc), Cell::from_acc($acc))
    }};
    (@bin_operands $ri:ident, ar, $at:expr, $sp:ident, $acc:ident) => {{
        // SAFETY: as for `ra`.
        let imm = unsafe { *($at as *const BinRR) };
        (imm.dst, Cell::from_acc($acc), step!(@operand slot, imm.b, $sp, $acc))
    }};
    // A load from the address in the accumulator (the `a` form), to `dst`.
    ((load_at_acc $mem_t:ty => $val_t:ty), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        // SAFETY: `$at` is the immediates of a `Load` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const Load) };
        let ea = $acc.i as u32 as usize + imm.offset as usize;
        if memory::out_of_bounds::<$mem_t>(ea, $len) {
            return trap($ctx, $ip, TrapCode::MemoryOutOfBounds);
        }
        // SAFETY: `ea + size_of::<$mem_t>() <= len` (checked just above), and
        // `mem..mem + len` is memory 0's data (see `memory.rs`); unaligned, as Wasm allows.
        let raw = unsafe { core::ptr::read_unaligned($mem.add(ea) as *const $mem_t) };
        let v = <$mem_t>::from_le(raw) as $val_t;
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        unsafe { wr($sp, imm.dst, v) };
        $acc = Cell::pass_on(v, $acc);
    }};
    // The same, the value to the accumulator (the `a_a` form).
    ((load_at_acc_a $mem_t:ty => $val_t:ty), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        // SAFETY: `$at` is the immediates of a `Load` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const Load) };
        let ea = $acc.i as u32 as usize + imm.offset as usize;
        let v = step!(@read $mem_t => $val_t, ea, $ip, $mem, $len, $ctx);
        $acc = Cell::into_acc(v, $acc);
    }};
    // `dst = a op imm` (i32), `$f` a commutative operation: the `ri` and `ir` forms alike;
    // `a` a slot, or (`ai`) the accumulator; the result to `dst`, or (`_a`) the accumulator.
    ((i32_ri $f:ident), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {
        step!(@i32_imm $f, slot, slot, $at, $sp, $acc)
    };
    ((i32_ai $f:ident), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {
        step!(@i32_imm $f, acc, slot, $at, $sp, $acc)
    };
    ((i32_ai_a $f:ident), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {
        step!(@i32_imm $f, acc, acc, $at, $sp, $acc)
    };
    (@i32_imm $f:ident, $from:ident, $to:ident, $at:expr, $sp:ident, $acc:ident) => {{
        // SAFETY: `$at` is the immediates of a `BinRI32` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const BinRI32) };
        let a: u32 = step!(@operand $from, imm.a, $sp, $acc);
        step!(@result $to, imm.dst, a.$f(imm.imm as u32), $sp, $acc);
    }};
    // `dst = a op imm` (i64), `$f` taking the immediate as is (`bitand`) or as a shift count
    // (`wrapping_shr`, the `ri` form only); the result to `dst` or (`_a`) the accumulator.
    ((i64_ri $f:ident $conv:ty), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {
        step!(@i64_imm $f $conv, slot, $at, $sp, $acc)
    };
    ((i64_ri_a $f:ident $conv:ty), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {
        step!(@i64_imm $f $conv, acc, $at, $sp, $acc)
    };
    (@i64_imm $f:ident $conv:ty, $to:ident, $at:expr, $sp:ident, $acc:ident) => {{
        // SAFETY: `$at` is the immediates of a `BinRI64` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const BinRI64) };
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        let a = unsafe { rd::<u64>($sp, imm.a) };
        step!(@result $to, imm.dst, a.$f(imm.imm as $conv), $sp, $acc);
    }};
    // `dst = a op b` (i32), `$f` a commutative operation.
    ((i32_rr $f:ident), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        // SAFETY: `$at` is the immediates of a `BinRR` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const BinRR) };
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        let v = unsafe { rd::<u32>($sp, imm.a).$f(rd::<u32>($sp, imm.b)) };
        // SAFETY: as for the operands.
        unsafe { wr($sp, imm.dst, v) };
        $acc = Cell::pass_on(v, $acc);
    }};
    // `i32.add_shr_u_and`: `dst = a + ((b >> shift) & mask)`.
    ((add_shr_u_and), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        // SAFETY: `$at` is the immediates of an `AddShrAnd` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const AddShrAnd) };
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        let v = unsafe {
            let field = rd::<u32>($sp, imm.b).wrapping_shr(imm.shift) & imm.mask;
            rd::<u32>($sp, imm.a).wrapping_add(field)
        };
        // SAFETY: as for the operands.
        unsafe { wr($sp, imm.dst, v) };
        $acc = Cell::pass_on(v, $acc);
    }};
    // `i32.wrap_i64`: `dst = src as i32`, `src` a slot or (`a` form) the accumulator.
    ((wrap $from:ident), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        // SAFETY: `$at` is the immediates of an `Un` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const Un) };
        let v: u64 = step!(@operand $from, imm.src, $sp, $acc);
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        unsafe { wr($sp, imm.dst, v as u32) };
        $acc = Cell::pass_on(v as u32, $acc);
    }};
    // `dst = src`.
    ((copy), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        // SAFETY: `$at` is the immediates of an `Un` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const Un) };
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        unsafe { wr($sp, imm.dst, rd::<u64>($sp, imm.src)) };
    }};
    // `dst1 = src1`, then `dst2 = src2`.
    ((copy2), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        // SAFETY: `$at` is the immediates of a `Copy2` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const Copy2) };
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        unsafe { wr($sp, imm.dst1, rd::<u64>($sp, imm.src1)) };
        // The second copy's slots are read after the first store (as `COPY2` does): fewer
        // registers live at once.
        core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
        // SAFETY: as for the first copy; `$at` still holds a `Copy2`.
        let imm = unsafe { *($at as *const Copy2) };
        // SAFETY: as for the first copy.
        unsafe { wr($sp, imm.dst2, rd::<u64>($sp, imm.src2)) };
    }};
    // A load from `a + imm + offset`, the sum wrapping at 32 bits (layout `LoadRI`: an
    // `i32.add` of a constant folded in, as compilers address a field they may not put in
    // the offset), the value to slot `dst`.
    ((load_ri $mem_t:ty => $val_t:ty), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        // SAFETY: `$at` is the immediates of a `LoadRI` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const LoadRI) };
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        let a = unsafe { rd::<u32>($sp, imm.a) };
        let ea = a.wrapping_add(imm.imm) as usize + imm.offset as usize;
        let v = step!(@read $mem_t => $val_t, ea, $ip, $mem, $len, $ctx);
        // SAFETY: as above.
        unsafe { wr($sp, imm.dst, v) };
        $acc = Cell::pass_on(v, $acc);
    }};
    // A load from `a + b + offset` (layout `LoadRR`: an `i32.add` of two slots folded
    // in), the value to the accumulator.
    ((load_rr_a $mem_t:ty => $val_t:ty), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        // SAFETY: `$at` is the immediates of a `LoadRR` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const LoadRR) };
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        let (a, b) = unsafe { (rd::<u32>($sp, imm.a), rd::<u32>($sp, imm.b)) };
        let ea = a.wrapping_add(b) as usize + imm.offset as usize;
        let v = step!(@read $mem_t => $val_t, ea, $ip, $mem, $len, $ctx);
        $acc = Cell::into_acc(v, $acc);
    }};
    // The same two from memory `memory` (`m` forms: `LoadM`, address from a slot;
    // `LoadMRR`, address `a + b`), the value to the accumulator.
    ((load_m_a $mem_t:ty => $val_t:ty), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        // SAFETY: `$at` is the immediates of a `LoadM` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const LoadM) };
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        let ea = unsafe { rd::<u32>($sp, imm.addr) } as usize + imm.offset as usize;
        let (base, bytes) = step!(@memory imm.memory, $ctx);
        let v = step!(@read $mem_t => $val_t, ea, $ip, base, bytes, $ctx);
        $acc = Cell::into_acc(<$val_t>::from_cell(settled(v.to_cell())), $acc);
    }};
    ((load_m_rr_a $mem_t:ty => $val_t:ty), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        // SAFETY: `$at` is the immediates of a `LoadMRR` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const LoadMRR) };
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        let (a, b) = unsafe { (rd::<u32>($sp, imm.a), rd::<u32>($sp, imm.b)) };
        let ea = a.wrapping_add(b) as usize + imm.offset as usize;
        let (base, bytes) = step!(@memory imm.memory, $ctx);
        let v = step!(@read $mem_t => $val_t, ea, $ip, base, bytes, $ctx);
        $acc = Cell::into_acc(<$val_t>::from_cell(settled(v.to_cell())), $acc);
    }};
    // A store of the accumulator (the `va` form): `mem[addr + offset] = acc`.
    ((store_a $mem_t:ty), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        // SAFETY: `$at` is the immediates of a `Store` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const Store) };
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        let addr = unsafe { rd::<u32>($sp, imm.addr) };
        step!(@store $mem_t, addr as usize + imm.offset as usize, $acc.i as $mem_t, $ip, $mem, $len, $ctx);
    }};
    // A store of the accumulator at `a + b + offset` (`StoreSum`, the `sum_va` form: an
    // `i32.add` of two slots folded in).
    ((store_sum_a $mem_t:ty), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        // SAFETY: `$at` is the immediates of a `StoreSum` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const StoreSum) };
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        let (a, b) = unsafe { (rd::<u32>($sp, imm.a), rd::<u32>($sp, imm.b)) };
        let ea = a.wrapping_add(b) as usize + imm.offset as usize;
        step!(@store $mem_t, ea, $acc.i as $mem_t, $ip, $mem, $len, $ctx);
    }};
    // The same into memory `memory` (`StoreM`, the `m_va` form).
    ((store_m_a $mem_t:ty), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        // SAFETY: `$at` is the immediates of a `StoreM` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const StoreM) };
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        let ea = unsafe { rd::<u32>($sp, imm.addr) } as usize + imm.offset as usize;
        // The memory's index is read only once the address is made: all the immediates
        // read at once, with the value held, needed a register more than the handler has.
        core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
        // SAFETY: as above.
        let memory = unsafe { *($at as *const StoreM) }.memory;
        let (base, bytes) = step!(@memory memory, $ctx);
        step!(@store $mem_t, ea, $acc.i as $mem_t, $ip, base, bytes, $ctx);
    }};
    // `global.get.add` (`set`: `global.get.add.set`): `dst = global + imm`, `$T` an `i32`
    // or `i64` add; with `set`, the sum also to the global (a C function's prologue).
    ((global_add $T:ty, $set:ident), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        // SAFETY: `$at` is the immediates of a `GlobalAdd` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const GlobalAdd) };
        // SAFETY: as for `GLOBAL_GET_ADD` and `GLOBAL_GET_ADD_SET` (values.rs): the global
        // index was proved by validation (mutable, for `set`), its cell lives as long as
        // the store, and the running instance is `ctx.inst`.
        let cell = unsafe { global_cell($ctx, imm.global) };
        // SAFETY: as just above.
        let v = (unsafe { *cell } as $T).wrapping_add(imm.imm as $T);
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        unsafe { wr($sp, imm.slot, v) };
        step!(@global_store $set, cell, v);
        $acc = Cell::pass_on(v, $acc);
    }};
    (@global_store set, $cell:ident, $v:ident) => {
        // SAFETY: see `global_add`.
        unsafe { *$cell = $v.to_cell() }
    };
    (@global_store get, $cell:ident, $v:ident) => {};
    // `i32.load.i32.load`: `dst = *(*(addr + inner) + offset)`.
    ((load_load32), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        // SAFETY: `$at` is the immediates of a `LoadLoad` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const LoadLoad) };
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        let v = unsafe { load_pointer!(imm, $ip, $sp, $mem, $len, $ctx) };
        // SAFETY: as for the address.
        unsafe { wr($sp, imm.dst, v) };
        $acc = Cell::pass_on(v, $acc);
    }};
    // The same, the value to the accumulator.
    ((load_load32_a), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        // SAFETY: `$at` is the immediates of a `LoadLoad` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const LoadLoad) };
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        let v = unsafe { load_pointer!(imm, $ip, $sp, $mem, $len, $ctx) };
        $acc = Cell::into_acc(v, $acc);
    }};
    // `dst = val`.
    ((const), $at:expr, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        // SAFETY: `$at` is the immediates of a `Const` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const Const) };
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        unsafe { wr($sp, imm.dst, imm.val) };
    }};
    // An operand: the slot `$slot`, or the accumulator.
    (@operand slot, $slot:expr, $sp:ident, $acc:ident) => {
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        Cell::from_cell(unsafe { rd::<u64>($sp, $slot) })
    };
    (@operand acc, $slot:expr, $sp:ident, $acc:ident) => {
        Cell::from_acc($acc)
    };
    // A result: to the slot `$slot`, or to the accumulator.
    (@result slot, $slot:expr, $v:expr, $sp:ident, $acc:ident) => {{
        let v = $v;
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        unsafe { wr($sp, $slot, v) };
        $acc = Cell::pass_on(v, $acc);
    }};
    (@result acc, $slot:expr, $v:expr, $sp:ident, $acc:ident) => {
        $acc = Cell::into_acc($v, $acc)
    };
}

/// Whether the conditional branch whose immediates are at `$at` is taken, and its offset
/// (from the branch's own position, as for the branch alone).
macro_rules! branch {
    ((eqz), $at:expr, $sp:ident) => {{
        // SAFETY: `$at` is the immediates of a `BrCond` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const BrCond) };
        // SAFETY: slots named in immediates are inside the frame (translation invariant).
        (unsafe { rd::<u32>($sp, imm.cond) } == 0, imm.offset)
    }};
    ((nez), $at:expr, $sp:ident) => {{
        // SAFETY: as for `eqz`.
        let imm = unsafe { *($at as *const BrCond) };
        // SAFETY: as for `eqz`.
        (unsafe { rd::<u32>($sp, imm.cond) } != 0, imm.offset)
    }};
    // A `br`: always taken.
    ((always), $at:expr, $sp:ident) => {{
        // SAFETY: `$at` is the immediates of a `Br` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const Br) };
        (true, imm.offset)
    }};
    // A comparison of a slot with an immediate (`$L`: `BrCmpRI32`, `BrCmpRI64`).
    ((cmp_ri $f:path, $L:ty), $at:expr, $sp:ident) => {{
        // SAFETY: `$at` is the immediates of a `$L` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const $L) };
        // SAFETY: as for `eqz`.
        let a = unsafe { rd($sp, imm.a) };
        (matches!($f(a, imm.imm), Ok(true)), imm.offset)
    }};
    // A comparison of two slots.
    ((cmp_rr $f:path), $at:expr, $sp:ident) => {{
        // SAFETY: `$at` is the immediates of a `BrCmpRR` (the pair's table, `pairs`).
        let imm = unsafe { *($at as *const BrCmpRR) };
        // SAFETY: as for `eqz`.
        let (a, b) = unsafe { (rd($sp, imm.a), rd($sp, imm.b)) };
        (matches!($f(a, b), Ok(true)), imm.offset)
    }};
}

/// Defines the pairs, in three lists: `plain { NAME = (first step) FirstLayout, (second
/// step) SecondLayout, "name"; ... }`; `branch { NAME = (first step) FirstLayout,
/// (branch) BranchLayout, "name"; ... }` for those whose second instruction is a
/// conditional branch; and `then { NAME = (first step) FirstLayout, SECOND, "name"; ... }`
/// for those whose second is an instruction `SECOND` that ends its handler in a way of its
/// own (a call, a return): the pair enters `SECOND`'s handler by a direct jump. The
/// pair's layout is the first instruction's (see the module's documentation).
macro_rules! pairs {
    (
        plain { $($NAME:ident = $first:tt $LA:ty, $second:tt $LB:ty, $name:literal;)* }
        branch { $($BNAME:ident = $bfirst:tt $BLA:ty, $branch:tt $BLB:ty, $bname:literal;)* }
        then { $($TNAME:ident = $tfirst:tt $TLA:ty, $THEN:expr, $tname:literal;)* }
    ) => {
        $(pairs!(@pair $NAME, $first $LA, step $second $LB, $name);)*
        $(pairs!(@pair $BNAME, $bfirst $BLA, branch $branch $BLB, $bname);)*
        $(pairs!(@pair $TNAME, $tfirst $TLA, then ($THEN) Nothing, $tname);)*

        /// The pairs, for [`infos`].
        fn pair_infos() -> Vec<OpInfo> {
            info!($($NAME: $LA,)* $($BNAME: $BLA,)* $($TNAME: $TLA),*)
        }
    };
    // One pair's handler: the first instruction, then the second as `$how` says.
    (@pair $NAME:ident, $first:tt $LA:ty, $how:ident $second:tt $LB:ty, $name:literal) => {
        def!($NAME: $LA, $name, |imm, ip, sp, mem, len, ctx, acc| {
            // (A first step that writes the accumulator overwrites the incoming value.)
            #[allow(unused_assignments)]
            let mut acc = acc;
            step!($first, ip.add(1), ip, sp, mem, len, ctx, acc);
            // (Read here so that a second step that overwrites the accumulator does not
            // leave the first's value unread, which the compiler would warn about.)
            let _after_first = acc;
            core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
            // The second instruction, whole, right after the first's immediates.
            let second = ip.add(words::<$LA>());
            pairs!(@second $how $second $LB, second, ip, sp, mem, len, ctx, acc)
        });
    };
    // A plain second instruction: run it, then go on after it.
    (@second step $second:tt $LB:ty, $at:ident, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        step!($second, $at.add(1), $ip, $sp, $mem, $len, $ctx, $acc);
        jump!($at.add(words::<$LB>()), $sp, $mem, $len, $ctx, $acc)
    }};
    // An instruction that ends its handler in a way of its own: its handler, entered by a
    // direct jump (no load of its word, no indirect branch to predict), runs it where it
    // stands, as a dispatch to it would; a trap or a call records its own position.
    (@second then ($THEN:expr) $LB:ty, $at:ident, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        $crate::exec::dispatch::tail!($THEN.handler, $at, $sp, $mem, $len, $ctx, $acc)
    }};
    // A conditional branch: taken, it goes where it would alone (its offset counts from
    // its own position, inside the pair); else on after it.
    (@second branch $cond:tt $LB:ty, $at:ident, $ip:ident, $sp:ident, $mem:ident, $len:ident, $ctx:ident, $acc:ident) => {{
        let (taken, offset) = branch!($cond, $at.add(1), $sp);
        if taken {
            jump!($at.offset(offset as isize), $sp, $mem, $len, $ctx, $acc)
        }
        jump!($at.add(words::<$LB>()), $sp, $mem, $len, $ctx, $acc)
    }};
}

/// This family's instructions, for [`all`](super::all).
pub(super) fn infos() -> Vec<OpInfo> {
    pair_infos()
}

pairs! {
    plain {
        ADD_LOAD32_PAIR = (i32_ri wrapping_add) BinRI32, (load u32 => u32) Load, "i32.add+i32.load";
        ADDRR_LOAD32_PAIR = (i32_rr wrapping_add) BinRR, (load u32 => u32) Load, "i32.add+i32.load";
        AND_LOAD32_PAIR = (i32_ri bitand) BinRI32, (load u32 => u32) Load, "i32.and+i32.load";
        LOAD32_LOAD32_PAIR = (load u32 => u32) Load, (load u32 => u32) Load, "i32.load+i32.load";
        LOAD8U_RI_LOAD8U_RI_PAIR = (load_ri u8 => u32) LoadRI, (load_ri u8 => u32) LoadRI, "i32.load8_u+i32.load8_u";
        LOAD32_ADD_PAIR = (load u32 => u32) Load, (i32_ri wrapping_add) BinRI32, "i32.load+i32.add";
        LOAD32_COPY_PAIR = (load u32 => u32) Load, (copy) Un, "i32.load+copy";
        LOAD32_COPY2_PAIR = (load u32 => u32) Load, (copy2) Copy2, "i32.load+copy2";
        LOAD32_ADD_STORE32_PAIR = (load u32 => u32) Load, (add_store32 slot) AddStore, "i32.load+i32.add.store32";
        LOAD32_A_ADD_STORE32_A_PAIR = (load_a u32 => u32) Load, (add_store32 acc) AddStore, "i32.load+i32.add.store32";
        LOAD8U_A_AND_PAIR = (load_a u8 => u32) Load, (i32_ai bitand) BinRI32, "i32.load8_u+i32.and";
        LOAD8U_A_AND_A_PAIR = (load_a u8 => u32) Load, (i32_ai_a bitand) BinRI32, "i32.load8_u+i32.and";
        ADD_ADD_PAIR = (i32_ri wrapping_add) BinRI32, (i32_ri wrapping_add) BinRI32, "i32.add+i32.add";
        ADD_COPY_PAIR = (i32_ri wrapping_add) BinRI32, (copy) Un, "i32.add+copy";
        ADD_SHR_U_AND_PAIR = (add_shr_u_and) AddShrAnd, (add_shr_u_and) AddShrAnd, "i32.add_shr_u_and+i32.add_shr_u_and";
        I64_SHR_U_A_WRAP_PAIR = (i64_ri_a wrapping_shr u32) BinRI64, (wrap acc) Un, "i64.shr_u+i32.wrap_i64";
        WRAP_LOAD32_PAIR = (wrap slot) Un, (load u32 => u32) Load, "i32.wrap_i64+i32.load";
        COPY_ADD_PAIR = (copy) Un, (i32_ri wrapping_add) BinRI32, "copy+i32.add";
        COPY_LOAD32_PAIR = (copy) Un, (load u32 => u32) Load, "copy+i32.load";
        COPY_CONST_PAIR = (copy) Un, (const) Const, "copy+const";
        COPY_I64_AND_PAIR = (copy) Un, (i64_ri bitand u64) BinRI64, "copy+i64.and";
        COPY2_CONST_PAIR = (copy2) Copy2, (const) Const, "copy2+const";
        COPY2_ADD_PAIR = (copy2) Copy2, (i32_ri wrapping_add) BinRI32, "copy2+i32.add";
        COPY2_ADD_STORE32_PAIR = (copy2) Copy2, (add_store32 slot) AddStore, "copy2+i32.add.store32";
        CONST_CONST_PAIR = (const) Const, (const) Const, "const+const";
        STORE64_ADD_PAIR = (store u64) Store, (i32_ri wrapping_add) BinRI32, "store64+i32.add";
        STORE32_STORE32_PAIR = (store u32) Store, (store u32) Store, "store32+store32";
        STORE8_STORE64_PAIR = (store u8) Store, (store u64) Store, "store8+store64";
        LOAD_STORE64_LOAD_STORE8_PAIR = (load_store u64) LoadStore, (load_store u8) LoadStore, "i64.load.store64+i32.load8.store8";
        // A struct copied field by field (`*q = *p`, unrolled by the compiler).
        LOAD_STORE32_PAIR = (load_store u32) LoadStore, (load_store u32) LoadStore, "i32.load.store32+i32.load.store32";
        LOAD_STORE64_PAIR = (load_store u64) LoadStore, (load_store u64) LoadStore, "i64.load.store64+i64.load.store64";
        // A field and a constant added (`p->n + k`), for a slot or the next instruction.
        LOAD32_A_ADD_AI_PAIR = (load_a u32 => u32) Load, (bin sem::i32::add, ai, slot) BinRI32, "i32.load+i32.add";
        LOAD32_A_ADD_AI_A_PAIR = (load_a u32 => u32) Load, (bin sem::i32::add, ai, acc) BinRI32, "i32.load+i32.add";
        // Chains through the accumulator (hashing, bit fields, address arithmetic).
        ADD_AI_ADD_SHR_U_AND_PAIR = (bin sem::i32::add, ai, slot) BinRI32, (add_shr_u_and) AddShrAnd, "i32.add+i32.add_shr_u_and";
        ADD_AI_LOAD32_PAIR = (bin sem::i32::add, ai, slot) BinRI32, (load u32 => u32) Load, "i32.add+i32.load";
        MUL_AI_A_ADD_RA_PAIR = (bin sem::i32::mul, ai, acc) BinRI32, (bin sem::i32::add, ra, slot) BinRR, "i32.mul+i32.add";
        LOAD8U_A_SHL_IA_A_PAIR = (load_a u8 => u32) Load, (bin sem::i32::shl, ia, acc) BinRI32, "i32.load8_u+i32.shl";
        XOR_AI_A_AND_RA_A_PAIR = (bin sem::i32::xor, ai, acc) BinRI32, (bin sem::i32::and, ra, acc) BinRR, "i32.xor+i32.and";
        SHR_U_RI_A_ADD_AI_PAIR = (bin sem::i32::shr_u, ri, acc) BinRI32, (bin sem::i32::add, ai, slot) BinRI32, "i32.shr_u+i32.add";
        SHL_AI_A_ADD_RA_A_PAIR = (bin sem::i32::shl, ai, acc) BinRI32, (bin sem::i32::add, ra, acc) BinRR, "i32.shl+i32.add";
        XOR_AI_A_SHL_AI_A_PAIR = (bin sem::i32::xor, ai, acc) BinRI32, (bin sem::i32::shl, ai, acc) BinRI32, "i32.xor+i32.shl";
        // A xorshift step, `x ^= x << k` or `x ^= x >> k` (PRNGs, hash finalisers).
        SHL_RI_A_XOR_RA_PAIR = (bin sem::i32::shl, ri, acc) BinRI32, (bin sem::i32::xor, ra, slot) BinRR, "i32.shl+i32.xor";
        SHR_U_RI_A_XOR_RA_PAIR = (bin sem::i32::shr_u, ri, acc) BinRI32, (bin sem::i32::xor, ra, slot) BinRR, "i32.shr_u+i32.xor";
        I64_SHL_RI_A_XOR_RA_PAIR = (bin64 sem::i64::shl, ri, acc) BinRI64, (bin64 sem::i64::xor, ra, slot) BinRR, "i64.shl+i64.xor";
        I64_SHR_U_RI_A_XOR_RA_PAIR = (bin64 sem::i64::shr_u, ri, acc) BinRI64, (bin64 sem::i64::xor, ra, slot) BinRR, "i64.shr_u+i64.xor";
        // Hash rounds: FNV-1a's `h = (h ^ byte) * prime`; xxHash's and murmur's
        // `acc += lane * prime; acc = rotl(acc, r); acc *= prime`.
        I64_XOR_RA_A_MUL_IA_PAIR = (bin64 sem::i64::xor, ra, acc) BinRR, (bin64 sem::i64::mul, ia, slot) BinRI64, "i64.xor+i64.mul";
        I64_MUL_IA_A_ADD_RA_A_PAIR = (bin64 sem::i64::mul, ia, acc) BinRI64, (bin64 sem::i64::add, ra, acc) BinRR, "i64.mul+i64.add";
        I64_ROTL_AI_A_MUL_IA_PAIR = (bin64 sem::i64::rotl, ai, acc) BinRI64, (bin64 sem::i64::mul, ia, slot) BinRI64, "i64.rotl+i64.mul";
        WRAP_LOAD32_A_PAIR = (wrap slot) Un, (load_a u32 => u32) Load, "i32.wrap_i64+i32.load";
        ADD_RA_A_LOAD32_AT_ACC_PAIR = (bin sem::i32::add, ra, acc) BinRR, (load_at_acc u32 => u32) Load, "i32.add+i32.load";
        ADD_IR_ADD_IR_A_PAIR = (bin sem::i32::add, ir, slot) BinRI32, (bin sem::i32::add, ir, acc) BinRI32, "i32.add+i32.add";
        LOAD32_A_AND_AR_A_PAIR = (load_a u32 => u32) Load, (bin sem::i32::and, ar, acc) BinRR, "i32.load+i32.and";
        LOAD32_A_ADD_AR_PAIR = (load_a u32 => u32) Load, (bin sem::i32::add, ar, slot) BinRR, "i32.load+i32.add";
        // Two fields read one after the other (`a = p->x; b = q->y`), the second for the
        // next instruction; a field decremented (`p->n - k`, `--p->n`); a store followed
        // by a read, through the accumulator or not (`p->x = v; w = q->y`).
        LOAD32_LOAD32_A_PAIR = (load u32 => u32) Load, (load_a u32 => u32) Load, "i32.load+i32.load";
        LOAD32_A_SUB_AI_A_PAIR = (load_a u32 => u32) Load, (bin sem::i32::sub, ai, acc) BinRI32, "i32.load+i32.sub";
        LOAD32_A_SUB_AI_PAIR = (load_a u32 => u32) Load, (bin sem::i32::sub, ai, slot) BinRI32, "i32.load+i32.sub";
        STORE32_VA_LOAD32_PAIR = (store_a u32) Store, (load u32 => u32) Load, "store32+i32.load";
        STORE32_VA_LOAD32_A_PAIR = (store_a u32) Store, (load_a u32 => u32) Load, "store32+i32.load";
        // A word copied through the accumulator from a pointer's field (`*q = p->x`,
        // `*q = p->a->x`).
        LOAD32_AT_ACC_A_STORE32_VA_PAIR = (load_at_acc_a u32 => u32) Load, (store_a u32) Store, "i32.load+store32";
        LOAD_LOAD32_A_STORE32_VA_PAIR = (load_load32_a) LoadLoad, (store_a u32) Store, "i32.load.i32.load+store32";
        // A byte copied through the accumulator (`dst[i] = src[i]`, a copy loop); a sum
        // stored as soon as it is made (`*p = a + b`).
        LOAD8U_RR_A_STORE8_VA_PAIR = (load_rr_a u8 => u32) LoadRR, (store_a u8) Store, "i32.load8_u+store8";
        // The same at an index (`dst[i] = src[i]`: a C library's byte loop).
        LOAD8U_RR_A_STORE8_SUM_VA_PAIR = (load_rr_a u8 => u32) LoadRR, (store_sum_a u8) StoreSum, "i32.load8_u+store8";
        ADD_RA_A_STORE32_VA_PAIR = (bin sem::i32::add, ra, acc) BinRR, (store_a u32) Store, "i32.add+store32";
        // The same in another memory (multi-memory: copies between memories), and a word
        // copied through the accumulator there (memory 0 has `i64.load.store64` for it).
        LOAD8U_M_RR_A_STORE8_M_VA_PAIR = (load_m_rr_a u8 => u32) LoadMRR, (store_m_a u8) StoreM, "i32.load8_u+store8";
        ADD_RA_A_STORE32_M_VA_PAIR = (bin sem::i32::add, ra, acc) BinRR, (store_m_a u32) StoreM, "i32.add+store32";
        LOAD64_M_A_STORE64_M_VA_PAIR = (load_m_a u64 => u64) LoadM, (store_m_a u64) StoreM, "i64.load+store64";
        // A C function's prologue (`sp = __stack_pointer - N`), then its first spill.
        GLOBAL_GET_ADD_STORE32_PAIR = (global_add u32, get) GlobalAdd, (store u32) Store, "global.get.add+store32";
        GLOBAL_GET_ADD_SET_STORE32_PAIR = (global_add u32, set) GlobalAdd, (store u32) Store, "global.get.add.set+store32";
    }
    branch {
        AND_AI_BR_IF_EQZ_PAIR = (bin sem::i32::and, ai, slot) BinRI32, (eqz) BrCond, "i32.and+br_if_eqz";
        COPY_BR_IF_NEZ_PAIR = (copy) Un, (nez) BrCond, "copy+br_if_nez";
        COPY_BR_IF_EQZ_PAIR = (copy) Un, (eqz) BrCond, "copy+br_if_eqz";
        LOAD32_BR_I32_LT_S_RI_PAIR = (load u32 => u32) Load, (cmp_ri sem::i32::lt_s, BrCmpRI32) BrCmpRI32, "i32.load+br_if.i32.lt_s";
        LOAD32_BR_I32_EQ_PAIR = (load u32 => u32) Load, (cmp_rr sem::i32::eq) BrCmpRR, "i32.load+br_if.i32.eq";
        LOAD32_BR_I32_NE_PAIR = (load u32 => u32) Load, (cmp_rr sem::i32::ne) BrCmpRR, "i32.load+br_if.i32.ne";
        // A field through a pointer compared with a constant (`p->type->kind == K`,
        // `Py_TYPE(o) == &T`).
        LOAD_LOAD32_BR_I32_EQ_RI_PAIR = (load_load32) LoadLoad, (cmp_ri sem::i32::eq, BrCmpRI32) BrCmpRI32, "i32.load.i32.load+br_if.i32.eq";
        LOAD_LOAD32_BR_I32_NE_RI_PAIR = (load_load32) LoadLoad, (cmp_ri sem::i32::ne, BrCmpRI32) BrCmpRI32, "i32.load.i32.load+br_if.i32.ne";
        // A field read into a local and tested (`if ((x = p->next) == 0)`).
        // A store that ends an `if` arm or a loop's body, and the `br` to the join.
        STORE32_VA_BR_PAIR = (store_a u32) Store, (always) Br, "store32+br";
        STORE32_BR_PAIR = (store u32) Store, (always) Br, "store32+br";
        LOAD32_BR_IF_EQZ_PAIR = (load u32 => u32) Load, (eqz) BrCond, "i32.load+br_if_eqz";
        LOAD32_BR_IF_NEZ_PAIR = (load u32 => u32) Load, (nez) BrCond, "i32.load+br_if_nez";
        ADD_STORE32_BR_I32_GT_S_RI_PAIR = (add_store32 slot) AddStore, (cmp_ri sem::i32::gt_s, BrCmpRI32) BrCmpRI32, "i32.add.store32+br_if.i32.gt_s";
        LOAD32_AT_ACC_BR_IF_EQZ_PAIR = (load_at_acc u32 => u32) Load, (eqz) BrCond, "i32.load+br_if_eqz";
        I64_AND_BR_I64_EQ_RI_PAIR = (i64_ri bitand u64) BinRI64, (cmp_ri sem::i64::eq, BrCmpRI64) BrCmpRI64, "i64.and+br_if.i64.eq";
    }
    then {
        // An argument loaded or set right before a call (`f(p->x)`).
        LOAD32_CALL_PAIR = (load u32 => u32) Load, CALL, "i32.load+call";
        LOAD_LOAD32_CALL_PAIR = (load_load32) LoadLoad, CALL, "i32.load.i32.load+call";
        CONST_CALL_PAIR = (const) Const, CALL, "const+call";
        // A result loaded right before the return (`return p->x`), with or without a
        // shadow-stack epilogue.
        LOAD32_RETURN_SLOT_PAIR = (load u32 => u32) Load, RETURN_SLOT, "i32.load+return.slot";
        LOAD_LOAD32_RETURN_SLOT_PAIR = (load_load32) LoadLoad, RETURN_SLOT, "i32.load.i32.load+return.slot";
        LOAD32_GLOBAL_SET_ADD_RETURN_SLOT_PAIR = (load u32 => u32) Load, GLOBAL_SET_ADD_RETURN_SLOT, "i32.load+add.global.set.return.slot";
        COPY_GLOBAL_SET_ADD_RETURN_SLOT_PAIR = (copy) Un, GLOBAL_SET_ADD_RETURN_SLOT, "copy+add.global.set.return.slot";
    }
}

/// The pairs by the codes of their two instructions: an open-addressing hash table, so
/// that the translator's pass over every instruction of a function costs little.
pub(crate) struct PairTable {
    slots: Vec<Option<(OpCode, OpCode, AnyOp)>>,
    /// A filter on first instructions: bit `code % 256` is set for the code of every
    /// pair's first. Most instructions start no pair, and this answers them without
    /// hashing or probing (pairing looks up every instruction of every function).
    firsts: [u64; 4],
}

/// Where `first`'s bit is in [`PairTable::firsts`]: (word, bit).
fn first_bit(first: OpCode) -> (usize, u64) {
    let v = first.value() as usize;
    ((v >> 6) & 3, 1u64 << (v & 63))
}

/// log2 of the table's size: a few times the number of pairs, so probes stay short.
const TABLE_BITS: u32 = 9;

fn slot_of(first: OpCode, second: OpCode) -> usize {
    let h = (first.value().wrapping_mul(0x9e37_79b1) ^ second.value()).wrapping_mul(0x85eb_ca6b);
    (h >> (32 - TABLE_BITS)) as usize
}

impl PairTable {
    fn new(entries: Vec<(OpCode, OpCode, AnyOp)>) -> PairTable {
        let mut slots = vec![None; 1 << TABLE_BITS];
        let mut firsts = [0u64; 4];
        assert!(entries.len() * 4 <= slots.len(), "the pair table has room");
        for (a, b, pair) in entries {
            let (word, bit) = first_bit(a);
            firsts[word] |= bit;
            let mut i = slot_of(a, b);
            while slots[i].is_some() {
                i = (i + 1) % slots.len();
            }
            slots[i] = Some((a, b, pair));
        }
        PairTable { slots, firsts }
    }

    /// Which pair, if any, runs the instruction `first` followed by `second`.
    #[inline]
    pub(crate) fn get(&self, first: OpCode, second: OpCode) -> Option<AnyOp> {
        let (word, bit) = first_bit(first);
        if self.firsts[word] & bit == 0 {
            return None;
        }
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
        put(COPY2.erase(), a, COPY2_ADD_PAIR.erase());
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
    // Bytes at constant distances from one pointer, one after another: the pixels of an
    // image's rows (tiny-skia's pipelines, in resvg), the fields of a packed record.
    // (`i32.load8_u` and `i64.load8_u` leave the same value.)
    for a in [I32_LOAD8_U.ri, I64_LOAD8_U.ri] {
        for b in [I32_LOAD8_U.ri, I64_LOAD8_U.ri] {
            put(a.erase(), b.erase(), LOAD8U_RI_LOAD8U_RI_PAIR.erase());
        }
    }
    put(load32, copy, LOAD32_COPY_PAIR.erase());
    put(load32, COPY2.erase(), LOAD32_COPY2_PAIR.erase());
    put(
        load32,
        ADD_STORE32.r.erase(),
        LOAD32_ADD_STORE32_PAIR.erase(),
    );
    put(
        I32_LOAD.r_a.erase(),
        ADD_STORE32.a.erase(),
        LOAD32_A_ADD_STORE32_A_PAIR.erase(),
    );
    put(
        I32_LOAD8_U.r_a.erase(),
        and.ai.erase(),
        LOAD8U_A_AND_PAIR.erase(),
    );
    put(
        I32_LOAD8_U.r_a.erase(),
        and.ai_a.erase(),
        LOAD8U_A_AND_A_PAIR.erase(),
    );
    put(
        I32_ADD_SHR_U_AND.erase(),
        I32_ADD_SHR_U_AND.erase(),
        ADD_SHR_U_AND_PAIR.erase(),
    );
    let shr_u = I64_SHR_U.imm.expect("i64.shr_u has immediate forms");
    put(
        shr_u.ri_a.erase(),
        I32_WRAP_I64.a.erase(),
        I64_SHR_U_A_WRAP_PAIR.erase(),
    );
    put(I32_WRAP_I64.r.erase(), load32, WRAP_LOAD32_PAIR.erase());
    put(copy, load32, COPY_LOAD32_PAIR.erase());
    put(copy, konst, COPY_CONST_PAIR.erase());
    let and64 = I64_AND.imm.expect("i64.and has immediate forms");
    for and64 in [and64.ri.erase(), and64.ir.erase()] {
        put(copy, and64, COPY_I64_AND_PAIR.erase());
    }
    put(COPY2.erase(), konst, COPY2_CONST_PAIR.erase());
    put(
        COPY2.erase(),
        ADD_STORE32.r.erase(),
        COPY2_ADD_STORE32_PAIR.erase(),
    );
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
    put(
        LOAD_STORE64.erase(),
        LOAD_STORE8.erase(),
        LOAD_STORE64_LOAD_STORE8_PAIR.erase(),
    );
    let imm = |op: BinOp<BinRI32>| op.imm.expect("an integer operation has immediate forms");
    let (mul, xor, shl, shr_u) = (imm(I32_MUL), imm(I32_XOR), imm(I32_SHL), imm(I32_SHR_U));
    put(
        add.ai.erase(),
        I32_ADD_SHR_U_AND.erase(),
        ADD_AI_ADD_SHR_U_AND_PAIR.erase(),
    );
    put(add.ai.erase(), load32, ADD_AI_LOAD32_PAIR.erase());
    put(
        mul.ai_a.erase(),
        I32_ADD.ra.erase(),
        MUL_AI_A_ADD_RA_PAIR.erase(),
    );
    put(
        I32_LOAD8_U.r_a.erase(),
        shl.ia_a.erase(),
        LOAD8U_A_SHL_IA_A_PAIR.erase(),
    );
    put(
        xor.ai_a.erase(),
        I32_AND.ra_a.erase(),
        XOR_AI_A_AND_RA_A_PAIR.erase(),
    );
    put(
        shr_u.ri_a.erase(),
        add.ai.erase(),
        SHR_U_RI_A_ADD_AI_PAIR.erase(),
    );
    put(
        shl.ai_a.erase(),
        I32_ADD.ra_a.erase(),
        SHL_AI_A_ADD_RA_A_PAIR.erase(),
    );
    put(
        xor.ai_a.erase(),
        shl.ai_a.erase(),
        XOR_AI_A_SHL_AI_A_PAIR.erase(),
    );
    put(
        shl.ri_a.erase(),
        I32_XOR.ra.erase(),
        SHL_RI_A_XOR_RA_PAIR.erase(),
    );
    put(
        shr_u.ri_a.erase(),
        I32_XOR.ra.erase(),
        SHR_U_RI_A_XOR_RA_PAIR.erase(),
    );
    let imm64 = |op: BinOp<BinRI64>| op.imm.expect("an integer operation has immediate forms");
    put(
        imm64(I64_SHL).ri_a.erase(),
        I64_XOR.ra.erase(),
        I64_SHL_RI_A_XOR_RA_PAIR.erase(),
    );
    put(
        imm64(I64_SHR_U).ri_a.erase(),
        I64_XOR.ra.erase(),
        I64_SHR_U_RI_A_XOR_RA_PAIR.erase(),
    );
    // (`ai` and `ia` of a multiplication compute the same from the same immediates.)
    let mul64 = imm64(I64_MUL);
    for (mul, mul_a) in [(mul64.ia, mul64.ia_a), (mul64.ai, mul64.ai_a)] {
        put(
            I64_XOR.ra_a.erase(),
            mul.erase(),
            I64_XOR_RA_A_MUL_IA_PAIR.erase(),
        );
        put(
            mul_a.erase(),
            I64_ADD.ra_a.erase(),
            I64_MUL_IA_A_ADD_RA_A_PAIR.erase(),
        );
        put(
            imm64(I64_ROTL).ai_a.erase(),
            mul.erase(),
            I64_ROTL_AI_A_MUL_IA_PAIR.erase(),
        );
    }
    put(
        I32_WRAP_I64.r.erase(),
        I32_LOAD.r_a.erase(),
        WRAP_LOAD32_A_PAIR.erase(),
    );
    put(
        I32_ADD.ra_a.erase(),
        I32_LOAD.a.erase(),
        ADD_RA_A_LOAD32_AT_ACC_PAIR.erase(),
    );
    put(
        add.ir.erase(),
        add.ir_a.erase(),
        ADD_IR_ADD_IR_A_PAIR.erase(),
    );
    put(
        I32_LOAD.r_a.erase(),
        I32_AND.ar_a.erase(),
        LOAD32_A_AND_AR_A_PAIR.erase(),
    );
    put(
        I32_LOAD.r_a.erase(),
        I32_ADD.ar.erase(),
        LOAD32_A_ADD_AR_PAIR.erase(),
    );
    put(
        and.ai.erase(),
        BR_IF_EQZ.erase(),
        AND_AI_BR_IF_EQZ_PAIR.erase(),
    );
    put(copy, BR_IF_NEZ.erase(), COPY_BR_IF_NEZ_PAIR.erase());
    put(copy, BR_IF_EQZ.erase(), COPY_BR_IF_EQZ_PAIR.erase());
    put(
        load32,
        BR_I32_LT_S_RI.erase(),
        LOAD32_BR_I32_LT_S_RI_PAIR.erase(),
    );
    put(load32, BR_I32_EQ.erase(), LOAD32_BR_I32_EQ_PAIR.erase());
    put(load32, BR_I32_NE.erase(), LOAD32_BR_I32_NE_PAIR.erase());
    for (ls, pair) in [
        (LOAD_STORE32.erase(), LOAD_STORE32_PAIR.erase()),
        (LOAD_STORE64.erase(), LOAD_STORE64_PAIR.erase()),
    ] {
        put(ls, ls, pair);
    }
    put(
        I32_LOAD.r_a.erase(),
        add.ai.erase(),
        LOAD32_A_ADD_AI_PAIR.erase(),
    );
    put(
        I32_LOAD.r_a.erase(),
        add.ai_a.erase(),
        LOAD32_A_ADD_AI_A_PAIR.erase(),
    );
    put(
        LOAD_LOAD32.erase(),
        BR_I32_EQ_RI.erase(),
        LOAD_LOAD32_BR_I32_EQ_RI_PAIR.erase(),
    );
    put(
        LOAD_LOAD32.erase(),
        BR_I32_NE_RI.erase(),
        LOAD_LOAD32_BR_I32_NE_RI_PAIR.erase(),
    );
    put(
        ADD_STORE32.r.erase(),
        BR_I32_GT_S_RI.erase(),
        ADD_STORE32_BR_I32_GT_S_RI_PAIR.erase(),
    );
    put(
        I32_LOAD.a.erase(),
        BR_IF_EQZ.erase(),
        LOAD32_AT_ACC_BR_IF_EQZ_PAIR.erase(),
    );
    let and64 = I64_AND.imm.expect("i64.and has immediate forms");
    for and64 in [and64.ri.erase(), and64.ir.erase()] {
        put(
            and64,
            BR_I64_EQ_RI.erase(),
            I64_AND_BR_I64_EQ_RI_PAIR.erase(),
        );
    }
    put(
        GLOBAL_GET_ADD.erase(),
        STORE32.rr.erase(),
        GLOBAL_GET_ADD_STORE32_PAIR.erase(),
    );
    put(
        GLOBAL_GET_ADD_SET.erase(),
        STORE32.rr.erase(),
        GLOBAL_GET_ADD_SET_STORE32_PAIR.erase(),
    );
    // (`i32.load8_u` and `i64.load8_u` leave the same accumulator.)
    for load8 in [I32_LOAD8_U.rr_a, I64_LOAD8_U.rr_a] {
        put(
            load8.erase(),
            STORE8.r_va.erase(),
            LOAD8U_RR_A_STORE8_VA_PAIR.erase(),
        );
        put(
            load8.erase(),
            STORE8.sum_va.erase(),
            LOAD8U_RR_A_STORE8_SUM_VA_PAIR.erase(),
        );
    }
    put(
        I32_ADD.ra_a.erase(),
        STORE32.r_va.erase(),
        ADD_RA_A_STORE32_VA_PAIR.erase(),
    );
    for load8 in [I32_LOAD8_U.m_rr_a, I64_LOAD8_U.m_rr_a] {
        put(
            load8.erase(),
            STORE8.m_va.erase(),
            LOAD8U_M_RR_A_STORE8_M_VA_PAIR.erase(),
        );
    }
    put(
        I32_ADD.ra_a.erase(),
        STORE32.m_va.erase(),
        ADD_RA_A_STORE32_M_VA_PAIR.erase(),
    );
    put(
        I64_LOAD.m_a.erase(),
        STORE64.m_va.erase(),
        LOAD64_M_A_STORE64_M_VA_PAIR.erase(),
    );
    let load32_a = I32_LOAD.r_a.erase();
    put(load32, load32_a, LOAD32_LOAD32_A_PAIR.erase());
    let sub = I32_SUB.imm.expect("i32.sub has immediate forms");
    put(load32_a, sub.ai_a.erase(), LOAD32_A_SUB_AI_A_PAIR.erase());
    put(load32_a, sub.ai.erase(), LOAD32_A_SUB_AI_PAIR.erase());
    put(STORE32.r_va.erase(), load32, STORE32_VA_LOAD32_PAIR.erase());
    put(
        STORE32.r_va.erase(),
        load32_a,
        STORE32_VA_LOAD32_A_PAIR.erase(),
    );
    put(
        I32_LOAD.a_a.erase(),
        STORE32.r_va.erase(),
        LOAD32_AT_ACC_A_STORE32_VA_PAIR.erase(),
    );
    put(
        LOAD_LOAD32_A.erase(),
        STORE32.r_va.erase(),
        LOAD_LOAD32_A_STORE32_VA_PAIR.erase(),
    );
    put(STORE32.r_va.erase(), BR.erase(), STORE32_VA_BR_PAIR.erase());
    put(STORE32.rr.erase(), BR.erase(), STORE32_BR_PAIR.erase());
    put(load32, BR_IF_EQZ.erase(), LOAD32_BR_IF_EQZ_PAIR.erase());
    put(load32, BR_IF_NEZ.erase(), LOAD32_BR_IF_NEZ_PAIR.erase());
    let (call, ret_slot) = (CALL.erase(), RETURN_SLOT.erase());
    let epilogue = GLOBAL_SET_ADD_RETURN_SLOT.erase();
    put(load32, call, LOAD32_CALL_PAIR.erase());
    put(LOAD_LOAD32.erase(), call, LOAD_LOAD32_CALL_PAIR.erase());
    put(konst, call, CONST_CALL_PAIR.erase());
    put(load32, ret_slot, LOAD32_RETURN_SLOT_PAIR.erase());
    put(
        LOAD_LOAD32.erase(),
        ret_slot,
        LOAD_LOAD32_RETURN_SLOT_PAIR.erase(),
    );
    put(
        load32,
        epilogue,
        LOAD32_GLOBAL_SET_ADD_RETURN_SLOT_PAIR.erase(),
    );
    put(copy, epilogue, COPY_GLOBAL_SET_ADD_RETURN_SLOT_PAIR.erase());
    PairTable::new(entries)
}

/// The pairs by their instructions' codes, built on first use. Fetched once per function
/// by the translator's pairing pass, which then looks up every instruction (`get`): a
/// fetch per lookup was 8% of that pass's instructions.
pub(crate) fn pairs() -> &'static PairTable {
    static TABLE: std::sync::OnceLock<PairTable> = std::sync::OnceLock::new();
    TABLE.get_or_init(pair_table)
}
