//! Engine-free tests: the preview-1 functions are called directly with a
//! byte vector as guest memory.

use crate::memory::GuestMemory;
use crate::preview1::*;
use crate::types::*;
use crate::{WasiCtx, WasiCtxBuilder};

const PATH: u32 = 1024;
const OUT: u32 = 64;
const PREOPEN: u32 = 3;

struct Guest {
    ctx: WasiCtx,
    mem: Vec<u8>,
}

impl Guest {
    fn new(b: &mut WasiCtxBuilder) -> Self {
        Guest {
            ctx: b.build(),
            mem: vec![0; 65536],
        }
    }

    /// Writes `s` at PATH and returns its length.
    fn put(&mut self, at: u32, s: &str) -> u32 {
        self.mem[at as usize..at as usize + s.len()].copy_from_slice(s.as_bytes());
        s.len() as u32
    }

    fn u32_at(&self, at: u32) -> u32 {
        u32::from_le_bytes(self.mem[at as usize..at as usize + 4].try_into().unwrap())
    }

    fn call<R>(&mut self, f: impl FnOnce(&mut WasiCtx, &mut GuestMemory) -> R) -> R {
        f(&mut self.ctx, &mut GuestMemory::new(&mut self.mem))
    }

    fn open(&mut self, path: &str, oflags: u16, base: u64) -> Result<u32, Errno> {
        let len = self.put(PATH, path);
        self.call(|c, m| {
            path_open(
                c,
                m,
                PREOPEN,
                LOOKUP_SYMLINK_FOLLOW,
                PATH,
                len,
                oflags.into(),
                base,
                rights::ALL,
                0,
                OUT,
            )
        })?;
        Ok(self.u32_at(OUT))
    }

    fn write(&mut self, fd: u32, data: &str) -> Result<u32, Errno> {
        let len = self.put(4096, data);
        self.mem[200..204].copy_from_slice(&4096u32.to_le_bytes());
        self.mem[204..208].copy_from_slice(&len.to_le_bytes());
        self.call(|c, m| fd_write(c, m, fd, 200, 1, OUT))?;
        Ok(self.u32_at(OUT))
    }
}

/// A sandbox `box/` inside a temp dir that also holds `secret.txt` next to
/// it, plus symlinks inside the box that point at the secret.
fn sandbox() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("secret.txt"), "secret").unwrap();
    let boxd = tmp.path().join("box");
    std::fs::create_dir(&boxd).unwrap();
    std::fs::write(boxd.join("inside.txt"), "inside").unwrap();
    std::os::unix::fs::symlink(tmp.path().join("secret.txt"), boxd.join("abs-link")).unwrap();
    std::os::unix::fs::symlink("../secret.txt", boxd.join("rel-link")).unwrap();
    std::os::unix::fs::symlink(tmp.path(), boxd.join("dir-link")).unwrap();
    (tmp, boxd)
}

#[test]
fn escapes_are_refused() {
    let (tmp, boxd) = sandbox();
    let mut g = Guest::new(WasiCtxBuilder::new().preopened_dir(&boxd, ".").unwrap());
    assert_eq!(g.open("inside.txt", 0, rights::FD_READ).map(|_| ()), Ok(()));
    for path in [
        "../secret.txt",
        "/etc/passwd",
        "./../secret.txt",
        "x/../../secret.txt",
        "abs-link",
        "rel-link",
        "dir-link/secret.txt",
        "..",
    ] {
        let r = g.open(path, 0, rights::FD_READ);
        assert!(r.is_err(), "{path} opened");
        let len = g.put(PATH, path);
        let r =
            g.call(|c, m| path_filestat_get(c, m, PREOPEN, LOOKUP_SYMLINK_FOLLOW, PATH, len, OUT));
        assert!(r.is_err(), "{path} stat");
    }
    assert_eq!(
        g.open("../created", oflags::CREAT, rights::FD_WRITE),
        Err(errno::NOTCAPABLE)
    );
    assert_eq!(
        g.open("/abs", oflags::CREAT, rights::FD_WRITE),
        Err(errno::NOTCAPABLE)
    );
    let len = g.put(PATH, "../newdir");
    assert_eq!(
        g.call(|c, m| path_create_directory(c, m, PREOPEN, PATH, len)),
        Err(errno::NOTCAPABLE)
    );
    let len = g.put(PATH, "../secret.txt");
    assert_eq!(
        g.call(|c, m| path_unlink_file(c, m, PREOPEN, PATH, len)),
        Err(errno::NOTCAPABLE)
    );
    // Renaming into the parent.
    let a = g.put(PATH, "inside.txt");
    let b = g.put(2048, "../moved.txt");
    assert!(g
        .call(|c, m| path_rename(c, m, PREOPEN, PATH, a, PREOPEN, 2048, b))
        .is_err());
    // A guest-made symlink leading out cannot be followed.
    let a = g.put(PATH, "../secret.txt");
    let b = g.put(2048, "mylink");
    g.call(|c, m| path_symlink(c, m, PATH, a, PREOPEN, 2048, b))
        .unwrap();
    assert!(g.open("mylink", 0, rights::FD_READ).is_err());
    // Absolute symlink targets are refused outright.
    let a = g.put(PATH, "/etc/passwd");
    let b = g.put(2048, "abslink2");
    assert_eq!(
        g.call(|c, m| path_symlink(c, m, PATH, a, PREOPEN, 2048, b)),
        Err(errno::NOTCAPABLE)
    );

    assert_eq!(
        std::fs::read_to_string(tmp.path().join("secret.txt")).unwrap(),
        "secret"
    );
    let mut names: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["box", "secret.txt"]);
}

#[test]
fn read_write_and_capture() {
    let tmp = tempfile::tempdir().unwrap();
    let mut g = Guest::new(
        WasiCtxBuilder::new()
            .capture_stdout()
            .preopened_dir(tmp.path(), "/data")
            .unwrap(),
    );
    assert_eq!(g.write(1, "hello\n"), Ok(6));
    let fd = g
        .open(
            "f.txt",
            oflags::CREAT,
            rights::FD_WRITE | rights::FD_READ | rights::FD_SEEK,
        )
        .unwrap();
    assert_eq!(fd, 4);
    assert_eq!(g.write(fd, "abc"), Ok(3));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("f.txt")).unwrap(),
        "abc"
    );
    // fd_renumber over stdout: output now lands in the file.
    g.call(|c, m| fd_renumber(c, m, fd, 1)).unwrap();
    assert_eq!(g.write(1, "def"), Ok(3));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("f.txt")).unwrap(),
        "abcdef"
    );
    assert_eq!(g.ctx.stdout_contents(), b"hello\n");
    assert_eq!(g.call(|c, m| fd_close(c, m, fd)), Err(errno::BADF));
    // prestat.
    g.call(|c, m| fd_prestat_get(c, m, PREOPEN, OUT)).unwrap();
    assert_eq!(g.u32_at(OUT + 4), 5);
    g.call(|c, m| fd_prestat_dir_name(c, m, PREOPEN, 300, 5))
        .unwrap();
    assert_eq!(&g.mem[300..305], b"/data");
    assert_eq!(
        g.call(|c, m| fd_prestat_get(c, m, 4, OUT)),
        Err(errno::BADF)
    );
}

#[test]
fn readdir_pages_with_small_buffers() {
    let tmp = tempfile::tempdir().unwrap();
    for i in 0..20 {
        std::fs::write(tmp.path().join(format!("file{i:02}")), "").unwrap();
    }
    let mut g = Guest::new(
        WasiCtxBuilder::new()
            .preopened_dir(tmp.path(), ".")
            .unwrap(),
    );
    let mut names = Vec::new();
    let mut cookie = 0u64;
    loop {
        // Room for about two entries per call.
        g.call(|c, m| fd_readdir(c, m, PREOPEN, 8192, 70, cookie, OUT))
            .unwrap();
        let used = g.u32_at(OUT) as usize;
        let buf = g.mem[8192..8192 + used].to_vec();
        let mut at = 0;
        let mut progressed = false;
        while at + 24 <= buf.len() {
            let next = u64::from_le_bytes(buf[at..at + 8].try_into().unwrap());
            let namlen = u32::from_le_bytes(buf[at + 16..at + 20].try_into().unwrap()) as usize;
            if at + 24 + namlen > buf.len() {
                break;
            }
            names.push(String::from_utf8(buf[at + 24..at + 24 + namlen].to_vec()).unwrap());
            cookie = next;
            at += 24 + namlen;
            progressed = true;
        }
        if used < 70 || !progressed {
            break;
        }
    }
    names.sort();
    assert_eq!(names.len(), 22, "{names:?}");
    assert_eq!(names[0], ".");
    assert_eq!(names[1], "..");
    assert_eq!(names[21], "file19");
}

#[test]
fn bad_pointers_are_errnos() {
    let mut g = Guest::new(WasiCtxBuilder::new().arg("prog").env("A", "B"));
    assert_eq!(
        g.call(|c, m| args_sizes_get(c, m, 65535, 0)),
        Err(errno::FAULT)
    );
    assert_eq!(g.call(|c, m| args_get(c, m, 65534, 0)), Err(errno::FAULT));
    assert_eq!(
        g.call(|c, m| environ_get(c, m, 0, u32::MAX)),
        Err(errno::FAULT)
    );
    assert_eq!(
        g.call(|c, m| clock_time_get(c, m, 0, 0, u32::MAX - 3)),
        Err(errno::FAULT)
    );
    assert_eq!(
        g.call(|c, m| clock_time_get(c, m, 7, 0, 0)),
        Err(errno::INVAL)
    );
    assert_eq!(
        g.call(|c, m| random_get(c, m, 65000, 1000)),
        Err(errno::FAULT)
    );
    assert_eq!(
        g.call(|c, m| fd_write(c, m, 1, u32::MAX, 2, 0)),
        Err(errno::FAULT)
    );
    assert_eq!(
        g.call(|c, m| poll_oneoff(c, m, 0, 0, u32::MAX, 0)),
        Err(errno::FAULT)
    );
    assert_eq!(
        g.call(|c, m| poll_oneoff(c, m, 0, 0, 0, 0)),
        Err(errno::INVAL)
    );
    assert_eq!(
        g.call(|c, m| fd_fdstat_set_flags(c, m, 1, 70000)),
        Err(errno::INVAL)
    );
    assert_eq!(
        g.call(|c, m| fd_seek(c, m, 1, 0, 300, 0)),
        Err(errno::INVAL)
    );
    assert_eq!(
        g.call(|c, m| sock_recv(c, m, 1, 0, 0, 0, 0, 0)),
        Err(errno::NOTSOCK)
    );
    // Args round-trip.
    g.call(|c, m| args_sizes_get(c, m, 0, 4)).unwrap();
    assert_eq!((g.u32_at(0), g.u32_at(4)), (1, 5));
    g.call(|c, m| args_get(c, m, 100, 200)).unwrap();
    assert_eq!(g.u32_at(100), 200);
    assert_eq!(&g.mem[200..205], b"prog\0");
    g.call(|c, m| environ_get(c, m, 100, 200)).unwrap();
    assert_eq!(&g.mem[200..204], b"A=B\0");
}

#[test]
fn poll_clock_sleeps() {
    let mut g = Guest::new(&mut WasiCtxBuilder::new());
    // One relative monotonic clock subscription of 10 ms.
    let sub = 512usize;
    g.mem[sub..sub + 8].copy_from_slice(&7u64.to_le_bytes());
    g.mem[sub + 8] = eventtype::CLOCK;
    g.mem[sub + 16..sub + 20].copy_from_slice(&clockid::MONOTONIC.to_le_bytes());
    g.mem[sub + 24..sub + 32].copy_from_slice(&10_000_000u64.to_le_bytes());
    let t = std::time::Instant::now();
    g.call(|c, m| poll_oneoff(c, m, 512, 1024, 1, OUT)).unwrap();
    assert!(t.elapsed() >= std::time::Duration::from_millis(10));
    assert_eq!(g.u32_at(OUT), 1);
    assert_eq!(g.mem[1024], 7);
}

#[test]
fn pointers_at_the_top_of_the_address_space() {
    // Offsets near u32::MAX must not overflow the host's arithmetic.
    let mut g = Guest::new(WasiCtxBuilder::new().preopened_dir(".", ".").unwrap());
    for out in [u32::MAX, u32::MAX - 1, u32::MAX - 7] {
        assert_eq!(
            g.call(|c, m| fd_prestat_get(c, m, PREOPEN, out)),
            Err(errno::FAULT)
        );
        assert_eq!(
            g.call(|c, m| fd_fdstat_get(c, m, 1, out)),
            Err(errno::FAULT)
        );
        assert_eq!(
            g.call(|c, m| fd_filestat_get(c, m, 1, out)),
            Err(errno::FAULT)
        );
        assert_eq!(
            g.call(|c, m| fd_readdir(c, m, PREOPEN, out, 100, 0, 0)),
            Err(errno::FAULT)
        );
        assert_eq!(
            g.call(|c, m| poll_oneoff(c, m, out, 0, 1, 0)),
            Err(errno::FAULT)
        );
        assert_eq!(
            g.call(|c, m| fd_read(c, m, 0, out, 1, 0)),
            Err(errno::FAULT)
        );
        assert_eq!(
            g.call(|c, m| args_get(c, m, out, out)),
            Ok(()),
            "no args: nothing written"
        );
    }
}

/// Calls every function (but `poll_oneoff`, whose random clocks could sleep
/// for years) with random arguments over random memory: any panic fails.
#[test]
fn random_arguments_never_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let mut g = Guest::new(
        WasiCtxBuilder::new()
            .arg("a")
            .env("K", "V")
            .preopened_dir(tmp.path(), ".")
            .unwrap(),
    );
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for byte in g.mem.iter_mut() {
        *byte = next() as u8;
    }
    for _ in 0..20_000 {
        let mut a = [0u32; 10];
        for v in a.iter_mut() {
            let r = next();
            // Mix small values (valid fds, flags, lengths), valid pointers
            // and edge values.
            *v = match r % 4 {
                0 => (r >> 8) as u32 % 8,
                1 => (r >> 8) as u32 % 65536,
                2 => u32::MAX - (r >> 8) as u32 % 16,
                _ => (r >> 8) as u32,
            };
        }
        let w = next();
        let [a0, a1, a2, a3, a4, a5, a6, _, a8, _] = a;
        let (w0, w1) = (w % 4096, w >> 40);
        let _ = g.call(|c, m| {
            let f = (next() % 44) as u32;
            match f {
                0 => args_get(c, m, a0, a1),
                1 => args_sizes_get(c, m, a0, a1),
                2 => environ_get(c, m, a0, a1),
                3 => environ_sizes_get(c, m, a0, a1),
                4 => clock_res_get(c, m, a0, a1),
                5 => clock_time_get(c, m, a0, w, a1),
                6 => fd_advise(c, m, a0, w, w1, a1),
                7 => fd_allocate(c, m, a0, w0, w0),
                8 => fd_close(c, m, a0.wrapping_add(4)),
                9 => fd_datasync(c, m, a0),
                10 => fd_fdstat_get(c, m, a0, a1),
                11 => fd_fdstat_set_flags(c, m, a0, a1),
                12 => fd_fdstat_set_rights(c, m, a0, w, w1),
                13 => fd_filestat_get(c, m, a0, a1),
                14 => fd_filestat_set_size(c, m, a0, w0),
                15 => fd_filestat_set_times(c, m, a0, w, w1, a1),
                16 => fd_pread(c, m, a0, a1, a2, w, a3),
                17 => fd_prestat_get(c, m, a0, a1),
                18 => fd_prestat_dir_name(c, m, a0, a1, a2),
                19 => fd_pwrite(c, m, a0, a1, a2 % 4, w0, a3),
                20 => fd_read(c, m, a0, a1, a2, a3),
                21 => fd_readdir(c, m, a0, a1, a2, w, a3),
                22 => fd_renumber(c, m, a0, a1),
                23 => fd_seek(c, m, a0, w as i64, a1, a2),
                24 => fd_sync(c, m, a0),
                25 => fd_tell(c, m, a0, a1),
                26 => fd_write(c, m, a0, a1, a2 % 4, a3),
                27 => path_create_directory(c, m, a0, a1, a2 % 32),
                28 => path_filestat_get(c, m, a0, a1, a2, a3 % 32, a4),
                29 => path_filestat_set_times(c, m, a0, a1, a2, a3 % 32, w, w1, a4),
                30 => path_link(c, m, a0, a1, a2, a3 % 32, a4, a5, a6 % 32),
                31 => path_open(c, m, a0, a1, a2, a3 % 32, a4, w, w1, a5, a6),
                32 => path_readlink(c, m, a0, a1, a2 % 32, a3, a4, a5),
                33 => path_remove_directory(c, m, a0, a1, a2 % 32),
                34 => path_rename(c, m, a0, a1, a2 % 32, a3, a4, a5 % 32),
                35 => path_symlink(c, m, a0, a1 % 32, a2, a3, a4 % 32),
                36 => path_unlink_file(c, m, a0, a1, a2 % 32),
                37 => proc_raise(c, m, a0),
                38 => sched_yield(c, m),
                39 => random_get(c, m, a0, a1 % 4096),
                40 => sock_accept(c, m, a0, a1, a2),
                41 => sock_recv(c, m, a0, a1, a2, a3, a4, a5),
                42 => sock_send(c, m, a0, a1, a2, a3, a4),
                _ => sock_shutdown(c, m, a0, a8),
            }
        });
    }
    // The sandbox's parent was not touched.
    assert!(tmp.path().parent().unwrap().exists());
}

/// Standard streams that are not terminals (captured, discarded, or fed from bytes) are
/// not character devices, so a guest's `isatty` says no, as under wasmtime; programs that
/// colour terminal output then print plain text.
#[test]
fn stdio_that_is_not_a_terminal_is_no_character_device() {
    let mut g = Guest::new(
        WasiCtxBuilder::new()
            .capture_stdout()
            .stdin_bytes(b"x".to_vec()),
    );
    for fd in [0, 1, 2] {
        g.call(|c, m| fd_fdstat_get(c, m, fd, OUT)).unwrap();
        assert_eq!(g.mem[OUT as usize], filetype::UNKNOWN, "fd {fd}");
        g.call(|c, m| fd_filestat_get(c, m, fd, OUT)).unwrap();
        assert_eq!(g.mem[OUT as usize + 16], filetype::UNKNOWN, "fd {fd}");
    }
}
