//! Which locals a function may read before it writes them: only those need zeroing when
//! the function is entered (the call handlers zero cells `num_params..zero_end`).
//!
//! One forward pass with the translation, over structured control flow: a local is
//! assigned once a `local.set`/`local.tee` of it has run on every path to the point. An
//! assignment made inside a block counts only until that block's `end` (or an `if`'s
//! `else`): a branch may have left the block before it, and the code after the `end` does
//! not know. In a loop, a read that comes before the loop's write in the code counts as
//! unassigned (the first iteration). Conservative, so sound: it can only zero more than
//! needed. C compilers write most locals before reading them, and interpreters' big
//! functions have dozens of locals, zeroed on every call otherwise.

/// The state of the pass (see the module's documentation).
pub(super) struct LocalInit {
    /// Per local cell: assigned on every path to the current point.
    assigned: Vec<bool>,
    /// Cells assigned since the start, in order: undone at block ends.
    log: Vec<u32>,
    /// One past the highest cell read while unassigned (at least the parameters' end).
    zero_end: u32,
}

impl LocalInit {
    /// A function with `params` parameter cells (assigned by the call) and `locals` cells
    /// of parameters and locals.
    pub fn new(params: u32, locals: u32) -> Self {
        let mut assigned = vec![false; locals as usize];
        for a in assigned.iter_mut().take(params as usize) {
            *a = true;
        }
        LocalInit {
            assigned,
            log: Vec::new(),
            zero_end: params,
        }
    }

    /// `local.get` of `cell`.
    pub fn read(&mut self, cell: u32) {
        if self.assigned.get(cell as usize) == Some(&false) {
            self.zero_end = self.zero_end.max(cell + 1);
        }
    }

    /// `cell` is zeroed on entry whatever the code does with it.
    pub fn must_zero(&mut self, cell: u32) {
        self.zero_end = self.zero_end.max(cell + 1);
    }

    /// `local.set`/`local.tee` of `cell`.
    pub fn write(&mut self, cell: u32) {
        if let Some(a @ false) = self.assigned.get_mut(cell as usize) {
            *a = true;
            self.log.push(cell);
        }
    }

    /// The point to come back to at the end of the block opened now.
    pub fn mark(&self) -> usize {
        self.log.len()
    }

    /// Forgets the assignments made since `mark`.
    pub fn undo(&mut self, mark: usize) {
        for cell in self.log.drain(mark..) {
            self.assigned[cell as usize] = false;
        }
    }

    /// One past the last cell that needs zeroing on entry.
    pub fn zero_end(&self) -> u32 {
        self.zero_end
    }
}

#[cfg(test)]
mod tests {
    use super::LocalInit;

    #[test]
    fn reads_before_writes_need_zero_and_block_writes_end_with_the_block() {
        // Two parameters (cells 0, 1), locals 2..6.
        let mut init = LocalInit::new(2, 6);
        init.read(0);
        init.write(2);
        init.read(2);
        assert_eq!(
            init.zero_end(),
            2,
            "parameters and written locals need no zeroing"
        );
        let block = init.mark();
        init.write(3);
        init.read(3);
        init.undo(block);
        assert_eq!(init.zero_end(), 2);
        init.read(3);
        assert_eq!(init.zero_end(), 4, "written only inside a block that ended");
        init.read(5);
        assert_eq!(init.zero_end(), 6);
    }
}
