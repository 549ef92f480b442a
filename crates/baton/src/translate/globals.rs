//! Mutable globals: `global.get` and `global.set`, with the fusions that C's shadow stack
//! makes worth having. Every C function that keeps anything in memory opens with
//! `global.get $__stack_pointer; i32.const N; i32.sub` and closes with
//! `local.get $frame; i32.const N; i32.add; global.set $__stack_pointer`: each pair is one
//! instruction here (`global.get.add`, `add.global.set`); the prologue's `local.tee
//! $frame; global.set $__stack_pointer` after it joins it too (`global.get.add.set`), and
//! the epilogue joins the `return` after it (`add.global.set.return`, see
//! `FuncTranslator::ret`). And a `global.get` right after a
//! `global.set` of the same global reads the value where the set took it from, without an
//! instruction (a counter kept in a global: `global.set $g (...)`, then `global.get $g` to
//! test it).

use super::*;

impl FuncTranslator<'_> {
    pub(super) fn global_get(&mut self, global: u32) {
        // A global whose value is known before instantiation is a constant.
        if let Some(&Some(value)) = self.env.const_globals.get(global as usize) {
            self.push(Opd::Const(value));
            return;
        }
        let p = self.stack.len();
        if let Some(pos) = self.recent.last() {
            let set = self.last_instruction(pos, &[op::GLOBAL_SET]).or_else(|| {
                let ops = [op::GLOBAL_GET_ADD_SET, op::GLOBAL_GET_ADD64_SET];
                let g = self.last_instruction(pos, &ops)?;
                Some(Global {
                    slot: g.slot,
                    global: g.global,
                })
            });
            if let Some(set) = set {
                // The global holds what the set took from `set.slot` (or, for
                // `global.get.add.set`, wrote to it), which nothing has written since: a
                // temporary the set popped (this very position's) or a local, read lazily
                // like any `local.get`.
                if set.global == global && set.slot == self.temp(p) {
                    self.push(Opd::Temp);
                    self.last = None;
                    return;
                }
                if set.global == global && set.slot < self.locals {
                    self.push(Opd::Local(set.slot));
                    return;
                }
            }
        }
        let dst = self.temp(p);
        let pos = self.emit(op::GLOBAL_GET, Global { slot: dst, global });
        self.push_result(pos, dst, None);
    }

    /// When the operand of a branch's test (`cond`: taken when it holds) was just read
    /// from an `i32` global into a temporary that nothing else reads, and the test is
    /// against zero or an equality with a constant, replaces the `global.get` by an
    /// instruction that reads the global and branches (`global.get.br_if_nez`...).
    /// Returns the instruction's position and the byte of its offset field.
    pub(super) fn fuse_global_branch(&mut self, cmp: Cmp, cond: Cond) -> Option<(usize, usize)> {
        if cmp.is64 {
            return None;
        }
        let (op, k) = match (cmp.b, cond) {
            (Operand::Zero, Cond::Ne) => (Ok(op::GLOBAL_BR_NEZ), 0),
            (Operand::Zero, Cond::Eq) => (Ok(op::GLOBAL_BR_EQZ), 0),
            (Operand::Imm(k), Cond::Eq) => (Err(op::GLOBAL_BR_EQ), k),
            (Operand::Imm(k), Cond::Ne) => (Err(op::GLOBAL_BR_NE), k),
            _ => return None,
        };
        let global = self.take_global_read(cmp.a)?;
        Some(match op {
            Ok(op) => {
                let pos = self.emit(op, GlobalBr { global, offset: 0 });
                (pos, field_byte(pos, offset_of!(GlobalBr, offset)))
            }
            Err(op) => {
                let imm = k as u32;
                let pos = self.emit(
                    op,
                    GlobalCmpBr {
                        global,
                        imm,
                        offset: 0,
                    },
                );
                (pos, field_byte(pos, offset_of!(GlobalCmpBr, offset)))
            }
        })
    }

    /// A zero test of the value a `global.get.select` just put in a temporary that only the
    /// branch reads: one instruction that selects and branches (Asyncify's state tests at
    /// call sites, `br_if (select (x) (k) (global.get $state))`).
    pub(super) fn fuse_global_select_branch(
        &mut self,
        cmp: Cmp,
        cond: Cond,
    ) -> Option<(usize, usize)> {
        let op = match (cmp.is64, cmp.b, cond) {
            (false, Operand::Zero, Cond::Ne) => op::GLOBAL_SELECT_BR_NEZ,
            (false, Operand::Zero, Cond::Eq) => op::GLOBAL_SELECT_BR_EQZ,
            _ => return None,
        };
        let pos = self.last?.pos;
        let select: SelectRI = self.last_instruction(pos, &[op::SELECT_RI_GLOBAL])?;
        if select.dst != cmp.a || cmp.a < self.locals {
            return None;
        }
        self.unemit(pos);
        self.last = None;
        let pos = self.emit(
            op,
            GlobalSelectBr {
                a: select.a,
                global: select.cond,
                // (An `i32` `select`, the branch's condition: its constant fits.)
                imm: select.imm as u32,
                swap: select.swap,
                offset: 0,
            },
        );
        Some((pos, field_byte(pos, offset_of!(GlobalSelectBr, offset))))
    }

    /// A `select` between a slot and a constant; its condition read from the global by
    /// the instruction itself when a `global.get` just read it (`global.get.select`: the
    /// state tests of Asyncify's code, `select(x, 0, global.get $state)`).
    pub(super) fn select_ri(&mut self, imm: SelectRI) -> usize {
        match self.take_global_read(imm.cond) {
            Some(global) => self.emit(
                op::SELECT_RI_GLOBAL,
                SelectRI {
                    cond: global,
                    ..imm
                },
            ),
            None => self.emit(op::SELECT_RI, imm),
        }
    }

    /// If the last instruction read a global into `slot`, a temporary that only the
    /// instruction about to be emitted reads (the operand it pops), takes that `global.get`
    /// back and returns the global: the instruction reads it itself. (A local would keep
    /// the value, so only a temporary can go.)
    pub(super) fn take_global_read(&mut self, slot: Slot) -> Option<u32> {
        let pos = self.last?.pos;
        let read = self.last_instruction(pos, &[op::GLOBAL_GET])?;
        if read.slot != slot || slot < self.locals {
            return None;
        }
        self.unemit(pos);
        self.last = None;
        Some(read.global)
    }

    pub(super) fn global_set(&mut self, global: u32) {
        if let Some((slot, imm, is64)) = self.take_add_imm() {
            self.pop();
            let op = if is64 {
                op::GLOBAL_SET_ADD64
            } else {
                op::GLOBAL_SET_ADD
            };
            self.emit(op, GlobalAdd { slot, global, imm });
            return;
        }
        let src = self.pop_slot();
        // The value was just computed from this global by a `global.get.add` (a prologue):
        // that instruction sets the global too.
        if let Some(pos) = self.recent.last() {
            for (get, get_set) in [
                (op::GLOBAL_GET_ADD, op::GLOBAL_GET_ADD_SET),
                (op::GLOBAL_GET_ADD64, op::GLOBAL_GET_ADD64_SET),
            ] {
                if let Some(g) = self.last_instruction(pos, &[get]) {
                    if g.global == global && g.slot == src {
                        self.unemit(pos);
                        self.last = None;
                        self.emit(get_set, g);
                        return;
                    }
                }
            }
        }
        self.emit(op::GLOBAL_SET, Global { slot: src, global });
    }

    /// For a `return` of the value in `src` (or of nothing): if the last instruction is a
    /// shadow-stack epilogue (`add.global.set`), both become one instruction; returns
    /// whether they did.
    pub(super) fn fuse_epilogue_return(&mut self, src: Option<Slot>) -> bool {
        let Some(pos) = self.recent.last() else {
            return false;
        };
        for (set, ret, ret_slot) in [
            (
                op::GLOBAL_SET_ADD,
                op::GLOBAL_SET_ADD_RETURN,
                op::GLOBAL_SET_ADD_RETURN_SLOT,
            ),
            (
                op::GLOBAL_SET_ADD64,
                op::GLOBAL_SET_ADD64_RETURN,
                op::GLOBAL_SET_ADD64_RETURN_SLOT,
            ),
        ] {
            let Some(g) = self.last_instruction(pos, &[set]) else {
                continue;
            };
            self.unemit(pos);
            self.last = None;
            match src {
                None => self.emit(ret, g),
                Some(src) => self.emit(
                    ret_slot,
                    GlobalAddRet {
                        slot: g.slot,
                        global: g.global,
                        imm: g.imm,
                        src,
                        pad: 0,
                    },
                ),
            };
            return true;
        }
        false
    }

    /// For an `add`/`sub` (with `is_add`) of the constant `k` to operand `a` at stack
    /// position `p`: if `a` is the result of the `global.get` just emitted, both become
    /// one `global.get.add` writing `dst`; returns its position.
    pub(super) fn fuse_global_get_add(
        &mut self,
        a: Opd,
        p: usize,
        k: i64,
        is_add: bool,
        is64: bool,
        dst: Slot,
    ) -> Option<usize> {
        let last = self.last?;
        if a != Opd::Temp || last.dst != self.temp(p) {
            return None;
        }
        let get = self.last_instruction(last.pos, &[op::GLOBAL_GET])?;
        self.unemit(last.pos);
        self.last = None;
        let imm = if is_add { k } else { k.wrapping_neg() };
        let op = if is64 {
            op::GLOBAL_GET_ADD64
        } else {
            op::GLOBAL_GET_ADD
        };
        let global = get.global;
        Some(self.emit(
            op,
            GlobalAdd {
                slot: dst,
                global,
                imm,
            },
        ))
    }

    /// If the value on top of the stack was just computed by an add or subtract of a
    /// constant from a slot, takes that instruction back: its operand slot, the constant
    /// to add, and whether it is 64-bit.
    fn take_add_imm(&mut self) -> Option<(Slot, i64, bool)> {
        let last = self.last?;
        let top = self.stack.len().checked_sub(1)?;
        if self.stack[top] != Opd::Temp || last.dst != self.temp(top) {
            return None;
        }
        let (add32, sub32) = (op::I32_ADD.imm?, op::I32_SUB.imm?);
        let (add64, sub64) = (op::I64_ADD.imm?, op::I64_SUB.imm?);
        let found = if let Some(i) = self.last_instruction(last.pos, &[add32.ri]) {
            (i.a, i.imm as i64, false)
        } else if let Some(i) = self.last_instruction(last.pos, &[sub32.ri]) {
            (i.a, (i.imm as i64).wrapping_neg(), false)
        } else if let Some(i) = self.last_instruction(last.pos, &[add64.ri]) {
            (i.a, i.imm, true)
        } else if let Some(i) = self.last_instruction(last.pos, &[sub64.ri]) {
            (i.a, i.imm.wrapping_neg(), true)
        } else {
            return None;
        };
        self.unemit(last.pos);
        self.last = None;
        Some(found)
    }
}
