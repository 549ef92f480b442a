//! Memory operators: loads and stores (with their address folding) and the memory index
//! checks.

use super::*;

impl FuncTranslator<'_> {
    pub(super) fn memory_index(&self, mem: u32) -> R {
        if mem != 0 {
            return Err(self.unsupported("multiple memories"));
        }
        Ok(())
    }

    pub(super) fn memarg(&self, memarg: &wasmparser::MemArg) -> R<u32> {
        let wasmparser::MemArgTarget::Memory(mem) = memarg.target else {
            return Err(self.unsupported("GC array access"));
        };
        self.memory_index(mem)?;
        u32::try_from(memarg.offset).map_err(|_| self.unsupported("offsets above 4 GiB"))
    }

    pub(super) fn load(&mut self, op: LoadOp, memarg: wasmparser::MemArg) -> R {
        let offset = self.memarg(&memarg)?;
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
                (self.emit(op.r, Load { dst, addr, offset }), op.r_a.erase())
            }
        };
        self.push_result_acc(pos, dst, None, Some(acc));
        Ok(())
    }

    pub(super) fn store(&mut self, op: StoreOp, memarg: wasmparser::MemArg) -> R {
        let offset = self.memarg(&memarg)?;
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
                self.route_through_acc();
                let addr = self.slot_at(p, a);
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
