//! The `v128` type and the SIMD proposal's operators.
//!
//! A `v128` takes two cells, and two entries of the modelled operand stack (low half
//! first), so that everything that counts cells (frames, block parameters and results,
//! call arguments) needs no special case: `local.get` of a `v128` local pushes its two
//! cells as lazy locals, `v128.const` two constants. An instruction that reads a `v128`
//! names the first of two adjacent cells ([`FuncTranslator::pop_v128`]).

use super::*;
use wasmparser::VisitSimdOperator;

impl FuncTranslator<'_> {
    /// Whether global `g` holds a `v128`.
    pub(super) fn is_v128_global(&self, g: u32) -> bool {
        self.env.global_types.get(g as usize) == Some(&crate::ValType::V128)
    }

    /// `select` of two `v128`s.
    pub(super) fn select_v128(&mut self) -> R<bool> {
        let cond = self.pop_slot();
        let b = self.pop_v128();
        // `b`'s temporaries, if it has them, sit above `a`'s: materialising `a` cannot
        // overwrite them.
        let a = self.pop_v128();
        let dst = self.temp(self.stack.len());
        self.emit(op::SELECT_V128, Select { dst, cond, a, b });
        self.push_v128();
        Ok(false)
    }
}

impl FuncTranslator<'_> {
    /// The slot a `v128` result goes to: the first of two cells at the top of the stack.
    fn v128_dst(&self) -> Slot {
        self.temp(self.stack.len())
    }

    fn v128_binary(&mut self, op: Op<BinRR>) {
        let b = self.pop_v128();
        let a = self.pop_v128();
        let dst = self.v128_dst();
        self.emit(op, BinRR { dst, a, b });
        self.push_v128();
    }

    fn v128_unary(&mut self, op: Op<Un>) {
        let src = self.pop_v128();
        let dst = self.v128_dst();
        self.emit(op, Un { dst, src });
        self.push_v128();
    }

    fn v128_ternary(&mut self, op: Op<Tern>) {
        let c = self.pop_v128();
        let b = self.pop_v128();
        let a = self.pop_v128();
        let dst = self.v128_dst();
        self.emit(op, Tern { dst, a, b, c });
        self.push_v128();
    }

    /// A `v128` → `i32` test.
    fn v128_test(&mut self, op: Op<Un>) {
        let src = self.pop_v128();
        let dst = self.temp(self.stack.len());
        let pos = self.emit(op, Un { dst, src });
        self.push_result(pos, dst, None);
    }

    fn v128_shift(&mut self, op: Op<BinRR>) {
        let b = self.pop_slot();
        let a = self.pop_v128();
        let dst = self.v128_dst();
        self.emit(op, BinRR { dst, a, b });
        self.push_v128();
    }

    fn v128_splat(&mut self, op: Op<Un>) {
        let src = self.pop_slot();
        let dst = self.v128_dst();
        self.emit(op, Un { dst, src });
        self.push_v128();
    }

    fn v128_extract(&mut self, op: Op<Lane>, lane: u8) {
        let a = self.pop_v128();
        let dst = self.temp(self.stack.len());
        let lane = lane as u32;
        let pos = self.emit(op, Lane { dst, a, lane });
        self.push_result(pos, dst, None);
    }

    fn v128_replace(&mut self, op: Op<ReplaceLane>, lane: u8) {
        let x = self.pop_slot();
        let a = self.pop_v128();
        let dst = self.v128_dst();
        let lane = lane as u32;
        self.emit(op, ReplaceLane { dst, a, x, lane });
        self.push_v128();
    }

    fn v128_load(&mut self, op: Op<LoadX>, memarg: wasmparser::MemArg) -> R<bool> {
        let access = self.access(&memarg)?;
        let addr = self.pop_slot();
        let dst = self.v128_dst();
        self.emit(op, access.load(dst, addr));
        self.push_v128();
        Ok(false)
    }

    fn v128_load_lane(
        &mut self,
        op: Op<LoadLane>,
        memarg: wasmparser::MemArg,
        lane: u8,
    ) -> R<bool> {
        let access = self.access(&memarg)?;
        let src = self.pop_v128();
        let addr = self.pop_slot();
        let dst = self.v128_dst();
        let imm = LoadLane {
            dst,
            addr,
            src,
            lane: lane as u32,
            memory: access.memory,
            is64: access.is64 as u32,
            offset: access.offset,
        };
        self.emit(op, imm);
        self.push_v128();
        Ok(false)
    }

    fn v128_store_lane(
        &mut self,
        op: Op<StoreLane>,
        memarg: wasmparser::MemArg,
        lane: u8,
    ) -> R<bool> {
        let access = self.access(&memarg)?;
        let src = self.pop_v128();
        let addr = self.pop_slot();
        let imm = StoreLane {
            addr,
            src,
            lane: lane as u32,
            memory: access.memory,
            is64: access.is64 as u32,
            pad: 0,
            offset: access.offset,
        };
        self.emit(op, imm);
        Ok(false)
    }
}

/// Writes the visit method of every operator of `simd_table!` (see `exec/ops/simd.rs`).
macro_rules! simd_visits {
    (
        binary: [$($BIN:ident $_bin:ident $bv:ident),* $(,)?]
        unary: [$($UN:ident $_un:ident $uv:ident),* $(,)?]
        ternary: [$($TERN:ident $_tern:ident $tv:ident),* $(,)?]
        test: [$($TEST:ident $_test:ident $xv:ident),* $(,)?]
        shift: [$($SH:ident $_sh:ident $sv:ident),* $(,)?]
        splat: [$($SPLAT:ident $_splat:ident $spv:ident $_splat_t:ident),* $(,)?]
        extract: [$($EXT:ident $_ext:ident $ev:ident $_ext_t:ident),* $(,)?]
        replace: [$($REP:ident $_rep:ident $rv:ident $_rep_t:ident),* $(,)?]
        load: [$($LOAD:ident $_load:ident $lv:ident $_load_t:ident),* $(,)?]
        load_lane: [$($LL:ident $_ll_name:ident $llv:ident $_ll_t:ident $_ll_x:ident $_ll:ident),* $(,)?]
        store_lane: [$($SL:ident $_sl_name:ident $slv:ident $_sl_t:ident $_sl:ident),* $(,)?]
    ) => {
        $(fn $bv(&mut self) -> R<bool> {
            self.v128_binary(op::$BIN);
            Ok(false)
        })*
        $(fn $uv(&mut self) -> R<bool> {
            self.v128_unary(op::$UN);
            Ok(false)
        })*
        $(fn $tv(&mut self) -> R<bool> {
            self.v128_ternary(op::$TERN);
            Ok(false)
        })*
        $(fn $xv(&mut self) -> R<bool> {
            self.v128_test(op::$TEST);
            Ok(false)
        })*
        $(fn $sv(&mut self) -> R<bool> {
            self.v128_shift(op::$SH);
            Ok(false)
        })*
        $(fn $spv(&mut self) -> R<bool> {
            self.v128_splat(op::$SPLAT);
            Ok(false)
        })*
        $(fn $ev(&mut self, lane: u8) -> R<bool> {
            self.v128_extract(op::$EXT, lane);
            Ok(false)
        })*
        $(fn $rv(&mut self, lane: u8) -> R<bool> {
            self.v128_replace(op::$REP, lane);
            Ok(false)
        })*
        $(fn $lv(&mut self, memarg: wasmparser::MemArg) -> R<bool> {
            self.v128_load(op::$LOAD, memarg)
        })*
        $(fn $llv(&mut self, memarg: wasmparser::MemArg, lane: u8) -> R<bool> {
            self.v128_load_lane(op::$LL, memarg, lane)
        })*
        $(fn $slv(&mut self, memarg: wasmparser::MemArg, lane: u8) -> R<bool> {
            self.v128_store_lane(op::$SL, memarg, lane)
        })*
    };
}

impl<'a> VisitSimdOperator<'a> for FuncTranslator<'_> {
    crate::exec::ops::simd_table!(simd_visits);

    fn visit_v128_load(&mut self, memarg: wasmparser::MemArg) -> R<bool> {
        self.v128_load(op::V128_LOAD, memarg)
    }

    fn visit_v128_store(&mut self, memarg: wasmparser::MemArg) -> R<bool> {
        let access = self.access(&memarg)?;
        let src = self.pop_v128();
        let addr = self.pop_slot();
        self.emit(op::V128_STORE, access.store(addr, src));
        Ok(false)
    }

    /// Two constants, folded like any other until an instruction needs them in cells.
    fn visit_v128_const(&mut self, value: wasmparser::V128) -> R<bool> {
        let bits = u128::from_le_bytes(*value.bytes());
        self.push(Opd::Const(bits as u64));
        self.push(Opd::Const((bits >> 64) as u64));
        Ok(false)
    }

    fn visit_i8x16_shuffle(&mut self, lanes: [u8; 16]) -> R<bool> {
        let b = self.pop_v128();
        let a = self.pop_v128();
        let dst = self.v128_dst();
        // Whole 32-bit lanes (the common case) move as words.
        let (op, lanes) = match crate::v128::shuffle_words(&lanes) {
            Some(words) => (op::I32X4_SHUFFLE, u32::from_le_bytes(words) as u128),
            None => (op::I8X16_SHUFFLE, u128::from_le_bytes(lanes)),
        };
        let imm = Shuffle {
            dst,
            a,
            b,
            pad: 0,
            lanes_lo: lanes as u64,
            lanes_hi: (lanes >> 64) as u64,
        };
        self.emit(op, imm);
        self.push_v128();
        Ok(false)
    }
}
