//! Background translation: under lazy compilation, a thread of the module's own translates
//! the functions that the running code is about to call, while the guest runs.
//!
//! Lazy translation puts each function's translation on the calling thread, in the middle
//! of the guest's run: for a large program that calls hundreds of functions, a quarter of
//! its first run is translation. Most of it can overlap with execution on a second core. A
//! function that is translated lazily names its direct callees (`FuncCode::callees`), and
//! those are the likeliest next first calls; the worker translates them, and their direct
//! callees in turn, up to [`DEPTH`] calls away from code that has run. When the guest then
//! calls one, its code is ready. If the worker is still on it, the guest does not wait: it
//! translates the function itself, and whichever copy is offered second is dropped
//! (`ModuleCode::translate_ahead`; a wake-up after such a wait once cost 4 ms).
//!
//! Nothing observable depends on the worker: a function's code is the same whoever
//! translates it, the translation fuel a call is charged does not depend on who translated
//! it (`ModuleCode::translation_fuel`), and the calling thread still enters each function
//! through its stub the first time. The worker only moves work earlier and onto another
//! core. It is spawned at a module's first lazy translation, only for a module with
//! [`MIN_CODE_BYTES`] of code or more (small modules translate in microseconds), only when
//! the machine has a second core and the engine's configuration allows it
//! (`Config::background_translation`, `Config::compile_threads`). It holds the module
//! weakly between functions and ends when the module is dropped.
//!
//! What it translates costs memory until the guest runs it, and much of a large program's
//! call graph never runs (error paths, options not taken): on a 24 MB C compiler, three
//! calls deep was 29 MB more resident memory than translating on call alone. So the
//! worker stays at most [`UNENTERED_BUDGET`] bytes of code ahead of the guest: code it
//! translated counts until the guest first enters it, and while the count is over the
//! budget the worker translates nothing.

use crate::module::ModuleInner;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender, TryRecvError};
use std::sync::{Arc, OnceLock, Weak};

/// Calls away from code that has run, at most, that the worker translates: 1 is the
/// direct callees of functions the guest has entered, 2 their callees as well, and so on.
/// (On resvg, 2 and 3 had about as many of the functions the guest went on to call ready
/// when it called them; beyond that, more is translated that never runs.)
const DEPTH: u8 = 3;

/// Bytes of translated code that the worker may hold which the guest has not entered yet
/// (see the module documentation). Resvg's worker stays below it. A 24 MB C compiler's
/// reaches it: 91 MB resident instead of 116 MB (87 MB without the worker); 8 and 16 MiB
/// cost more memory and bought that compiler no time.
const UNENTERED_BUDGET: usize = 4 << 20;

/// Bytes of function bodies a module needs for a worker of its own.
pub(crate) const MIN_CODE_BYTES: usize = 64 * 1024;

/// A module's background translator, started on first use (see the module documentation).
pub(crate) struct Ahead {
    /// Whether this module may have a worker at all.
    enabled: bool,
    /// Where to send the functions the guest has just entered, whose callees the worker
    /// queues: `None` once it is known that no worker can run (the thread could not be
    /// spawned).
    worker: OnceLock<Option<Sender<u32>>>,
    /// Per defined function: whether the worker translated it and the guest has not
    /// entered it since (empty when not `enabled`).
    unentered: Box<[AtomicBool]>,
    /// The code bytes of those functions.
    unentered_bytes: AtomicUsize,
}

impl Ahead {
    /// A translator for a module of `funcs` defined functions that runs only if `enabled`.
    pub(crate) fn new(enabled: bool, funcs: usize) -> Ahead {
        let funcs = if enabled { funcs } else { 0 };
        Ahead {
            enabled,
            worker: OnceLock::new(),
            unentered: (0..funcs).map(|_| AtomicBool::new(false)).collect(),
            unentered_bytes: AtomicUsize::new(0),
        }
    }

    /// The worker made function `defined`'s code, of `bytes` bytes, and is about to offer
    /// it: it counts against the budget until the guest enters it (noted before the code
    /// is published, so that an entry right after publication finds it noted).
    pub(crate) fn made(&self, defined: usize, bytes: usize) {
        if let Some(flag) = self.unentered.get(defined) {
            if !flag.swap(true, Ordering::AcqRel) {
                self.unentered_bytes.fetch_add(bytes, Ordering::AcqRel);
            }
        }
    }

    /// Function `defined`, of `bytes` bytes of code, no longer counts: the guest entered
    /// it, or the worker's copy lost to the guest's own.
    pub(crate) fn entered(&self, defined: usize, bytes: usize) {
        if let Some(flag) = self.unentered.get(defined) {
            if flag.swap(false, Ordering::AcqRel) {
                self.unentered_bytes.fetch_sub(bytes, Ordering::AcqRel);
            }
        }
    }

    /// Whether function `defined` is code the worker made that no instance has entered
    /// yet: a new instance starts at its stub all the same, so that its first call counts
    /// it as entered and asks for its callees (`ModuleCode::initial_entry`).
    pub(crate) fn is_unentered(&self, defined: usize) -> bool {
        self.unentered
            .get(defined)
            .is_some_and(|flag| flag.load(Ordering::Acquire))
    }

    /// Whether the worker is as far ahead of the guest as it may be.
    fn over_budget(&self) -> bool {
        self.unentered_bytes.load(Ordering::Acquire) >= UNENTERED_BUDGET
    }

    /// The guest has just entered function `defined`, whose code is `code`, for the first
    /// time: it no longer counts against the budget, and its callees are asked to be
    /// translated ahead, if the module has a worker (spawning it on first use) and the
    /// worker is not as far ahead as it may be.
    ///
    /// One message per entered function, which the worker expands into its callees: each
    /// message to a parked worker is a wake-up, a system call on the guest's thread (a
    /// message per callee was 8,300 `futex` calls on a 24 MB C compiler's run). Over the
    /// budget, the worker would drop the request unread, so it is not sent.
    pub(crate) fn request(module: &Arc<ModuleInner>, defined: usize, code: &crate::code::FuncCode) {
        let ahead = &module.code.ahead;
        ahead.entered(defined, code.words.len() * 8);
        if !ahead.enabled || code.callees.is_empty() || ahead.over_budget() {
            return;
        }
        let worker = ahead.worker.get_or_init(|| {
            let (tx, rx) = channel();
            let weak = Arc::downgrade(module);
            std::thread::Builder::new()
                .name("baton-translate".into())
                .spawn(move || run(weak, rx))
                .ok()
                .map(|_| tx)
        });
        let Some(tx) = worker else { return };
        // (An error means the worker is gone: nothing to do but translate on call.)
        let _ = tx.send(defined as u32);
    }
}

/// The worker: translates what is requested first, then the callees of what it translated,
/// until the module is dropped (the channel's sender goes with it).
fn run(module: Weak<ModuleInner>, requests: Receiver<u32>) {
    // Requested functions (one call away from running code) go before their callees, so
    // that the worker follows the guest's progress rather than the call graph's breadth.
    let mut near: VecDeque<(u32, u8)> = VecDeque::new();
    let mut far: VecDeque<(u32, u8)> = VecDeque::new();
    // The fewest calls away from running code each function was queued at, once taken up
    // (`u8::MAX`: not yet): a function is translated and its callees queued once, unless
    // the guest comes nearer to it later.
    let mut nearest: Vec<u8> = Vec::new();
    // Functions the guest has entered, whose callees are still to be queued.
    let mut entered: Vec<u32> = Vec::new();
    loop {
        loop {
            match requests.try_recv() {
                Ok(f) => entered.push(f),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return,
            }
        }
        if entered.is_empty() && near.is_empty() && far.is_empty() {
            // Nothing queued: wait for the guest to enter new code (holding no reference
            // to the module, which may be dropped meanwhile).
            match requests.recv() {
                Ok(f) => entered.push(f),
                Err(_) => return,
            }
        }
        let Some(m) = module.upgrade() else { return };
        for f in entered.drain(..) {
            if let Some(code) = m.code.get_translated(f as usize) {
                near.extend(code.callees.iter().map(|&c| (c, 1)));
            }
        }
        let Some((f, depth)) = near.pop_front().or_else(|| far.pop_front()) else {
            continue;
        };
        if m.code.ahead.over_budget() {
            // Far enough ahead: what is queued is dropped (a function the guest enters
            // later asks for its callees again).
            near.clear();
            far.clear();
            continue;
        }
        if nearest.is_empty() {
            nearest = vec![u8::MAX; m.code.len()];
        }
        match nearest.get_mut(f as usize) {
            Some(d) if *d > depth => *d = depth,
            _ => continue,
        }
        // (A function that does not translate is left to the guest's thread, which meets
        // the error when it calls the function.)
        let Some(code) = m.code.translate_ahead(&m.env, f as usize) else {
            continue;
        };
        if depth < DEPTH {
            far.extend(code.callees.iter().map(|&c| (c, depth + 1)));
        }
    }
}
