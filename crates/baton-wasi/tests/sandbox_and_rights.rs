//! The sandbox and the rights, from the guest's side: guests built from WAT try to
//! reach files outside their preopen, to act without the rights they gave up, or to
//! make the host do more work than their request is worth.
//!
//! Each guest runs a list of steps; every step is an `i32` expression (usually a
//! WASI call's errno, sometimes a value loaded from memory) whose value is printed
//! to stdout, so a test compares the whole list at once.

mod common;

use std::path::{Path, PathBuf};

use baton_wasi::types::{errno, oflags, rights};
use common::run_bytes;

/// Where calls put their results (an fd, a byte count).
const OUT: u32 = 0x8000;
/// A scratch buffer for readlink and the like.
const BUF: u32 = 0x9000;

/// A guest under construction: its strings and its steps.
struct Guest {
    data: Vec<(u32, String)>,
    next: u32,
    steps: Vec<String>,
}

impl Guest {
    fn new() -> Self {
        Guest {
            data: Vec::new(),
            next: 1024,
            steps: Vec::new(),
        }
    }

    /// Places `s` in memory and returns `(i32.const ptr) (i32.const len)`.
    fn s(&mut self, s: &str) -> String {
        let at = self.next;
        self.next += (s.len() as u32 + 16) & !15;
        self.data.push((at, s.to_owned()));
        format!("(i32.const {at}) (i32.const {})", s.len())
    }

    /// Adds a step; its value is reported in [`Guest::run`]'s result.
    fn step(&mut self, expr: impl Into<String>) -> &mut Self {
        self.steps.push(expr.into());
        self
    }

    /// `path_open(dirfd, dirflags, path, oflags, base, base, 0) -> OUT`, as a step.
    fn open(&mut self, dirfd: u32, dirflags: u32, path: &str, of: u16, base: u64) -> &mut Self {
        let p = self.s(path);
        self.step(format!(
            "(call $open (i32.const {dirfd}) (i32.const {dirflags}) {p} (i32.const {of}) \
             (i64.const {base}) (i64.const {base}) (i32.const 0) (i32.const {OUT}))"
        ))
    }

    /// Runs the guest with `dir` preopened as "." (fd 3) and returns each step's value.
    fn run(&self, dir: &Path) -> Vec<u32> {
        self.run_with(|b| {
            b.preopened_dir(dir, ".").unwrap();
        })
    }

    /// Runs the guest configured by `configure` (stdout must stay captured).
    fn run_with(&self, configure: impl FnOnce(&mut baton_wasi::WasiCtxBuilder)) -> Vec<u32> {
        let data: String = self
            .data
            .iter()
            .map(|(at, s)| format!("  (data (i32.const {at}) \"{s}\")\n"))
            .collect();
        let steps: String = self
            .steps
            .iter()
            .map(|e| format!("    (call $report {e})\n"))
            .collect();
        let wat = format!(
            r#"(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_readlink"
    (func $readlink (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_symlink"
    (func $symlink (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_set_times"
    (func $set_times (param i32 i32 i32 i32 i64 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_link"
    (func $link (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_rename"
    (func $rename (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_create_directory"
    (func $mkdir (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_remove_directory"
    (func $rmdir (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_unlink_file"
    (func $unlink (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_get"
    (func $stat (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_renumber" (func $renumber (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_set_rights"
    (func $set_rights (param i32 i64 i64) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff"
    (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
{data}
  ;; Prints `v` in decimal and a space on stdout.
  (func $report (param $v i32) (local $p i32)
    (local.set $p (i32.const 0xf0ff))
    (i32.store8 (local.get $p) (i32.const 32))
    (loop $digits
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p)
        (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
      (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
      (br_if $digits (local.get $v)))
    (i32.store (i32.const 0xf100) (local.get $p))
    (i32.store (i32.const 0xf104) (i32.sub (i32.const 0xf100) (local.get $p)))
    (drop (call $write (i32.const 1) (i32.const 0xf100) (i32.const 1) (i32.const 0xf108))))
  (func (export "_start")
{steps}    (call $exit (i32.const 0))))"#
        );
        let out = run_bytes(wat.as_bytes(), configure);
        assert_eq!(out.code, Ok(0), "guest failed: {out:?}");
        out.stdout
            .split_whitespace()
            .map(|v| v.parse().unwrap())
            .collect()
    }
}

/// The value loaded from `OUT` (an fd or a byte count), as a step.
fn out() -> String {
    format!("(i32.load (i32.const {OUT}))")
}

/// A temp dir holding `secret.txt` and `box/` (the preopen) with `inside.txt`,
/// a subdirectory `sub/`, and host-made symlinks `abs-link` (absolute, to the
/// secret) and `rel-link` (`../secret.txt`).
fn sandbox() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("secret.txt"), "secret").unwrap();
    let boxd = tmp.path().join("box");
    std::fs::create_dir(&boxd).unwrap();
    std::fs::create_dir(boxd.join("sub")).unwrap();
    std::fs::write(boxd.join("inside.txt"), "inside").unwrap();
    std::os::unix::fs::symlink(tmp.path().join("secret.txt"), boxd.join("abs-link")).unwrap();
    std::os::unix::fs::symlink("../secret.txt", boxd.join("rel-link")).unwrap();
    (tmp, boxd)
}

/// The names in the temp dir around the preopen must stay these two, and the
/// secret must be untouched.
fn assert_outside_untouched(tmp: &Path, secret_mtime: std::time::SystemTime) {
    let mut names: Vec<_> = std::fs::read_dir(tmp)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["box", "secret.txt"]);
    let secret = tmp.join("secret.txt");
    assert_eq!(std::fs::read_to_string(&secret).unwrap(), "secret");
    assert_eq!(
        std::fs::metadata(&secret).unwrap().modified().unwrap(),
        secret_mtime
    );
}

const FOLLOW: u32 = 1;
const READ: u64 = rights::FD_READ;
const READ_WRITE: u64 = rights::FD_READ | rights::FD_WRITE;

/// `path_readlink` on a host symlink with an absolute target must not hand the
/// guest that host path: it names a place outside the sandbox (the host's
/// directory layout, user name, ...). Wasmtime reads links with cap-std's
/// `read_link`, which refuses absolute targets; relative ones are returned.
#[test]
fn readlink_does_not_disclose_absolute_host_targets() {
    let (tmp, boxd) = sandbox();
    let mut g = Guest::new();
    let abs = g.s("abs-link");
    let rel = g.s("rel-link");
    g.step(format!(
        "(call $readlink (i32.const 3) {abs} (i32.const {BUF}) (i32.const 4096) (i32.const {OUT}))"
    ))
    .step(format!(
        "(call $readlink (i32.const 3) {rel} (i32.const {BUF}) (i32.const 4096) (i32.const {OUT}))"
    ))
    .step(out());
    let r = g.run(&boxd);
    assert_eq!(
        r,
        [
            u32::from(errno::NOTCAPABLE),
            0,
            "../secret.txt".len() as u32
        ],
        "the host path {} was disclosed",
        tmp.path().display()
    );
}

/// `O_EXCL` without `O_CREAT` means nothing (POSIX leaves it undefined; Linux
/// and Wasmtime ignore it). Baton turned it into "create a new file": an
/// existing file could not be opened, and a missing one was created even from a
/// directory whose `PATH_CREATE_FILE` right the guest had dropped.
#[test]
fn excl_without_creat_neither_fails_on_existing_files_nor_creates() {
    let (_tmp, boxd) = sandbox();
    let mut g = Guest::new();
    g.open(3, 0, "inside.txt", oflags::EXCL, READ)
        .open(3, 0, "new.txt", oflags::EXCL, READ_WRITE);
    // Drop PATH_CREATE_FILE from the preopen: no way to create a file must remain.
    let no_create = rights::DIRECTORY_BASE & !rights::PATH_CREATE_FILE;
    g.step(format!(
        "(call $set_rights (i32.const 3) (i64.const {no_create}) (i64.const {}))",
        rights::DIRECTORY_BASE | rights::REGULAR_FILE_BASE
    ))
    .open(3, 0, "new2.txt", oflags::EXCL, READ_WRITE)
    .open(3, 0, "new3.txt", oflags::CREAT | oflags::EXCL, READ_WRITE);
    let r = g.run(&boxd);
    let noent = u32::from(errno::NOENT);
    assert_eq!(r, [0, noent, 0, noent, u32::from(errno::NOTCAPABLE)]);
    for name in ["new.txt", "new2.txt", "new3.txt"] {
        assert!(!boxd.join(name).exists(), "{name} was created");
    }
}

/// Escapes through symlinks the guest makes itself, and through the host's,
/// with every call that takes a path. All refused; nothing outside changes.
/// (Passes on the reviewed code: cap-std resolves every path.)
#[test]
fn links_made_by_the_guest_do_not_lead_out() {
    let (tmp, boxd) = sandbox();
    let mtime = std::fs::metadata(tmp.path().join("secret.txt"))
        .unwrap()
        .modified()
        .unwrap();
    let mut g = Guest::new();
    let (up_target, up) = (g.s(".."), g.s("up"));
    let (out_target, out_link) = (g.s("../escaped.txt"), g.s("out"));
    g.step(format!("(call $symlink {up_target} (i32.const 3) {up})"))
        .step(format!(
            "(call $symlink {out_target} (i32.const 3) {out_link})"
        ));
    // Creating through a dangling link to outside, following and not.
    for of in [
        oflags::CREAT,
        oflags::CREAT | oflags::TRUNC,
        oflags::CREAT | oflags::EXCL,
    ] {
        g.open(3, FOLLOW, "out", of, READ_WRITE)
            .open(3, 0, "out", of, READ_WRITE);
    }
    // Through a guest-made link to "..".
    g.open(3, FOLLOW, "up/secret.txt", 0, READ)
        .open(3, FOLLOW, "up/new.txt", oflags::CREAT, READ_WRITE)
        .open(3, FOLLOW, "up", oflags::DIRECTORY, rights::ALL);
    // Truncating, time-setting, linking and renaming through the host's links.
    g.open(3, FOLLOW, "rel-link", oflags::TRUNC, READ_WRITE)
        .open(3, FOLLOW, "abs-link", oflags::TRUNC, READ_WRITE);
    for (flags, path) in [
        (FOLLOW, "abs-link"),
        (FOLLOW, "rel-link"),
        (FOLLOW, "up/secret.txt"),
        (0, "up/secret.txt"),
    ] {
        let p = g.s(path);
        g.step(format!(
            "(call $set_times (i32.const 3) (i32.const {flags}) {p} (i64.const 0) (i64.const 0) (i32.const 5))"
        ));
    }
    let inside = g.s("inside.txt");
    let up_moved = g.s("up/moved.txt");
    let up_linked = g.s("up/linked.txt");
    let rel = g.s("rel-link");
    let hard = g.s("hard");
    g.step(format!(
        "(call $rename (i32.const 3) {inside} (i32.const 3) {up_moved})"
    ))
    .step(format!(
        "(call $link (i32.const 3) (i32.const 0) {inside} (i32.const 3) {up_linked})"
    ))
    // A hard link to what a symlink points at is refused outright.
    .step(format!(
        "(call $link (i32.const 3) (i32.const {FOLLOW}) {rel} (i32.const 3) {hard})"
    ));
    // The other path calls through the guest's link to "..".
    let (x, up_evil, up_newdir, up_secret) = (
        g.s("x"),
        g.s("up/evil"),
        g.s("up/newdir"),
        g.s("up/secret.txt"),
    );
    g.step(format!("(call $symlink {x} (i32.const 3) {up_evil})"))
        .step(format!("(call $mkdir (i32.const 3) {up_newdir})"))
        .step(format!("(call $unlink (i32.const 3) {up_secret})"))
        .step(format!("(call $rmdir (i32.const 3) {up_newdir})"))
        .step(format!(
            "(call $stat (i32.const 3) (i32.const {FOLLOW}) {up_secret} (i32.const {BUF}))"
        ));
    // A directory opened below the preopen is a root of its own: ".." from it
    // is refused too (as in Wasmtime).
    g.open(3, 0, "sub", oflags::DIRECTORY, rights::ALL)
        .step(out())
        .open(4, 0, "../inside.txt", 0, READ);
    // The preopen renumbered onto fd 0 (stdout reports the steps) is still
    // confined.
    g.step("(call $renumber (i32.const 3) (i32.const 0))")
        .open(0, FOLLOW, "../secret.txt", 0, READ)
        .open(0, FOLLOW, "inside.txt", 0, READ);
    let r = g.run(&boxd);

    let ok = 0;
    let cap = u32::from(errno::NOTCAPABLE);
    let mut want = vec![ok, ok];
    // O_CREAT through "out": following leaves the sandbox; not following meets a
    // symlink (ELOOP), and O_EXCL meets an existing name.
    let (lp, ex) = (u32::from(errno::LOOP), u32::from(errno::EXIST));
    want.extend([cap, lp, cap, lp, ex, ex]);
    want.extend([cap, cap, cap]);
    want.extend([cap, cap]);
    want.extend([cap, cap, cap, cap]);
    want.extend([cap, cap, u32::from(errno::INVAL)]);
    want.extend([cap, cap, cap, cap, cap]);
    want.extend([ok, 4, cap]);
    want.extend([ok, cap, ok]);
    assert_eq!(r, want);
    assert_outside_untouched(tmp.path(), mtime);
}

/// Records the largest single allocation this test binary makes, so a test can
/// see how much host memory one guest call cost.
struct Tracking;

static LARGEST_ALLOC: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

// SAFETY: defers every operation to the system allocator unchanged; it only
// records sizes on the side.
unsafe impl std::alloc::GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        LARGEST_ALLOC.fetch_max(layout.size(), std::sync::atomic::Ordering::Relaxed);
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: as above.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new: usize) -> *mut u8 {
        LARGEST_ALLOC.fetch_max(new, std::sync::atomic::Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { std::alloc::System.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static GLOBAL: Tracking = Tracking;

/// `fd_write`'s iovecs may overlap, so a guest with one 64 KiB page can pass
/// 4096 iovecs that each cover the whole page: 256 MiB of "data" (up to 4 GiB
/// with eight pages). Baton gathered all of it into one host buffer before
/// writing, even when the output is discarded: a memory amplification a guest
/// controls. Now at most 64 KiB of small buffers are gathered per host write.
#[test]
fn overlapping_iovecs_do_not_make_the_host_allocate_their_total() {
    const N: u32 = 4096;
    let wat = format!(
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (local $i i32) (local $e i32)
    ;; N iovecs at 0x8000, each {{buf 0, len 65536}}.
    (loop $fill
      (i32.store (i32.add (i32.const 0x8000) (i32.shl (local.get $i) (i32.const 3))) (i32.const 0))
      (i32.store (i32.add (i32.const 0x8004) (i32.shl (local.get $i) (i32.const 3))) (i32.const 65536))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const {N}))))
    (local.set $e (call $write (i32.const 1) (i32.const 0x8000) (i32.const {N}) (i32.const 0x10)))
    (if (local.get $e) (then (call $exit (local.get $e))))
    ;; Exit 0 only if all of it was reported written.
    (call $exit (i32.ne (i32.load (i32.const 0x10)) (i32.const {total})))))"#,
        total = N * 65536
    );
    // Compile first: only the guest's run is measured.
    let engine = baton::Engine::default();
    let module = baton::Module::new(&engine, wat.as_bytes()).unwrap();
    let mut linker: baton::Linker<baton_wasi::WasiCtx> = baton::Linker::new(&engine);
    baton_wasi::add_to_linker(&mut linker, |ctx| ctx).unwrap();
    // Stdout discarded (the default).
    let mut store = baton::Store::new(&engine, baton_wasi::WasiCtxBuilder::new().build());
    LARGEST_ALLOC.store(0, std::sync::atomic::Ordering::Relaxed);
    let code = baton_wasi::run_command(&mut store, &linker, &module).map_err(|e| e.to_string());
    let largest = LARGEST_ALLOC.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(code, Ok(0));
    // Other tests of this binary run in parallel, but none allocates 16 MiB at once.
    assert!(
        largest < 16 << 20,
        "one fd_write of a 64 KiB guest made the host allocate {largest} bytes at once"
    );
}

/// `O_TRUNC` needs `PATH_FILESTAT_SET_SIZE` on the directory (witx: that right
/// "includes the right to invoke `path_open` with `oflags::trunc`"). Baton only
/// checked `O_CREAT`'s right, so a guest that had dropped the right (a library
/// sandboxing itself further) could still empty any file.
#[test]
fn trunc_needs_the_set_size_right() {
    let (_tmp, boxd) = sandbox();
    let mut g = Guest::new();
    let no_set_size = rights::DIRECTORY_BASE & !rights::PATH_FILESTAT_SET_SIZE;
    g.step(format!(
        "(call $set_rights (i32.const 3) (i64.const {no_set_size}) (i64.const {}))",
        rights::DIRECTORY_BASE | rights::REGULAR_FILE_BASE
    ))
    .open(3, 0, "inside.txt", oflags::TRUNC, READ_WRITE)
    .open(3, 0, "inside.txt", 0, READ_WRITE);
    let r = g.run(&boxd);
    assert_eq!(r, [0, u32::from(errno::NOTCAPABLE), 0]);
    assert_eq!(
        std::fs::read_to_string(boxd.join("inside.txt")).unwrap(),
        "inside"
    );
}

/// A guest with the host's stdin reads part of what is waiting there, then
/// polls stdin (with a timeout) before reading the rest, as event loops do.
/// Baton read stdin through Rust's process-wide `BufReader`, which takes up to
/// 8 KiB from fd 0 at once, while `poll_oneoff` asks poll(2) about fd 0
/// itself: the bytes still waiting in the buffer were invisible, so the poll
/// reported only its timeout (or, without one, blocked for good).
#[test]
fn stdin_bytes_already_read_from_the_host_are_seen_by_poll() {
    // SAFETY: plain libc calls on descriptors this test creates; fd 0 is
    // restored before returning. No other test of this binary reads stdin.
    let (saved, write_end) = unsafe {
        let mut p = [0; 2];
        assert_eq!(libc::pipe(p.as_mut_ptr()), 0);
        let saved = libc::dup(0);
        assert!(saved >= 0);
        assert_eq!(libc::dup2(p[0], 0), 0);
        libc::close(p[0]);
        let msg = b"hello world";
        assert_eq!(
            libc::write(p[1], msg.as_ptr().cast(), msg.len()),
            msg.len() as isize
        );
        (saved, p[1])
    };
    let mut g = Guest::new();
    // fd_read(0, [{0x100, 2}]) -> 0x10, then the count.
    g.step(
        "(block (result i32) (i32.store (i32.const 0x20) (i32.const 0x100)) \
         (i32.store (i32.const 0x24) (i32.const 2)) \
         (call $read (i32.const 0) (i32.const 0x20) (i32.const 1) (i32.const 0x10)))",
    )
    .step("(i32.load (i32.const 0x10))");
    // poll_oneoff: [fd_read on 0 (userdata 1), monotonic clock in 2 s
    // (userdata 2)] -> events at 0x3000, count at 0x14.
    g.step(
        "(block (result i32) \
         (i64.store (i32.const 0x2000) (i64.const 1)) \
         (i32.store8 (i32.const 0x2008) (i32.const 1)) \
         (i32.store (i32.const 0x2010) (i32.const 0)) \
         (i64.store (i32.const 0x2030) (i64.const 2)) \
         (i32.store8 (i32.const 0x2038) (i32.const 0)) \
         (i32.store (i32.const 0x2040) (i32.const 1)) \
         (i64.store (i32.const 0x2048) (i64.const 2000000000)) \
         (i64.store (i32.const 0x2050) (i64.const 0)) \
         (i32.store16 (i32.const 0x2058) (i32.const 0)) \
         (call $poll (i32.const 0x2000) (i32.const 0x3000) (i32.const 2) (i32.const 0x14)))",
    )
    .step("(i32.load (i32.const 0x14))")
    .step("(i32.load (i32.const 0x3000))")
    .step("(i32.load8_u (i32.const 0x300a))");
    let r = g.run_with(|b| {
        b.inherit_stdio().capture_stdout();
    });
    // SAFETY: as above.
    unsafe {
        libc::dup2(saved, 0);
        libc::close(saved);
        libc::close(write_end);
    }
    // Read 2 bytes; then one event, the fd read (userdata 1, type fd_read).
    assert_eq!(r, [0, 2, 0, 1, 1, 1]);
}
