//! Memory operators: loads and stores (with their address folding), and which form of
//! addressing each access gets (see `exec/ops/memory.rs`): the fast forms for memory 0
//! with 32-bit addresses, the `w` forms for memory 0 with 64-bit addresses, the `m` forms
//! for other memories with 32-bit addresses (below `MEMORY_SLOTS`), and the `x` form for
//! the rest (offsets of 2^32 and more, 64-bit addresses into other memories, memories from
//! `MEMORY_SLOTS` up).

use super::*;

/// The loads with an add-and-load form (see `FuncTranslator::fuse_add_before_load`): each
/// load's slot and accumulator forms, and the fused ones. (Only these forms, not whole
/// `LoadOp`s, which would be copied at every load translated.)
const ADD_LOADS: [(Op<Load>, Op<Load>, op::AddLoadOp); 3] = [
    (op::I32_LOAD.r, op::I32_LOAD.r_a, op::ADD_I32_LOAD),
    (op::I64_LOAD.r, op::I64_LOAD.r_a, op::ADD_I64_LOAD),
    (op::I32_LOAD8_U.r, op::I32_LOAD8_U.r_a, op::ADD_I32_LOAD8_U),
];

/// Where a memory access goes: which memory, how its addresses are read, and the offset.
#[derive(Clone, Copy)]
pub(super) struct Access {
    pub memory: u32,
    pub is64: bool,
    pub offset: u64,
}

/// Which forms serve an access (see the module's documentation).
enum Form {
    /// Memory 0, 32-bit addresses: the fast forms, with this offset.
    Fast(u32),
    /// Memory 0, 64-bit addresses: the `w` forms, with the offset of the access's last
    /// byte (the offset plus the size minus one), when that is below 2^32.
    Wide(u32),
    /// Another memory with 32-bit addresses, below `MEMORY_SLOTS`: the `m` forms.
    Other(u32),
    /// The `x` form: offsets of 2^32 and more, 64-bit addresses into other memories,
    /// memories from `MEMORY_SLOTS` up.
    X,
}

/// An address computed by an add just emitted, taken back to fold it into the access
/// that uses it.
enum Sum {
    /// `a + b`.
    RR(Slot, Slot),
    /// `a + imm` (for 64-bit addresses, `imm` sign-extended).
    RI(Slot, u32),
}

impl Access {
    /// Which forms serve an access of `size` bytes. Validation keeps a 32-bit memory's
    /// offsets below 2^32; a 64-bit memory's may be larger, and only the `x` form takes
    /// those.
    fn form(self, size: u32) -> Form {
        let Ok(offset) = u32::try_from(self.offset) else {
            return Form::X;
        };
        match (self.memory, self.is64) {
            (0, false) => Form::Fast(offset),
            (0, true) => match offset.checked_add(size - 1) {
                Some(last) => Form::Wide(last),
                None => Form::X,
            },
            (m, false) if (m as usize) < crate::exec::MEMORY_SLOTS => Form::Other(offset),
            _ => Form::X,
        }
    }

    /// The immediates of a load in the `x` form.
    pub fn load(self, dst: Slot, addr: Slot) -> LoadX {
        LoadX {
            dst,
            addr,
            memory: self.memory,
            is64: self.is64 as u32,
            offset: self.offset,
        }
    }

    /// The immediates of a store in the `x` form.
    pub fn store(self, addr: Slot, src: Slot) -> StoreX {
        StoreX {
            addr,
            src,
            memory: self.memory,
            is64: self.is64 as u32,
            offset: self.offset,
        }
    }
}

impl FuncTranslator<'_> {
    /// Whether memory `mem` has 64-bit addresses.
    pub(super) fn memory_is_64(&self, mem: u32) -> bool {
        self.env
            .memories
            .get(mem as usize)
            .is_some_and(|m| m.is_64())
    }

    /// Whether memory `mem` is memory 0 with 32-bit addresses and 64 KiB pages: the memory
    /// in the interpreter's registers, which the fast forms serve.
    pub(super) fn is_fast_memory(&self, mem: u32) -> bool {
        mem == 0
            && self
                .env
                .memories
                .first()
                .is_some_and(|m| !m.is_64() && m.page_size_log2() == 16)
    }

    pub(super) fn access(&self, memarg: &wasmparser::MemArg) -> R<Access> {
        let wasmparser::MemArgTarget::Memory(memory) = memarg.target else {
            return Err(self.unsupported("GC array access").into());
        };
        Ok(Access {
            memory,
            is64: self.memory_is_64(memory),
            offset: memarg.offset,
        })
    }

    /// If the address operand `a` at stack position `p` is the result of the instruction
    /// just emitted and that is an add of two slots or of a slot and a constant
    /// (`i64.add` with `is64`, the constant then fitting 32 bits sign-extended; else
    /// `i32.add`), removes the add and returns its operands, for a `w` or `m` access to
    /// compute the sum itself (the fast forms have `fuse_add_load`/`fuse_add_store`).
    /// The add's result was a temporary that only the access reads.
    fn take_add(&mut self, a: Opd, p: usize, is64: bool) -> Option<Sum> {
        // As for the fast forms' `fuse_add_load`: the operand is the last instruction's
        // result, which nothing else reads.
        let last = self.last?;
        if !self.in_acc(a, p) || self.label_at > last.pos {
            return None;
        }
        let pos = last.pos;
        let end = self.code.pos();
        let sum = if is64 {
            let add = op::I64_ADD.imm?;
            let rr = (pos + words::<BinRR>() == end)
                .then(|| self.code.imm_if(pos, op::I64_ADD.rr))
                .flatten()
                .map(|BinRR { a, b, .. }| Sum::RR(a, b));
            rr.or_else(|| {
                (pos + words::<BinRI64>() == end)
                    .then(|| {
                        self.code
                            .imm_if(pos, add.ri)
                            .or_else(|| self.code.imm_if(pos, add.ir))
                    })
                    .flatten()
                    .and_then(|BinRI64 { a, imm, .. }| {
                        i32::try_from(imm).ok().map(|imm| Sum::RI(a, imm as u32))
                    })
            })
        } else {
            let add = op::I32_ADD.imm?;
            if pos + words::<BinRR>() != end {
                return None;
            }
            self.code
                .imm_if(pos, op::I32_ADD.rr)
                .map(|BinRR { a, b, .. }| Sum::RR(a, b))
                .or_else(|| {
                    self.code
                        .imm_if(pos, add.ri)
                        .or_else(|| self.code.imm_if(pos, add.ir))
                        .map(|BinRI32 { a, imm, .. }| Sum::RI(a, imm as u32))
                })
        }?;
        self.unemit(pos);
        self.last = None;
        Some(sum)
    }

    /// Whether a store's value (`v`, at stack position `p`, the address just below it)
    /// can come from the accumulator: it is the last instruction's result and the address
    /// needs no instruction of its own (it is not a constant).
    fn store_value_in_acc(&self, v: Opd, p: usize) -> bool {
        self.in_acc(v, p) && !matches!(self.stack.last(), Some(Opd::Const(_)))
    }

    /// A load in its `x` form (any memory, 32- or 64-bit addresses).
    fn load_x(&mut self, op: Op<LoadX>, access: Access) {
        let addr = self.pop_slot();
        let dst = self.temp(self.stack.len());
        let pos = self.emit(op, access.load(dst, addr));
        self.push_result(pos, dst, None);
    }

    /// A store in its `x` form.
    fn store_x(&mut self, op: Op<StoreX>, access: Access) {
        let src = self.pop_slot();
        let addr = self.pop_slot();
        self.emit(op, access.store(addr, src));
    }

    pub(super) fn load(&mut self, op: LoadOp, memarg: wasmparser::MemArg) -> R {
        self.load_as(op, None, memarg)
    }

    /// An `f32.load` or `f64.load`: the integer load of its size (`float.int`), whose
    /// accumulator forms are the float ones where `float` has them, so that a float
    /// operation taking the value at once reads it from its float accumulator.
    pub(super) fn load_float(&mut self, float: &FloatLoadAcc, memarg: wasmparser::MemArg) -> R {
        self.load_as(float.int, Some(float), memarg)
    }

    /// Records the result of a load just emitted at `pos` into `dst`, whose accumulator
    /// form is `acc`: for a float load, its float twin if it has one (otherwise the value
    /// only goes through the integer accumulator, as bits, or its slot).
    #[inline]
    fn push_load_result(
        &mut self,
        pos: usize,
        dst: Slot,
        acc: AnyOp,
        float: Option<&FloatLoadAcc>,
    ) {
        match float.and_then(|f| Some((f.twin(acc)?, f.class))) {
            Some((twin, class)) => self.push_result_acc_as(pos, dst, None, Some(twin), class),
            None => self.push_result_acc(pos, dst, None, Some(acc)),
        }
    }

    fn load_as(
        &mut self,
        op: LoadOp,
        float: Option<&FloatLoadAcc>,
        memarg: wasmparser::MemArg,
    ) -> R {
        let access = self.access(&memarg)?;
        let offset = match access.form(op.size) {
            Form::Fast(offset) => offset,
            Form::Wide(offset) => {
                let a = self.pop();
                let p = self.stack.len();
                let dst = self.temp(p);
                let (pos, acc) = match self.take_add(a, p, true) {
                    Some(Sum::RR(a, b)) => (
                        self.emit(op.w_rr, LoadRR { dst, a, b, offset }),
                        op.w_rr_a.erase(),
                    ),
                    Some(Sum::RI(a, imm)) => {
                        let imm = LoadRI {
                            dst,
                            a,
                            imm,
                            offset,
                        };
                        (self.emit(op.w_ri, imm), op.w_ri_a.erase())
                    }
                    None => {
                        let addr = self.slot_at(p, a);
                        let imm = Load { dst, addr, offset };
                        (self.emit(op.w, imm), op.w_a.erase())
                    }
                };
                self.push_load_result(pos, dst, acc, float);
                return Ok(());
            }
            Form::Other(offset) => {
                let a = self.pop();
                let p = self.stack.len();
                let dst = self.temp(p);
                let memory = access.memory;
                let (pos, acc) = match self.take_add(a, p, false) {
                    Some(Sum::RR(a, b)) => {
                        let imm = LoadMRR {
                            dst,
                            a,
                            b,
                            memory,
                            offset,
                        };
                        (self.emit(op.m_rr, imm), op.m_rr_a.erase())
                    }
                    Some(Sum::RI(a, imm)) => {
                        let imm = LoadMRI {
                            dst,
                            a,
                            imm,
                            memory,
                            offset,
                        };
                        (self.emit(op.m_ri, imm), op.m_ri_a.erase())
                    }
                    None => {
                        let addr = self.slot_at(p, a);
                        let imm = LoadM {
                            dst,
                            addr,
                            memory,
                            offset,
                        };
                        (self.emit(op.m, imm), op.m_a.erase())
                    }
                };
                self.push_load_result(pos, dst, acc, float);
                return Ok(());
            }
            Form::X => {
                self.load_x(op.x, access);
                return Ok(());
            }
        };
        let a = self.pop();
        let p = self.stack.len();
        let dst = self.temp(p);
        let (pos, acc) = match a {
            // A constant address: fold it with the offset (at most 2^33, no overflow).
            Opd::Const(c) => {
                let addr = c as u32 as u64 + offset as u64;
                (
                    self.emit(op.abs, LoadAbs { dst, pad: 0, addr }),
                    op.abs_a.erase(),
                )
            }
            a if self.in_acc(a, p) => {
                if let Some(fused) = self.fuse_add_load(op, dst, offset) {
                    fused
                } else if let Some(fused) = self.fuse_load_load(op, dst, offset) {
                    fused
                } else {
                    self.route_through_acc();
                    (
                        self.emit(
                            op.a,
                            Load {
                                dst,
                                addr: 0,
                                offset,
                            },
                        ),
                        op.a_a.erase(),
                    )
                }
            }
            a => {
                let addr = self.slot_at(p, a);
                match self.fuse_add_before_load(op, dst, addr, offset) {
                    Some(fused) => fused,
                    None => (self.emit(op.r, Load { dst, addr, offset }), op.r_a.erase()),
                }
            }
        };
        self.push_load_result(pos, dst, acc, float);
        Ok(())
    }

    /// An `i32.load` (`dst = mem[x + offset]`) whose address `x` the `i32.load` just
    /// emitted loaded, nothing else reading it: one instruction following the pointer
    /// (`p->next->value`).
    fn fuse_load_load(&mut self, op: LoadOp, dst: Slot, offset: u32) -> Option<(usize, AnyOp)> {
        if op.r.code != op::I32_LOAD.r.code {
            return None;
        }
        let pos = self.last?.pos;
        let Load {
            addr,
            offset: inner,
            ..
        } = self.last_instruction(pos, &[op::I32_LOAD.r])?;
        self.unemit(pos);
        self.last = None;
        let imm = LoadLoad {
            dst,
            addr,
            inner,
            offset,
        };
        Some((self.emit(op::LOAD_LOAD32, imm), op::LOAD_LOAD32_A.erase()))
    }

    /// If the last instruction is an add-and-load (see [`Self::fuse_add_before_load`]),
    /// emits it again as its two instructions, from the same place: for a fusion of the load
    /// with what follows that saves more than the add's (a load-and-`br_table`, whose
    /// dispatch head then takes the add as its increment).
    pub(super) fn split_add_load(&mut self) {
        let Some(pos) = self.recent.last() else {
            return;
        };
        // Two instructions take more words than one: not when a label is bound after the
        // start of this one (it would then point inside the load; no fusion crosses it
        // anyway).
        if self.label_at > pos {
            return;
        }
        for &(r, r_a, fused) in &ADD_LOADS {
            for (form, plain) in [(fused.r, r), (fused.r_a, r_a)] {
                let Some(imm) = self.code.imm_if(pos, form) else {
                    continue;
                };
                self.unemit(pos);
                let add = op::I32_ADD.imm.expect("i32.add has immediate forms").ri;
                let (sum, a) = (imm.sum, imm.a);
                self.emit(
                    add,
                    BinRI32 {
                        dst: sum,
                        a,
                        imm: imm.imm as i32,
                    },
                );
                let (dst, offset) = (imm.dst, imm.offset);
                self.emit(
                    plain,
                    Load {
                        dst,
                        addr: sum,
                        offset,
                    },
                );
                return;
            }
        }
    }

    /// If the instruction just emitted (no label since) is an `i32.add` of a slot and a
    /// constant into a slot, and this load (`dst = mem[addr + offset]`, memory 0) has an
    /// add-and-load form, replaces the add and emits that form: the add still runs first
    /// and still writes its slot, so the load may read it (`p = p - 8; *p`: a negative
    /// displacement, which a Wasm offset cannot hold, with the pointer kept) or not (a
    /// counter stepped next to an unrelated load).
    fn fuse_add_before_load(
        &mut self,
        op: LoadOp,
        dst: Slot,
        addr: Slot,
        offset: u32,
    ) -> Option<(usize, AnyOp)> {
        let &(_, _, add_load) = ADD_LOADS.iter().find(|(r, ..)| r.code == op.r.code)?;
        let pos = self.recent.last()?;
        if pos + words::<BinRI32>() != self.code.pos() || self.label_at > pos {
            return None;
        }
        let add = op::I32_ADD.imm?;
        let BinRI32 { dst: sum, a, imm } =
            (self.code.imm_if(pos, add.ri)).or_else(|| self.code.imm_if(pos, add.ir))?;
        if sum != addr {
            return None;
        }
        self.unemit(pos);
        self.last = None;
        let imm = AddLoad {
            dst,
            offset,
            sum,
            a,
            imm: imm as u32,
        };
        Some((self.emit(add_load.r, imm), add_load.r_a.erase()))
    }

    /// A store of the value a load of the same size just produced (a slot address, memory
    /// 0), which nothing else reads: one copy of the bytes (`i64.load.store64`,
    /// `i32.load.store32`, `i32.load8.store8`, `i32.load16.store16`). `addr` and `offset`
    /// are the store's.
    fn fuse_load_store(&mut self, op: StoreOp, addr: Slot, offset: u32) -> bool {
        // (An 8- or 16-bit store keeps the loaded value's low bytes: a signed or unsigned
        // load of that size, into an `i32` or an `i64`, gives them back unchanged.)
        let pairs: &[(Op<Store>, [Op<Load>; 4], _)] = &[
            (op::STORE32.r_va, [op::I32_LOAD.r; 4], op::LOAD_STORE32),
            (op::STORE64.r_va, [op::I64_LOAD.r; 4], op::LOAD_STORE64),
            (
                op::STORE8.r_va,
                [
                    op::I32_LOAD8_U.r,
                    op::I32_LOAD8_S.r,
                    op::I64_LOAD8_U.r,
                    op::I64_LOAD8_S.r,
                ],
                op::LOAD_STORE8,
            ),
            (
                op::STORE16.r_va,
                [
                    op::I32_LOAD16_U.r,
                    op::I32_LOAD16_S.r,
                    op::I64_LOAD16_U.r,
                    op::I64_LOAD16_S.r,
                ],
                op::LOAD_STORE16,
            ),
        ];
        let Some(&(_, loads, fused)) = pairs.iter().find(|(s, _, _)| s.code == op.r_va.code) else {
            return false;
        };
        let Some(pos) = self.last.map(|l| l.pos) else {
            return false;
        };
        let Some(Load {
            addr: from,
            offset: from_offset,
            ..
        }) = self.last_instruction(pos, &loads)
        else {
            return false;
        };
        self.unemit(pos);
        self.last = None;
        let imm = LoadStore {
            from,
            from_offset,
            to: addr,
            to_offset: offset,
        };
        self.emit(fused, imm);
        true
    }

    /// An `i32.store` (memory 0, address in slot `addr`) of the sum an `i32.add` of a
    /// constant just computed, which nothing else reads: one instruction, the add taken
    /// in (`p->n = x + 1`; with the add's operand in the accumulator, `p->n += 1` after a
    /// load). Returns whether it fused.
    fn fuse_add_imm_store(&mut self, op: StoreOp, addr: Slot, offset: u32) -> bool {
        let Some(add) = op::I32_ADD.imm else {
            return false;
        };
        let Some(pos) = self.last.map(|l| l.pos) else {
            return false;
        };
        if op.r_va.code != op::STORE32.r_va.code {
            return false;
        }
        let (form, BinRI32 { a, imm, .. }) =
            if let Some(add) = self.last_instruction(pos, &[add.ri, add.ir]) {
                (op::ADD_STORE32.r, add)
            } else if let Some(add) = self.last_instruction(pos, &[add.ai, add.ia]) {
                (op::ADD_STORE32.a, add)
            } else {
                return false;
            };
        self.unemit(pos);
        self.last = None;
        let imm = AddStore {
            addr,
            offset,
            a,
            imm: imm as u32,
        };
        self.emit(form, imm);
        true
    }

    /// An `f32.store` or `f64.store`: when its value is a float operation's result just
    /// computed (in the float accumulator) and the address is a local or a constant, one
    /// of `float`'s forms reads the value from there; otherwise the integer store of its
    /// size (`float.int`), the value through its slot. (An address computed just before
    /// stays with the integer store, which folds an address add into itself: a dispatch
    /// saved is worth more than the slot's round trip.)
    pub(super) fn store_float(&mut self, float: &FloatStoreAcc, memarg: wasmparser::MemArg) -> R {
        let access = self.access(&memarg)?;
        if let Form::Fast(offset) = access.form(float.int.size) {
            let p = self.stack.len().saturating_sub(2);
            if let [a, v] = self.stack[p..] {
                if a != Opd::Temp && self.in_acc_as(v, p + 1, float.class) {
                    self.pop();
                    self.pop();
                    self.route_through_acc();
                    match a {
                        Opd::Const(ca) => {
                            let addr = ca as u32 as u64 + offset as u64;
                            let imm = StoreAbs {
                                src: 0,
                                pad: 0,
                                addr,
                            };
                            self.emit(float.abs_va, imm);
                        }
                        a => {
                            let addr = self.slot_at(p, a);
                            let imm = Store {
                                addr,
                                src: 0,
                                offset,
                            };
                            self.emit(float.r_va, imm);
                        }
                    }
                    return Ok(());
                }
            }
        }
        self.store(float.int, memarg)
    }

    pub(super) fn store(&mut self, op: StoreOp, memarg: wasmparser::MemArg) -> R {
        let access = self.access(&memarg)?;
        let offset = match access.form(op.size) {
            Form::Fast(offset) => offset,
            Form::Wide(offset) => {
                match self.pop() {
                    Opd::Const(val) => {
                        let addr = self.pop_slot();
                        self.emit(op.w_imm, StoreImm { addr, offset, val });
                    }
                    v => {
                        let in_acc = self.store_value_in_acc(v, self.stack.len());
                        let src = (!in_acc).then(|| self.slot_at(self.stack.len(), v));
                        let a = self.pop();
                        let p = self.stack.len();
                        let sum = |t: &mut Self, add: BinRR, src: Option<Slot>| {
                            let (a, b) = (add.a, add.b);
                            let src_slot = src.unwrap_or(0);
                            let store = StoreSum {
                                a,
                                b,
                                src: src_slot,
                                offset,
                            };
                            let form = if src.is_some() {
                                op.w_sum_r
                            } else {
                                op.w_sum_va
                            };
                            t.emit(form, store);
                        };
                        if a == Opd::Temp
                            && self.fold_add_into_store(op::I64_ADD.rr, self.temp(p), src, sum)
                        {
                            return Ok(());
                        }
                        if in_acc {
                            self.route_through_acc();
                        }
                        let addr = self.slot_at(p, a);
                        let form = if in_acc { op.w_va } else { op.w_rr };
                        let src = src.unwrap_or(0);
                        self.emit(form, Store { addr, src, offset });
                    }
                }
                return Ok(());
            }
            Form::Other(offset) => {
                let memory = access.memory;
                match self.pop() {
                    Opd::Const(val) => {
                        let addr = self.pop_slot();
                        let imm = StoreMImm {
                            addr,
                            memory,
                            offset,
                            pad: 0,
                            val,
                        };
                        self.emit(op.m_imm, imm);
                    }
                    v => {
                        let in_acc = self.store_value_in_acc(v, self.stack.len());
                        let src = (!in_acc).then(|| self.slot_at(self.stack.len(), v));
                        let a = self.pop();
                        let p = self.stack.len();
                        let sum = |t: &mut Self, add: BinRR, src: Option<Slot>| {
                            let (a, b) = (add.a, add.b);
                            let src_slot = src.unwrap_or(0);
                            let store = StoreMSum {
                                a,
                                b,
                                src: src_slot,
                                memory,
                                offset,
                            };
                            let form = if src.is_some() {
                                op.m_sum_r
                            } else {
                                op.m_sum_va
                            };
                            t.emit(form, store);
                        };
                        if a == Opd::Temp
                            && self.fold_add_into_store(op::I32_ADD.rr, self.temp(p), src, sum)
                        {
                            return Ok(());
                        }
                        if in_acc {
                            self.route_through_acc();
                        }
                        let addr = self.slot_at(p, a);
                        let form = if in_acc { op.m_va } else { op.m_rr };
                        let src = src.unwrap_or(0);
                        let imm = StoreM {
                            addr,
                            src,
                            memory,
                            offset,
                        };
                        self.emit(form, imm);
                    }
                }
                return Ok(());
            }
            Form::X => {
                self.store_x(op.x, access);
                return Ok(());
            }
        };
        let v = self.pop();
        let a = self.pop();
        let p = self.stack.len();
        match (a, v) {
            (Opd::Const(_), Opd::Const(val)) => {
                let addr = self.slot_at(p, a);
                self.emit(op.imm, StoreImm { addr, offset, val });
            }
            (a, Opd::Const(val)) if self.in_acc(a, p) => {
                self.route_through_acc();
                self.emit(
                    op.a_imm,
                    StoreImm {
                        addr: 0,
                        offset,
                        val,
                    },
                );
            }
            (a, Opd::Const(val)) => {
                let addr = self.slot_at(p, a);
                self.emit(op.imm, StoreImm { addr, offset, val });
            }
            (Opd::Const(ca), v) => {
                let addr = ca as u32 as u64 + offset as u64;
                if self.in_acc(v, p + 1) {
                    self.route_through_acc();
                    self.emit(
                        op.abs_va,
                        StoreAbs {
                            src: 0,
                            pad: 0,
                            addr,
                        },
                    );
                } else {
                    let src = self.slot_at(p + 1, v);
                    self.emit(op.abs, StoreAbs { src, pad: 0, addr });
                }
            }
            (a, v) if self.in_acc(v, p + 1) => {
                if a == Opd::Temp && self.fuse_add_store(op, self.temp(p), None, offset) {
                    return Ok(());
                }
                let addr = self.slot_at(p, a);
                if self.fuse_load_store(op, addr, offset)
                    || self.fuse_add_imm_store(op, addr, offset)
                {
                    return Ok(());
                }
                self.route_through_acc();
                self.emit(
                    op.r_va,
                    Store {
                        addr,
                        src: 0,
                        offset,
                    },
                );
            }
            (a, v) if self.in_acc(a, p) => {
                let src = self.slot_at(p + 1, v);
                if self.fuse_add_store(op, self.temp(p), Some(src), offset) {
                    return Ok(());
                }
                self.route_through_acc();
                self.emit(
                    op.a_r,
                    Store {
                        addr: 0,
                        src,
                        offset,
                    },
                );
            }
            (a, v) => {
                let addr = self.slot_at(p, a);
                let src = self.slot_at(p + 1, v);
                if !(a == Opd::Temp && self.fuse_add_store(op, addr, Some(src), offset)) {
                    self.emit(op.rr, Store { addr, src, offset });
                }
            }
        }
        Ok(())
    }
}
