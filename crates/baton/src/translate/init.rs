//! Which locals a function may read before it writes them: only those need zeroing when
//! the function is entered (the call handlers zero cells `num_params..zero_end`).
//!
//! One forward pass with the translation, over structured control flow: a local is
//! assigned once a `local.set`/`local.tee` of it has run on every path to the point.
//!
//! - After a `block`'s `end` (a `try_table`'s, an `if`'s with an `else`), what holds is
//!   what held on every way in: falling through the end, if the code there is reachable,
//!   and every branch to it (`br`, `br_if`, `br_table`, `br_on_*`, a catch clause, the
//!   `then` part's end). Each construct keeps the intersection of its branches'
//!   assignments (`branch`), and its end joins them with the fall-through's (`join`).
//! - After an `if` without `else`: what held at the `if` (the false path skips the rest).
//! - The `else` part starts from what held at the `if`.
//! - After a loop's `end`: what holds at the end of its body, since the only way out
//!   through the `end` is falling through it (branches to a loop go back to its start).
//!   In a loop, a read that comes before the loop's write in the code counts as unassigned
//!   (the first iteration): the pass goes through the code in order, and at the loop's
//!   start only what held on entry holds.
//! - A catch clause counts as a branch taken where its `try_table` starts: an exception
//!   thrown later in the body has run at least what ran by then.
//!
//! Conservative where unsure, so sound: it can only zero more than needed. C compilers
//! write most locals before reading them, and interpreters' big functions have dozens of
//! locals, zeroed on every call otherwise.

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

    /// A branch to the end of the construct opened at `mark` is taken here: `kept`, the
    /// cells assigned since `mark` on every branch to that end so far (`None` before the
    /// first), keeps those assigned now too.
    pub fn branch(&self, mark: usize, kept: &mut Option<Vec<u32>>) {
        match kept {
            None => *kept = Some(self.log[mark..].to_vec()),
            // (A cell in `kept` was unassigned at `mark`, so it is assigned now exactly
            // when it is in `log[mark..]`: inner constructs' ends undo only their own.)
            Some(cells) => cells.retain(|&c| self.assigned[c as usize]),
        }
    }

    /// The end of the construct opened at `mark`, reached by falling through (when
    /// `fallthrough`: the code before the end is reachable) and by the branches whose
    /// assignments `kept` holds (see [`LocalInit::branch`]): afterwards, what was assigned
    /// on all of those ways holds.
    pub fn join(&mut self, mark: usize, fallthrough: bool, kept: Option<Vec<u32>>) {
        match (fallthrough, kept) {
            // Only the fall-through: what holds now stands.
            (true, None) => {}
            (true, Some(mut cells)) => {
                cells.retain(|&c| self.assigned[c as usize]);
                self.undo(mark);
                cells.into_iter().for_each(|c| self.write(c));
            }
            (false, Some(cells)) => {
                self.undo(mark);
                cells.into_iter().for_each(|c| self.write(c));
            }
            // Not reachable at all: the code after is dead (and not translated).
            (false, None) => self.undo(mark),
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

    #[test]
    fn a_block_end_keeps_what_every_way_in_assigned() {
        // Locals 0..6, no parameters.
        let mut init = LocalInit::new(0, 6);
        init.write(0);
        let block = init.mark();
        let mut kept = None;
        init.write(1);
        init.write(2);
        init.branch(block, &mut kept); // `br_if` with 0, 1, 2 assigned
        init.write(3);
        let inner = init.mark();
        init.write(4);
        init.undo(inner); // an inner `if`'s end: 4 was written in its `then` part only
        init.join(block, true, kept); // the fall-through has 0..4 but 4
        for cell in [0, 1, 2] {
            init.read(cell);
        }
        assert_eq!(init.zero_end(), 0, "assigned on every way to the end");
        init.read(3);
        assert_eq!(init.zero_end(), 4, "assigned after the branch only");
        init.read(4);
        assert_eq!(init.zero_end(), 5, "assigned in an inner construct only");

        // A block left only by branches: the second branch had 5 but not 1.
        let mut init = LocalInit::new(0, 6);
        let block = init.mark();
        let mut kept = None;
        init.write(5);
        let inner = init.mark();
        init.write(1);
        init.branch(block, &mut kept); // from inside an inner block that wrote 1
        init.undo(inner);
        init.write(2);
        init.branch(block, &mut kept);
        init.join(block, false, kept);
        init.read(5);
        assert_eq!(init.zero_end(), 0, "assigned on both branches");
        init.read(1);
        assert_eq!(init.zero_end(), 2, "assigned on the first branch only");
        init.read(2);
        assert_eq!(init.zero_end(), 3, "assigned on the second branch only");
    }
}
