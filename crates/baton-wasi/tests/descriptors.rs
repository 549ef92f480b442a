//! Which descriptor numbers newly opened files get.

mod common;

use common::run_bytes;

/// Opens `out.txt` (in the preopen, fd 3) after closing the descriptors that `_start`'s
/// first lines name, writes "LOG\n" to fd 1 and "FILE\n" to the new descriptor, and exits
/// with the new descriptor's number. `fd_write`'s errno for fd 1 goes to memory offset 300.
fn open_after(closing: &str) -> String {
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "out.txt")
  (data (i32.const 32) "LOG\n")
  (data (i32.const 48) "FILE\n")
  (func $w (param $fd i32) (param $p i32) (param $l i32) (result i32)
    (i32.store (i32.const 200) (local.get $p))
    (i32.store (i32.const 204) (local.get $l))
    (call $write (local.get $fd) (i32.const 200) (i32.const 1) (i32.const 208)))
  (func (export "_start") (local $fd i32)
    {closing}
    ;; path_open(dirfd 3, no follow, "out.txt", O_CREAT|O_TRUNC, all rights) -> [100]
    (if (call $open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 7) (i32.const 9)
          (i64.const 0x1fffffff) (i64.const 0x1fffffff) (i32.const 0) (i32.const 100))
      (then (call $exit (i32.const 200))))
    (local.set $fd (i32.load (i32.const 100)))
    (i32.store (i32.const 300) (call $w (i32.const 1) (i32.const 32) (i32.const 4)))
    (drop (call $w (local.get $fd) (i32.const 48) (i32.const 5)))
    (call $exit (local.get $fd))))"#
    )
}

/// A program that closed its stdout and stderr (yosys does when it takes its output back
/// from ABC) must not get fd 1 for the next file it opens: its buffered stdout would be
/// written into that file. Wasmtime and wasmi do not reuse 0-2 either.
#[test]
fn closed_standard_streams_are_not_handed_out_again() {
    let dir = tempfile::tempdir().unwrap();
    let wat = open_after("(drop (call $close (i32.const 1))) (drop (call $close (i32.const 2)))");
    let out = run_bytes(wat.as_bytes(), |b| {
        b.preopened_dir(dir.path(), ".").unwrap();
    });
    // 1 and 2 are free, 3 is the preopen: the lowest free number from 3 on is 4.
    assert_eq!(out.code, Ok(4));
    // Only the file's own write is in it; the write to the closed stdout failed.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.txt")).unwrap(),
        "FILE\n"
    );
    assert_eq!(out.stdout, "");
}

/// Past the standard streams, the lowest free number is reused, as POSIX does.
#[test]
fn the_lowest_free_descriptor_after_stdio_is_reused() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing closed: fds 0-3 are taken, the file gets 4.
    let out = run_bytes(open_after("").as_bytes(), |b| {
        b.preopened_dir(dir.path(), ".").unwrap();
    });
    assert_eq!(out.code, Ok(4));
    assert_eq!(out.stdout, "LOG\n");
    // A second preopen (fd 4) closed: its number is the lowest free one again.
    let other = tempfile::tempdir().unwrap();
    let out = run_bytes(
        open_after("(drop (call $close (i32.const 4)))").as_bytes(),
        |b| {
            b.preopened_dir(dir.path(), ".").unwrap();
            b.preopened_dir(other.path(), "other").unwrap();
        },
    );
    assert_eq!(out.code, Ok(4));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.txt")).unwrap(),
        "FILE\n"
    );
}
