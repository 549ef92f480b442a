//! Baton's internal code: the shape of instructions the interpreter executes.
//!
//! A translated function is a sequence of 64-bit words. Each instruction is one word holding
//! the address of its handler, followed by the instruction's immediates: a `#[repr(C)]`
//! struct (a *layout*) padded to whole words. Operands are frame slots ([`Slot`]): the
//! interpreter addresses locals and temporaries directly, there is no operand stack at
//! run time. Branch offsets are in words, relative to the branching instruction.
//!
//! The set of instructions lives in [`crate::exec::ops`]: each entry pairs a handler
//! with its layout through [`Op`], so the translator cannot emit immediates of the wrong
//! shape for a handler.

use core::marker::PhantomData;

/// Index of a 64-bit cell in the current frame (params, then locals, then temporaries).
pub(crate) type Slot = u32;

/// An instruction's identity, independent of where its handler ended up in the binary.
///
/// The translator and the fusion passes recognise instructions by their code, never by
/// comparing handler addresses: the compiler may merge handlers whose machine code is
/// identical (rustc's function merging does exactly that), which would make two different
/// instructions look the same; nor by name, which the forms of one family share. The code
/// is computed at compile time by the instruction table's `op!` (`exec::ops`) from where
/// the instruction is defined: the module and source position of the table entry, its name
/// and its handler's identifier, which together tell every instruction apart. A test
/// (`exec::ops::tests::op_codes_are_unique`) checks that no two instructions of the table
/// share a code. (A number, not the address of a per-instruction static: every `Op` kept in
/// a table of the binary would carry one more pointer for the loader to relocate.)
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub(crate) struct OpCode(core::num::NonZeroU32);

impl OpCode {
    /// The code as a number (for quick filters).
    pub fn value(self) -> u32 {
        self.0.get()
    }

    /// The code of the instruction defined by `parts` (32-bit FNV-1a over them, never 0).
    pub const fn of(parts: &[&str]) -> OpCode {
        let mut h: u32 = 0x811c_9dc5;
        let mut p = 0;
        while p < parts.len() {
            let b = parts[p].as_bytes();
            let mut i = 0;
            while i < b.len() {
                h ^= b[i] as u32;
                h = h.wrapping_mul(0x0100_0193);
                i += 1;
            }
            // A separator, so that ("ab", "c") and ("a", "bc") differ.
            h ^= 0xff;
            h = h.wrapping_mul(0x0100_0193);
            p += 1;
        }
        match core::num::NonZeroU32::new(h) {
            Some(nz) => OpCode(nz),
            None => OpCode(core::num::NonZeroU32::MIN),
        }
    }
}

/// One instruction kind: its identity, its handler and the layout of its immediates.
pub(crate) struct Op<L> {
    /// What the translator compares to recognise the instruction.
    pub code: OpCode,
    pub handler: crate::exec::Handler,
    pub name: &'static str,
    /// Whether the instruction may branch (its name has a part starting with `br`, as in
    /// `br_if.i32.eq` or `add.br_if.i32.lt_u`): code holding one cannot be copied elsewhere.
    pub branches: bool,
    _layout: PhantomData<fn() -> L>,
}

impl<L> Clone for Op<L> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<L> Copy for Op<L> {}

impl<L> Op<L> {
    /// Pairs `handler` with the layout `L` under the identity `code`; used only by the
    /// instruction table's `op!`, which computes the code.
    pub const fn new(handler: crate::exec::Handler, name: &'static str, code: OpCode) -> Self {
        Op {
            code,
            handler,
            name,
            branches: names_a_branch(name),
            _layout: PhantomData,
        }
    }

    /// The instruction without its layout type, for code that keeps instructions of
    /// different layouts side by side (the form to patch in later, say).
    pub const fn erase(self) -> AnyOp {
        AnyOp {
            code: self.code,
            handler: self.handler,
            words: words::<L>(),
        }
    }
}

/// An [`Op`] whose layout is known only by its size: what [`CodeBuf::retag`] takes, which
/// checks that the new instruction occupies as many words as the one it replaces.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AnyOp {
    pub code: OpCode,
    pub handler: crate::exec::Handler,
    pub words: usize,
}

/// Whether some `.`-separated part of `name` starts with `br` (evaluated at compile time).
const fn names_a_branch(name: &str) -> bool {
    let b = name.as_bytes();
    let mut i = 0;
    while i + 1 < b.len() {
        if (i == 0 || b[i - 1] == b'.') && b[i] == b'b' && b[i + 1] == b'r' {
            return true;
        }
        i += 1;
    }
    false
}

/// Number of words an instruction with layout `L` occupies (handler word included).
pub(crate) const fn words<L>() -> usize {
    1 + core::mem::size_of::<L>().div_ceil(8)
}

/// The immediates of an instruction, as written after its handler word.
///
/// # Safety
/// Every bit pattern is a valid value (the layouts hold integers only), so that reading one
/// back from the code is sound whatever was written there.
pub(crate) unsafe trait Layout: Copy {}

/// A growing buffer of translated code.
///
/// Besides the words it records, for the function being translated, which instruction
/// starts at each position ([`CodeBuf::op_at`]): the fusion passes ask that instead of
/// reading handler addresses back, and a position inside an instruction's immediates
/// answers `None`, so no immediate can be mistaken for an instruction.
#[derive(Default)]
pub(crate) struct CodeBuf {
    words: Vec<u64>,
    /// `codes[i]`: the instruction starting at word `base + i`, if one does. Always as
    /// long as the current function's code (`words.len() - base`): every method that
    /// adds or removes words does the same here.
    codes: Vec<Option<OpCode>>,
    /// Where the function being translated starts.
    base: usize,
    /// The `try_table`s of the code (see `exec::unwind`).
    pub handlers: crate::exec::unwind::HandlerTable,
}

impl CodeBuf {
    /// An empty buffer with room for about `words` words of code (and as many positions
    /// in the side table), so that translating a function does not grow it step by step.
    pub fn with_capacity(words: usize) -> CodeBuf {
        CodeBuf {
            words: Vec::with_capacity(words),
            codes: Vec::with_capacity(words),
            ..CodeBuf::default()
        }
    }

    /// Starts a new function at the current position: instructions before it are no longer
    /// tracked (fusions never reach across functions), which keeps the side table small.
    pub fn begin_function(&mut self) {
        self.codes.clear();
        self.base = self.words.len();
    }

    /// Current position (in words): where the next instruction goes.
    pub fn pos(&self) -> usize {
        self.words.len()
    }

    /// The instruction that starts at `pos` in the current function, if one does.
    pub fn op_at(&self, pos: usize) -> Option<OpCode> {
        let i = pos.checked_sub(self.base)?;
        self.codes.get(i).copied().flatten()
    }

    /// Whether the instruction at `pos` is `op`.
    pub fn is<L>(&self, pos: usize, op: Op<L>) -> bool {
        self.op_at(pos) == Some(op.code)
    }

    /// Appends one instruction and returns its position.
    pub fn emit<L: Layout>(&mut self, op: Op<L>, imm: L) -> usize {
        let pos = self.words.len();
        let n = words::<L>();
        // (`codes` always covers the current function's words: see `begin_function`.)
        debug_assert_eq!(self.codes.len(), pos - self.base);
        // One reservation each, then writes of a known count through the spare capacity
        // (`n` is a constant here): the most frequent call of translation, which `push`
        // and `extend` made check and grow the length word by word.
        self.words.reserve(n);
        self.codes.reserve(n);
        let at = self.codes.len();
        // SAFETY: `reserve` left room for `n` more elements in both vectors, and the
        // writes below initialise exactly those before `set_len` covers them. The
        // immediates' words are zeroed first (padding and the rest of the last word
        // included), then the immediates go over them: `n - 1` words hold at least
        // `size_of::<L>()` bytes, words are 8-aligned and every layout's alignment is <= 8.
        unsafe {
            let w = self.words.as_mut_ptr().add(pos);
            w.write(op.handler as usize as u64);
            core::ptr::write_bytes(w.add(1), 0, n - 1);
            debug_assert!(core::mem::align_of::<L>() <= 8);
            (w.add(1) as *mut L).write(imm);
            self.words.set_len(pos + n);
            let c = self.codes.as_mut_ptr().add(at);
            c.write(Some(op.code));
            for i in 1..n {
                c.add(i).write(None);
            }
            self.codes.set_len(at + n);
        }
        pos
    }

    /// Replaces the instruction at `pos` by `op`, keeping its immediates: `op` must be a form
    /// with the same layout (the accumulator form of a producer, a via of a jump).
    pub fn retag(&mut self, pos: usize, op: AnyOp) {
        let old = self.op_at(pos).expect("an instruction starts at `pos`");
        assert!(
            op.words <= self.span(pos),
            "{old:?} at {pos} replaced by a longer instruction"
        );
        self.words[pos] = op.handler as usize as u64;
        self.codes[pos - self.base] = Some(op.code);
    }

    /// Replaces the instruction at `pos` by `op` with immediates `imm`, where `op` is no
    /// longer than what it replaces (a jump turned into a return); words it leaves over
    /// are dead (never executed: the new instruction does not fall through into them).
    pub fn rewrite<L: Layout>(&mut self, pos: usize, op: Op<L>, imm: L) {
        self.retag(pos, op.erase());
        let n = words::<L>();
        self.words[pos + 1..pos + n].fill(0);
        // SAFETY: `retag` checked that the instruction replaced spans at least `n` words
        // from `pos`, which hold at least `size_of::<L>()` bytes after the handler word;
        // words are 8-aligned and every layout's alignment is <= 8.
        unsafe { (self.words.as_mut_ptr().add(pos + 1) as *mut L).write(imm) }
    }

    /// Replaces each instruction of the function being translated that `pair_of` pairs
    /// with the instruction right after it (no dead words between) by that pair, which
    /// keeps its immediates (see `exec::ops::pairs`). Greedy, from the start: an
    /// instruction taken as a pair's second starts no pair. One pass over the side table.
    pub fn pair_up(&mut self, pair_of: impl Fn(OpCode, OpCode) -> Option<AnyOp>) {
        let mut prev: Option<(usize, OpCode)> = None;
        for i in 0..self.codes.len() {
            let Some(code) = self.codes[i] else {
                continue;
            };
            if let Some((p, first)) = prev {
                // (A pair spans its first instruction's words: the second must start
                // right after them.)
                if let Some(pair) = pair_of(first, code).filter(|pair| pair.words == i - p) {
                    self.words[self.base + p] = pair.handler as usize as u64;
                    self.codes[p] = Some(pair.code);
                    prev = None;
                    continue;
                }
            }
            prev = Some((i, code));
        }
    }

    /// Completes the entries of `br_table`s of the function being translated, once its code
    /// is final (nothing rewrites it any more): each entry's high half gets the handler of
    /// the instruction at its target (see `exec::dispatch::table_jump`). `tables` lists,
    /// for each table, its instruction's position and the position and number of its
    /// entries. Returns `false` if a handler is out of the entries' reach (or a target is
    /// outside the code).
    pub fn seal_tables(&mut self, tables: &[(usize, usize, usize)]) -> bool {
        for &(pos, first, count) in tables {
            for q in first..first + count {
                let offset = self.words[q] as i32;
                let target = (pos as i64 + offset as i64) as usize;
                // (`get`: a target past the code would be a translator bug, refused here
                // rather than panicking; debug builds check each entry's handler against
                // the word at its target when it is taken, see `table_jump!`.)
                let entry = self
                    .words
                    .get(target)
                    .and_then(|&handler| crate::exec::dispatch::table_entry(offset, handler));
                match entry {
                    Some(entry) => self.words[q] = entry,
                    None => return false,
                }
            }
        }
        true
    }

    /// The number of words from `pos` to the next instruction of the current function (or
    /// to the end of the code).
    fn span(&self, pos: usize) -> usize {
        self.codes[pos - self.base + 1..]
            .iter()
            .position(Option::is_some)
            .map_or(self.words.len() - pos, |n| n + 1)
    }

    /// Appends a raw word (used for `br_table` targets).
    pub fn push_word(&mut self, w: u64) {
        self.words.push(w);
        if self.words.len() - self.base > self.codes.len() {
            self.codes.resize(self.words.len() - self.base, None);
        }
    }

    /// Overwrites the 32-bit field at byte `byte_pos` of the buffer.
    pub fn patch_u32(&mut self, byte_pos: usize, value: u32) {
        debug_assert!(
            self.op_at(byte_pos / 8).is_none(),
            "a patch inside immediates, not over a handler word"
        );
        let word = &mut self.words[byte_pos / 8];
        let shift = (byte_pos % 8) * 8;
        *word = (*word & !(0xffff_ffffu64 << shift)) | ((value as u64) << shift);
    }

    /// The immediates of the instruction at `pos`, read as layout `L`.
    pub fn imm<L: Layout>(&self, pos: usize) -> L {
        assert!(
            pos + words::<L>() <= self.words.len(),
            "instruction inside the code"
        );
        // SAFETY: the words `pos + 1 ..` hold at least `size_of::<L>()` bytes (checked just
        // above), aligned to 8, and any bits are an `L` (`Layout`).
        unsafe { (self.words.as_ptr().add(pos + 1) as *const L).read() }
    }

    /// The immediates of the instruction at `pos` if it is `op`, read with `op`'s layout.
    pub fn imm_if<L: Layout>(&self, pos: usize, op: Op<L>) -> Option<L> {
        self.is(pos, op).then(|| self.imm::<L>(pos))
    }

    /// Changes the immediates of the instruction at `pos`, which must be `op`.
    pub fn update<L: Layout>(&mut self, pos: usize, op: Op<L>, f: impl FnOnce(&mut L)) {
        let mut imm = self.imm_if(pos, op).expect("the instruction to update");
        f(&mut imm);
        // SAFETY: the instruction at `pos` is `op`, so the words after it hold an `L`
        // (`imm_if` checked that they lie inside the code); aligned to 8.
        unsafe { (self.words.as_mut_ptr().add(pos + 1) as *mut L).write(imm) }
    }

    /// Drops every instruction from `pos` on (used when fusing an instruction into the next).
    pub fn truncate(&mut self, pos: usize) {
        debug_assert!(pos >= self.base, "truncating into an earlier function");
        self.words.truncate(pos);
        self.codes.truncate(pos.saturating_sub(self.base));
    }

    /// The code, once translation is over.
    pub fn into_words(self) -> Vec<u64> {
        self.words
    }

    /// Removes the instructions from `pos` on and hands them back, to be put back later
    /// with [`CodeBuf::paste`] (an instruction that a fusion moves past another).
    pub fn cut(&mut self, pos: usize) -> Cut {
        let codes = self.codes.split_off(pos - self.base);
        let words = self.words.split_off(pos);
        Cut { words, codes }
    }

    /// Appends what [`CodeBuf::cut`] took out; returns where it now starts.
    pub fn paste(&mut self, cut: Cut) -> usize {
        let pos = self.words.len();
        self.codes.resize(pos - self.base, None);
        self.words.extend_from_slice(&cut.words);
        self.codes.extend_from_slice(&cut.codes);
        pos
    }

    /// Replaces the instructions that span the `words::<L>()` words from `pos` (the first
    /// starting at `pos`, the last ending exactly there) by the one instruction `op`.
    pub fn merge<L: Layout>(&mut self, pos: usize, op: Op<L>, imm: L) {
        let n = words::<L>();
        assert!(self.op_at(pos).is_some(), "an instruction starts at `pos`");
        assert!(
            pos + n == self.words.len() || self.op_at(pos + n).is_some(),
            "the instructions replaced end where `op` does"
        );
        for p in pos + 1..pos + n {
            self.codes[p - self.base] = None;
        }
        self.codes[pos - self.base] = Some(op.code);
        self.words[pos] = op.handler as usize as u64;
        self.words[pos + 1..pos + n].fill(0);
        // SAFETY: the `n` words from `pos` are inside the code (checked: an instruction or
        // the end follows them), so `pos + 1 ..` holds `size_of::<L>()` bytes; words are
        // 8-aligned and every layout's alignment is <= 8.
        unsafe { (self.words.as_mut_ptr().add(pos + 1) as *mut L).write(imm) }
    }

    /// Appends words copied from elsewhere in the current function (a loop's exit test
    /// repeated at its back edge), with the instructions they hold.
    pub fn extend_from_within(&mut self, from: usize, to: usize) {
        let start = self.words.len();
        self.words.extend_from_within(from..to);
        let codes: Vec<Option<OpCode>> = (from..to).map(|p| self.op_at(p)).collect();
        self.codes.resize(start - self.base, None);
        self.codes.extend(codes);
    }
}

/// Instructions taken out of a [`CodeBuf`] with their identities, to be put back.
pub(crate) struct Cut {
    words: Vec<u64>,
    codes: Vec<Option<OpCode>>,
}

impl Cut {
    /// Replaces the first instruction by `op`, a form with the same layout.
    pub fn retag_first(&mut self, op: AnyOp) {
        assert!(op.words <= self.words.len(), "a form of the same layout");
        self.words[0] = op.handler as usize as u64;
        self.codes[0] = Some(op.code);
    }
}

/// Byte position of field at `field_offset` of the immediates of the instruction at `pos`.
pub(crate) const fn field_byte(pos: usize, field_offset: usize) -> usize {
    (pos + 1) * 8 + field_offset
}

/// The immediates' layouts. Every layout that writes one result has `dst` as its first
/// field, so the translator can retarget the result (e.g. straight into a local).
pub(crate) mod layout {
    use super::Slot;

    macro_rules! layouts {
        ($($(#[$m:meta])* $name:ident { $($f:ident : $t:ty),* })*) => {$(
            $(#[$m])*
            #[repr(C)]
            #[derive(Clone, Copy, Debug)]
            pub(crate) struct $name { $(pub $f: $t),* }
            // SAFETY: the fields are the integers listed here (`Slot`, `u32`, `i32`, `u64`,
            // `i64`): any bits are a value. The assertions below make sure the struct has no
            // padding (whose bytes would be uninitialised inside the code words) and needs
            // no more than the words' alignment.
            unsafe impl super::Layout for $name {}
            const _: () = {
                assert!(core::mem::size_of::<$name>() == 0 $(+ core::mem::size_of::<$t>())*);
                assert!(core::mem::align_of::<$name>() <= 8);
            };
        )*};
    }

    layouts! {
        /// No immediates.
        Nothing {}
        /// A trap with its code.
        TrapImm { code: u32 }
        /// A function not translated yet (its stub): the module's defined-function index.
        Translate { func: u32 }
        /// `dst = op(src)`.
        Un { dst: Slot, src: Slot }
        /// Two copies in one instruction, in order: `dst1 = src1`, then `dst2 = src2`.
        Copy2 { dst1: Slot, src1: Slot, dst2: Slot, src2: Slot }
        /// [`Copy2`], then `dst = a + imm` (i32), in the six words the two took (`pad2`
        /// keeps the size): a loop header's phi copies and the increment after them (an
        /// interpreter's `pc + 1`), made one where the header is repeated at each case
        /// (see `FuncTranslator::note_dispatch`).
        Copy2AddRI { dst1: Slot, src1: Slot, dst2: Slot, src2: Slot, dst: Slot, a: Slot, imm: i32, pad: u32, pad2: u64 }
        /// [`Copy2AddRI`] and a jump back to an interpreter loop's dispatch, which the
        /// instruction runs where it stands (a via; see `exec::ops::via_entry`):
        /// `copy2.i32.add.br>...`, the end of a copied dispatch header. The same words as
        /// [`Copy2AddRI`], `offset` counting from the instruction's own position.
        Copy2AddBr { dst1: Slot, src1: Slot, dst2: Slot, src2: Slot, dst: Slot, a: Slot, imm: i32, offset: i32, pad: u64 }
        /// `dst = op(a, b)`.
        BinRR { dst: Slot, a: Slot, b: Slot }
        /// `dst = op(a, imm)` or `dst = op(imm, a)` for 32-bit constants.
        BinRI32 { dst: Slot, a: Slot, imm: i32 }
        /// `dst = op(a, imm)` or `dst = op(imm, a)` for 64-bit constants.
        BinRI64 { dst: Slot, a: Slot, imm: i64 }
        /// `dst = value`.
        Const { dst: Slot, pad: u32, val: u64 }
        /// Unconditional branch.
        Br { offset: i32 }
        /// `dst = src`, then an unconditional branch (a value moved to a block's result).
        CopyBr { dst: Slot, src: Slot, offset: i32 }
        /// `dst = val`, then an unconditional branch.
        ConstBr { dst: Slot, offset: i32, val: u64 }
        /// Branch on a slot being zero / non-zero.
        BrCond { cond: Slot, offset: i32 }
        /// `dst = val`, then a branch on slot `cond` being zero / non-zero (a constant
        /// stored just before a test: a phi value materialised before a join).
        ConstBrCond { cond: Slot, dst: Slot, offset: i32, pad: u32, val: u64 }
        /// Branch when `cond` is non-zero, moving the one value the label takes first:
        /// `dst = src`.
        BrIfCopy { cond: Slot, dst: Slot, src: Slot, offset: i32 }
        /// Branch when the accumulator is non-zero, moving it to `dst` first: the value a
        /// `local.tee` just wrote is both the condition and the one value the label takes
        /// (a loop counting down through its parameter).
        BrIfCopyAcc { dst: Slot, offset: i32 }
        /// Fused compare-and-branch on two slots.
        BrCmpRR { a: Slot, b: Slot, offset: i32 }
        /// Fused compare-and-branch on a slot and a 32-bit constant.
        BrCmpRI32 { a: Slot, imm: i32, offset: i32 }
        /// A loop's back edge in one instruction: `x += step`, then branch if `x` compares
        /// true with `limit`. `step` and `limit` are each a slot or an `i32` constant, as
        /// the instruction's form says.
        AddBr { x: Slot, step: u32, limit: u32, offset: i32 }
        /// [`AddBr`] after a second counter's step, `dst2 = a2 + k2` (i32): the back edge of
        /// a loop that also advances a pointer or a second index.
        AddAddBr { dst2: Slot, a2: Slot, k2: i32, x: Slot, step: u32, limit: u32, offset: i32 }
        /// [`AddBr`] after the copies emitted just before it, in order: `dst1 = src1`, then
        /// `dst2 = src2` (one copy is written twice). A loop whose carried values rotate
        /// (`t = a + b; a = b; b = t`) moves them right before its back edge.
        CopyAddBr { dst1: Slot, src1: Slot, dst2: Slot, src2: Slot, x: Slot, step: u32, limit: u32, offset: i32 }
        /// [`AddBr`] in metered code, charging `fuel` first (the next iteration's block).
        AddBrFuel { x: Slot, step: u32, limit: u32, offset: i32, fuel: u32 }
        /// Fused compare-and-branch on a slot and a 64-bit constant.
        BrCmpRI64 { a: Slot, offset: i32, imm: i64 }
        /// A float add and a compare-and-branch on its sum against a constant (an escape
        /// test such as `x*x + y*y <= 4`): `dst = a + b`, then the branch on `dst` and
        /// `imm` (the constant's bits; an `f32`'s in the low half).
        AddBrCmpRI { dst: Slot, a: Slot, b: Slot, offset: i32, imm: u64 }
        /// `br_table`: followed by `len + 1` words, each a branch offset (default last).
        BrTable { index: Slot, len: u32 }
        /// [`BrTable`] on `index + bias` (32-bit, wrapping): the `i32.add` of a constant
        /// computing the index folded in (interpreters' opcode dispatch). `len` stays in the
        /// last word's upper half, where the disassembler finds it.
        BrTableBias { index: Slot, bias: i32, pad: u32, len: u32 }
        /// `br_table` on the value loaded from memory 0 at `addr + offset` (`addr` a slot or
        /// the accumulator, as the form says) plus `bias` (32-bit, wrapping), the value also
        /// written to `dst`: a switch on a byte or word just read (`switch (op = *pc++)`).
        /// `len` stays in the last word's upper half, as in [`BrTableBias`].
        LoadBrTable { dst: Slot, addr: Slot, offset: u32, bias: i32, pad: u32, len: u32 }
        /// `cdst = val` (a constant stored just before: a phi value set before an
        /// interpreter's dispatch), then [`LoadBrTable`] (address from a slot). `len` stays
        /// in the last word's upper half, as in [`BrTableBias`].
        ConstLoadBrTable { val: u64, dst: Slot, addr: Slot, offset: u32, bias: i32, cdst: Slot, len: u32 }
        /// [`LoadBrTable`] whose address is `(a & mask) << shift` (i32, `a` a slot): an
        /// `i32.and_shl` folded in (Lua's dispatch: the opcode field of the instruction
        /// word scaled to an entry of its table of labels). `len` stays in the last
        /// word's upper half, as in [`BrTableBias`].
        AndShlLoadBrTable { dst: Slot, a: Slot, mask: u32, shift: u32, offset: u32, bias: i32, pad: u32, len: u32 }
        /// Return with one value taken from a slot.
        Ret1 { src: Slot }
        /// `throw`: an exception of the module's tag `tag`, its payload in the cells from
        /// `base` on.
        Throw { tag: u32, base: Slot }
        /// `throw_ref` of the exception slot `exn` refers to.
        ThrowRef { exn: Slot }
        /// Return with one constant value.
        RetImm { pad: u32, pad2: u32, val: u64 }
        /// Direct call: callee's frame starts at `base`; `func` is a defined function index
        /// (`Call`) or a module function index (`CallImport`).
        Call { func: u32, base: Slot }
        /// Indirect call through `table`, checking the engine-wide `type_id`.
        CallIndirect { table: u32, type_id: u32, index: Slot, base: Slot }
        /// Call through a function reference (`call_ref`): the callee is the function
        /// entity whose address slot `callee` holds (0: null, a trap).
        CallRef { callee: Slot, base: Slot }
        /// [`CallRef`] that first copies one value into place (an argument or the
        /// reference).
        CallRefCopy { callee: Slot, base: Slot, dst: Slot, src: Slot }
        /// [`CallRef`] that first makes two copies, in order.
        CallRefCopy2 { callee: Slot, base: Slot, dst1: Slot, src1: Slot, dst2: Slot, src2: Slot }
        /// [`Call`] that first copies one argument into place: `dst = src`, then the call.
        CallCopy { func: u32, base: Slot, dst: Slot, src: Slot }
        /// [`Call`] that first makes two copies, in order, as [`Copy2`] does.
        CallCopy2 {
            func: u32, base: Slot, dst1: Slot, src1: Slot, dst2: Slot, src2: Slot
        }
        /// [`Call`] that first makes three copies, in order (`dst1 = src1`, ...).
        CallCopy3 {
            func: u32, base: Slot, dst1: Slot, src1: Slot, dst2: Slot, src2: Slot,
            dst3: Slot, src3: Slot
        }
        /// [`Call`] that first makes four copies, in order.
        CallCopy4 {
            func: u32, base: Slot, dst1: Slot, src1: Slot, dst2: Slot, src2: Slot,
            dst3: Slot, src3: Slot, dst4: Slot, src4: Slot
        }
        /// [`CallIndirect`] that first copies one value into place (an argument or the
        /// table index).
        CallIndirectCopy {
            table: u32, type_id: u32, index: Slot, base: Slot, dst: Slot, src: Slot
        }
        /// [`CallIndirect`] that first makes two copies, in order.
        CallIndirectCopy2 {
            table: u32, type_id: u32, index: Slot, base: Slot,
            dst1: Slot, src1: Slot, dst2: Slot, src2: Slot
        }
        /// `dst = cond != 0 ? a : b`.
        Select { dst: Slot, cond: Slot, a: Slot, b: Slot }
        /// Global access: `slot` is the destination (get) or source (set).
        Global { slot: Slot, global: u32 }
        /// A branch on an `i32` global's value: to `offset` (words from the instruction)
        /// when it is zero or not, as the handler says.
        GlobalBr { global: u32, offset: i32 }
        /// A branch on an `i32` global's value compared with `imm`.
        GlobalCmpBr { global: u32, imm: u32, offset: i32 }
        /// A branch on an `i32` `select` whose condition is a global's value (`global`):
        /// the selected value is slot `a` when the global is not zero (zero with `swap`),
        /// else `imm`; the branch is taken when that value is zero or not, as the
        /// handler says.
        GlobalSelectBr { a: Slot, global: u32, imm: u32, swap: u32, offset: i32 }
        /// `slot = global + imm` (`global.get` and an add of a constant in one), or
        /// `global = slot + imm` (an add of a constant and `global.set`): a C function's
        /// shadow-stack prologue and epilogue. 32-bit forms use the low half of `imm`.
        GlobalAdd { slot: Slot, global: u32, imm: i64 }
        /// `global = slot + imm` ([`GlobalAdd`]'s set), then return with one value taken
        /// from `src`: a C function's epilogue and its return.
        GlobalAddRet { slot: Slot, global: u32, imm: i64, src: Slot, pad: u32 }
        /// Memory load: `dst = mem[addr + offset]`. In the `w` forms (memory 0 with 64-bit
        /// addresses), here and in the other layouts they use, `offset` is that of the
        /// access's last byte: the Wasm offset plus the access's size minus one (see
        /// `exec::ops::memory::wide_at`).
        Load { dst: Slot, addr: Slot, offset: u32 }
        /// A value loaded and stored at once, memory 0: `to + to_offset` gets the bytes at
        /// `from + from_offset` (a struct field or a tagged value copied: Lua's `TValue`).
        LoadStore { from: Slot, from_offset: u32, to: Slot, to_offset: u32 }
        /// A pointer loaded and followed at once, 32-bit loads: `dst = mem[mem[addr +
        /// inner] + offset]` (`p->next->value`; the pointer went nowhere else).
        LoadLoad { dst: Slot, addr: Slot, inner: u32, offset: u32 }
        /// An `i32.add` of a constant whose sum only the `i32.store` after it takes:
        /// `mem[addr + offset] = a + imm` (32-bit, wrapping; `a` unused by the form that
        /// adds to the accumulator).
        AddStore { addr: Slot, offset: u32, a: Slot, imm: u32 }
        /// Memory store: `mem[addr + offset] = src` (`w` forms: see [`Load`]).
        Store { addr: Slot, src: Slot, offset: u32 }
        /// Load from a constant effective address: `dst = mem[addr]`.
        LoadAbs { dst: Slot, pad: u32, addr: u64 }
        /// A load from address `a + b` (32-bit, wrapping) plus `offset`: an `i32.add`
        /// folded into the load that uses it. The `w` forms (64-bit addresses) add in 64
        /// bits, an `i64.add` folded in (their `offset`: see [`Load`]).
        LoadRR { dst: Slot, a: Slot, b: Slot, offset: u32 }
        /// A load from address `a + imm` (32-bit, wrapping) plus `offset`. The `w` forms
        /// add `imm` sign-extended to 64 bits, in 64 bits.
        LoadRI { dst: Slot, a: Slot, imm: u32, offset: u32 }
        /// A load from an address an `i32.add` of a constant just computed and kept, in
        /// one dispatch: `sum = a + imm` (32-bit, wrapping), then `dst = mem[sum +
        /// offset]` (`p = p - 8; *p`: a negative displacement, which a Wasm offset cannot
        /// hold, with the pointer kept). (`dst` first, as in every layout with a result:
        /// `local.set` retargets an instruction's field 0.)
        AddLoad { dst: Slot, offset: u32, sum: Slot, a: Slot, imm: u32 }
        /// A load from address `idx << shift` (32-bit, wrapping) plus `offset`: an
        /// `i32.shl` scaling an index folded into the load that uses it.
        LoadSh { dst: Slot, idx: Slot, shift: u32, offset: u32 }
        /// A load from slot `addr` plus `offset` whose value is only tested against zero,
        /// and the branch (by `br` words) on the outcome.
        LoadBr { addr: Slot, offset: u32, br: i32 }
        /// Like [`LoadBr`], from address `a + imm` (32-bit, wrapping) plus `offset`.
        LoadBrRI { a: Slot, imm: u32, offset: u32, br: i32 }
        /// A load from slot `addr` plus `offset` whose value is compared with the constant
        /// `imm` (of the comparison's width), and the branch (by `br` words) taken when the
        /// comparison holds; the `_d` forms also write the value to `dst`.
        LoadBrImm { addr: Slot, offset: u32, br: i32, dst: Slot, imm: i64 }
        /// `dst = a + (b << shift)` (i32): an array element's address.
        AddShl { dst: Slot, a: Slot, b: Slot, shift: u32 }
        /// `dst = (a >> shift) & mask` (i32, logical shift): a bit field; also
        /// `dst = (a & mask) << shift` (`i32.and_shl`: a masked index scaled to bytes).
        ShrAnd { dst: Slot, a: Slot, shift: u32, mask: u32 }
        /// `dst = a + ((b >> shift) & mask)` (i32): a bit field decoded and added to a
        /// base in one (an interpreter's operand fields).
        AddShrAnd { dst: Slot, a: Slot, b: Slot, shift: u32, mask: u32 }
        /// `dst = a * b + c` (i32, wrapping): a multiply-accumulate. `b` and `c` are slots
        /// or constants, by the instruction's form (see `I32_MUL_ADD`).
        MulAdd { dst: Slot, a: Slot, b: u32, c: u32 }
        /// Store to address `a + b` (32-bit, wrapping) plus `offset`: `base[i] = src`, the
        /// value from slot `src` or the accumulator, by the instruction's form. The `w`
        /// forms add in 64 bits, an `i64.add` folded in (their `offset`: see [`Load`]).
        StoreSum { a: Slot, b: Slot, src: Slot, offset: u32 }
        /// Store of a constant: `mem[addr + offset] = val` (`w` forms: see [`Load`]).
        StoreImm { addr: Slot, offset: u32, val: u64 }
        /// Store to a constant effective address: `mem[addr] = src`.
        StoreAbs { src: Slot, pad: u32, addr: u64 }
        /// `dst = cond != 0 ? a : b` with both values constant.
        SelectII { dst: Slot, cond: Slot, a: u64, b: u64 }
        /// `dst = cond != 0 ? a : imm` (`swap`: `cond != 0 ? imm : a`).
        SelectRI { dst: Slot, cond: Slot, a: Slot, swap: u32, imm: u64 }
        /// A `select` on a comparison just computed, in one instruction:
        /// `dst = cmp(a, b) ? x : y`. By the instruction's form, `b` is slot `b` or the
        /// constant `cimm` (a float's bits for float comparisons), and `y` slot `y` or the
        /// constant `simm`; with a constant `y`, `swap` gives `cmp(a, b) ? simm : x`.
        CmpSelect { dst: Slot, a: Slot, b: Slot, x: Slot, y: Slot, swap: u32, cimm: u64, simm: u64 }
        /// `memory.size`.
        MemSize { dst: Slot, memory: u32 }
        /// `memory.grow`.
        MemGrow { dst: Slot, delta: Slot, memory: u32 }
        /// `memory.copy` from memory `src_mem` to memory `dst_mem`.
        MemCopy { dst: Slot, src: Slot, len: Slot, dst_mem: u32, src_mem: u32 }
        /// `memory.fill`.
        MemFill { dst: Slot, val: Slot, len: Slot, memory: u32 }
        /// `memory.init`.
        MemInit { seg: u32, dst: Slot, src: Slot, len: Slot, memory: u32 }
        /// `data.drop` / `elem.drop`.
        Seg { seg: u32 }
        /// `table.get`.
        TableGet { dst: Slot, table: u32, idx: Slot }
        /// `table.set`.
        TableSet { table: u32, idx: Slot, val: Slot }
        /// `table.size`.
        TableSize { dst: Slot, table: u32 }
        /// `table.grow`.
        TableGrow { dst: Slot, table: u32, init: Slot, delta: Slot }
        /// `table.fill`.
        TableFill { table: u32, idx: Slot, val: Slot, len: Slot }
        /// `table.copy`.
        TableCopy { dst_table: u32, src_table: u32, dst: Slot, src: Slot, len: Slot }
        /// `table.init`.
        TableInit { table: u32, seg: u32, dst: Slot, src: Slot, len: Slot }
        /// `ref.func`.
        RefFunc { dst: Slot, func: u32 }
        /// `ref.test` / `ref.cast` of the reference in `src` against a reference type
        /// (`runtime::cast::CastTarget` and a type id): `dst` = 1 if it passes, else 0
        /// (`ref.test`), or a trap unless it passes (`ref.cast`, in place: `dst` unused).
        RefTest { dst: Slot, src: Slot, target: u32, type_id: u32 }
        /// `struct.new` (the `cells` field cells from `base` on) or `struct.new_default`
        /// (`cells` zeroed): a structure of type `type_id` in `dst`.
        StructNew { dst: Slot, base: Slot, type_id: u32, cells: u32 }
        /// `struct.get`/`struct.set` of the field at cell `cell` of the structure in `obj`:
        /// `val` is the destination (get) or source (set); `elem` the field's storage (see
        /// `runtime::gc::Elem`).
        GcField { val: Slot, obj: Slot, cell: u32, elem: u32 }
        /// `array.new` (every element `init`), `array.new_default` (`init` unused) or
        /// `array.new_fixed` (`len` elements from `init` on, `len` a count, not a slot): an
        /// array of type `type_id` in `dst`.
        ArrayNew { dst: Slot, init: Slot, len: u32, type_id: u32, elem: u32 }
        /// `array.new_data`/`array.new_elem`: `len` elements from segment `seg` at `offset`.
        ArrayNewSeg { dst: Slot, offset: Slot, len: Slot, type_id: u32, elem: u32, seg: u32 }
        /// `array.get`/`array.set` of element `idx` of the array in `arr`: `val` is the
        /// destination (get) or source (set).
        ArrayAccess { val: Slot, arr: Slot, idx: Slot, elem: u32 }
        /// `array.fill`: `len` elements from `offset` set to `val`.
        ArrayFill { arr: Slot, offset: Slot, val: Slot, len: Slot, elem: u32 }
        /// `array.copy`: `len` elements from `src[src_offset..]` to `dst[dst_offset..]`.
        ArrayCopy { dst: Slot, dst_offset: Slot, src: Slot, src_offset: Slot, len: Slot, elem: u32 }
        /// `array.init_data`/`array.init_elem`: `len` elements of segment `seg` from
        /// `src_offset` on into `arr[dst_offset..]`.
        ArrayInit { arr: Slot, dst_offset: Slot, src_offset: Slot, len: Slot, elem: u32, seg: u32 }
        /// `dst = op(a, b, c)` on `v128`s (cell pairs).
        Tern { dst: Slot, a: Slot, b: Slot, c: Slot }
        /// `dst` = lane `lane` of the `v128` at `a`.
        Lane { dst: Slot, a: Slot, lane: u32 }
        /// `dst = a` with lane `lane` replaced by the scalar in slot `x`.
        ReplaceLane { dst: Slot, a: Slot, x: Slot, lane: u32 }
        /// `i8x16.shuffle`: the 16 lane indices, little-endian in `lanes_lo`, `lanes_hi`.
        Shuffle { dst: Slot, a: Slot, b: Slot, pad: u32, lanes_lo: u64, lanes_hi: u64 }
        /// A load from any memory (`memory`), with 32- or 64-bit addresses (`is64`) and a
        /// 64-bit offset: `dst = memory[addr + offset]` (see `exec::ops::memory::locate`).
        LoadX { dst: Slot, addr: Slot, memory: u32, is64: u32, offset: u64 }
        /// A store to any memory: `memory[addr + offset] = src`.
        StoreX { addr: Slot, src: Slot, memory: u32, is64: u32, offset: u64 }
        /// A load from memory `memory` (not 0) with 32-bit addresses:
        /// `dst = memory[addr + offset]`.
        LoadM { dst: Slot, addr: Slot, memory: u32, offset: u32 }
        /// A load from memory `memory` (not 0) with 32-bit addresses, from address `a + b`
        /// (32-bit, wrapping) plus `offset`: an `i32.add` folded in.
        LoadMRR { dst: Slot, a: Slot, b: Slot, memory: u32, offset: u32 }
        /// A load from memory `memory` (not 0) with 32-bit addresses, from address
        /// `a + imm` (32-bit, wrapping) plus `offset`.
        LoadMRI { dst: Slot, a: Slot, imm: u32, memory: u32, offset: u32 }
        /// A store to memory `memory` (not 0) with 32-bit addresses; the value from slot
        /// `src` or the accumulator, by the instruction's form.
        StoreM { addr: Slot, src: Slot, memory: u32, offset: u32 }
        /// A store to memory `memory` (not 0) with 32-bit addresses, to address `a + b`
        /// (32-bit, wrapping) plus `offset`: an `i32.add` folded in; the value from slot
        /// `src` or the accumulator, by the instruction's form.
        StoreMSum { a: Slot, b: Slot, src: Slot, memory: u32, offset: u32 }
        /// A store of a constant to memory `memory` (not 0) with 32-bit addresses.
        StoreMImm { addr: Slot, memory: u32, offset: u32, pad: u32, val: u64 }
        /// A load into lane `lane` of the `v128` at `src`: `dst = src` with that lane
        /// replaced by `memory[addr + offset]`.
        LoadLane { dst: Slot, addr: Slot, src: Slot, lane: u32, memory: u32, is64: u32, offset: u64 }
        /// A store of lane `lane` of the `v128` at `src` to `memory[addr + offset]`.
        StoreLane { addr: Slot, src: Slot, lane: u32, memory: u32, is64: u32, pad: u32, offset: u64 }
        /// A 128-bit operation on two i64 pairs (wide arithmetic): the low half of the
        /// result goes to `dst`, the high half to `dst + 1`.
        Wide128 { dst: Slot, a_lo: Slot, a_hi: Slot, b_lo: Slot, b_hi: Slot }
        /// Charges the fuel of the basic block it starts.
        Fuel { amount: u32 }
        /// Charges one unit of fuel per `2^shift` elements of the length in slot `len` (the
        /// allocation and bulk work of the array instruction that follows).
        FuelElems { len: Slot, shift: u32 }
    }
}

#[cfg(test)]
mod tests {
    use super::names_a_branch;

    #[test]
    fn branch_names() {
        for name in [
            "br",
            "br_if_eqz",
            "br_table",
            "add.br_if.i32.lt_u",
            "copy.br",
        ] {
            assert!(names_a_branch(name), "{name}");
        }
        for name in ["i32.add", "copy", "return.slot", "i64.rotr", "b", ""] {
            assert!(!names_a_branch(name), "{name}");
        }
    }
}
