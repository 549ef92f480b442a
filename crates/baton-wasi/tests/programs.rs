//! Runs the C test programs of tests/programs/ (built for wasm32-wasi by
//! build.sh) and compares their output and exit codes.

mod common;

use common::run;

#[test]
fn args_env_and_exit_codes() {
    let out = run("args_env", |b| {
        b.args(&["prog", "one", "two words"])
            .env("GREETING", "hello there")
            .env("EXIT_CODE", "7");
    });
    assert_eq!(out.code, Ok(7));
    assert_eq!(
        out.stdout,
        "argc=3\nargv[0]=prog\nargv[1]=one\nargv[2]=two words\nenvc=2\nGREETING=hello there\n\
         NOT_SET_ANYWHERE=(unset)\n"
    );
    assert_eq!(out.stderr, "this goes to stderr\n");

    // Returning from main instead of calling exit().
    let out = run("args_env", |b| {
        b.arg("p").env("EXIT_CODE", "3").env("EXIT_VIA", "return");
    });
    assert_eq!(out.code, Ok(3));
    assert!(
        out.stdout
            .starts_with("argc=1\nargv[0]=p\nenvc=2\nGREETING=(unset)\n"),
        "{}",
        out.stdout
    );

    // Exit code 0.
    let out = run("args_env", |b| {
        b.arg("p");
    });
    assert_eq!(out.code, Ok(0));
    assert!(out.stdout.contains("envc=0\n"));
}

#[test]
fn no_arguments_at_all() {
    // argc = 0 is legal in WASI; the program must still run.
    let out = run("args_env", |_| {});
    assert_eq!(out.code, Ok(0));
    assert!(out.stdout.starts_with("argc=0\nenvc=0\n"), "{}", out.stdout);
}

#[test]
fn files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("input.txt"), "line one\nline two\n").unwrap();
    let out = run("files", |b| {
        b.arg("files").preopened_dir(dir.path(), ".").unwrap();
    });
    assert_eq!(
        out.stdout,
        "input: line one\ninput: line two\nread: hello, world\nafter seek: world\npread: World\n\
         size after append: 22 regular=1\nsize after truncate: 5\nsize after ftruncate: 3\n\
         big: lines=10000 sum=49995000\nok\n"
    );
    assert_eq!(out.code, Ok(0), "stderr: {}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.txt")).unwrap(),
        "hel"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("big.txt"))
            .unwrap()
            .lines()
            .count(),
        10000
    );
}

#[test]
fn directories() {
    let dir = tempfile::tempdir().unwrap();
    let out = run("dirs", |b| {
        b.arg("dirs").preopened_dir(dir.path(), ".").unwrap();
    });
    assert_eq!(
        out.stdout,
        "a/b has 103 entries\n\
         a: [../] [./] [b/] [one.txt ]\n\
         .: [../] [./] [a/] [c/]\n\
         c: [../] [./] [two.txt ] [uno.txt ]\n\
         readlink: uno.txt\n\
         through link: one\n\
         nlink=2\n\
         c: [../] [./] [link@] [two.txt ] [uno.txt ]\n\
         .: [../] [./]\n\
         ok\n"
    );
    assert_eq!(out.code, Ok(0));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "the program cleans up"
    );
}

#[test]
fn preopen_under_a_guest_name() {
    // The same program, with the directory mounted as /sandbox and the
    // program's relative paths resolved from a cwd of "/" by wasi-libc: it
    // must fail to find input.txt (it is /sandbox/input.txt), not crash.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("input.txt"), "x\n").unwrap();
    let out = run("files", |b| {
        b.preopened_dir(dir.path(), "/sandbox").unwrap();
    });
    assert_eq!(out.code, Ok(1));
    assert!(out.stdout.starts_with("FAILED"), "{}", out.stdout);
}

#[test]
fn clocks_and_random() {
    let out = run("clocks_random", |_| {});
    assert_eq!(
        out.stdout,
        "realtime after 2020: 1\nmonotonic resolution <= 1ms: 1\nslept at least 20ms: 1\n\
         slept less than 2s: 1\nrandom buffers differ: 1\nrandom not all zero: 1\nok\n"
    );
    assert_eq!(out.code, Ok(0));
}

#[test]
fn stdin_bytes() {
    let out = run("stdin", |b| {
        b.stdin_bytes(b"hello\nworld\n".to_vec());
    });
    assert_eq!(out.stdout, "HELLO\nWORLD\nbytes=12 lines=2\nagain=-1\n");
    assert_eq!(out.code, Ok(0));
    // Without stdin_bytes, stdin is empty.
    let out = run("stdin", |_| {});
    assert_eq!(out.stdout, "bytes=0 lines=0\nagain=-1\n");
}

#[test]
fn bad_pointers_and_arguments_give_errnos() {
    let dir = tempfile::tempdir().unwrap();
    let out = run("rawcalls", |b| {
        b.preopened_dir(dir.path(), ".").unwrap();
    });
    assert_eq!(
        out.stdout,
        "fd_write bad buffer: 21\n\
         fd_write bad iovec array: 21\n\
         fd_write bad result ptr: 21\n\
         fd_write bad fd: 8\n\
         fd_read bad buffer: 21\n\
         args_sizes_get bad ptr: 21\n\
         clock_time_get bad clock: 28\n\
         clock_time_get bad ptr: 21\n\
         random_get bad ptr: 21\n\
         path_open bad out ptr: 21\n\
         path_open bad path ptr: 21\n\
         path_open bad fd: 8\n\
         path_open empty path: 44\n\
         path_open on stdout: 54\n\
         path_open bad utf8: 25\n\
         fd_seek bad whence: 28\n\
         fd_seek on stdout: 70\n\
         fd_prestat_get on stdin: 8\n\
         fd_prestat_dir_name short buffer: 37\n\
         poll_oneoff zero subscriptions: 28\n\
         poll_oneoff bad ptr: 21\n\
         fd_advise bad advice: 28\n\
         fd_renumber bad fd: 8\n\
         proc_raise: 52\n\
         proc_raise bad signal: 28\n\
         sock_shutdown on stdout: 57\n\
         sock_accept bad fd: 8\n\
         fd_fdstat_set_rights grow: 76\n\
         fd_readdir on stdout: 54\n\
         fd_close bad fd: 8\n\
         survived\n"
    );
    assert_eq!(out.code, Ok(0));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing was created"
    );
}

#[test]
fn poll_oneoff_clock_and_stdio() {
    let out = run("poll", |b| {
        b.stdin_bytes(b"abc".to_vec());
    });
    assert_eq!(
        out.stdout,
        "clock: errno=0 n=1 userdata=1 type=0\n\
         fds: errno=0 n=2\n\
         \x20 event userdata=2 type=1 error=0 nbytes=3\n\
         \x20 event userdata=3 type=2 error=0 nbytes=0\n\
         bad fd: errno=0 n=1 error=8\n"
    );
    assert_eq!(out.code, Ok(0));
}

/// Builds `tmp/{secret.txt, box/}` where `box` is the sandbox and holds
/// symlinks planted by the host that point at the secret outside.
fn escape_fixture() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("secret.txt"), "top secret\n").unwrap();
    let boxd = tmp.path().join("box");
    std::fs::create_dir(&boxd).unwrap();
    std::fs::write(boxd.join("inside.txt"), "inside\n").unwrap();
    std::os::unix::fs::symlink(tmp.path().join("secret.txt"), boxd.join("outside-link")).unwrap();
    std::os::unix::fs::symlink(tmp.path(), boxd.join("outside-dir-link")).unwrap();
    tmp
}

#[test]
fn sandbox_escapes_are_blocked() {
    for guest_name in [".", "/", "/box"] {
        let tmp = escape_fixture();
        let boxd = tmp.path().join("box");
        let out = run("escape", |b| {
            b.preopened_dir(&boxd, guest_name).unwrap();
        });
        assert_eq!(out.code, Ok(0), "{guest_name}: {out:?}");
        assert!(
            !out.stdout.contains("ESCAPED"),
            "{guest_name}:\n{}",
            out.stdout
        );
        if guest_name != "/box" {
            // With cwd "/" and the box at "/box", relative names do not
            // resolve to the box at all, so only check the full run here.
            assert!(
                out.stdout.contains("inside.txt: inside\n"),
                "{}",
                out.stdout
            );
            assert!(
                out.stdout.contains("open ../secret.txt: blocked"),
                "{}",
                out.stdout
            );
            assert!(
                out.stdout.contains("open host symlink to outside: blocked"),
                "{}",
                out.stdout
            );
        }
        assert!(out.stdout.ends_with("done\n"));
        // Nothing outside the box was created, moved or removed.
        let mut names: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["box", "secret.txt"], "{guest_name}");
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("secret.txt")).unwrap(),
            "top secret\n"
        );
        assert!(boxd.join("inside.txt").exists());
    }
}

#[test]
fn exact_escape_report() {
    let tmp = escape_fixture();
    let out = run("escape", |b| {
        b.preopened_dir(tmp.path().join("box"), ".").unwrap();
    });
    let expected = "\
open ../secret.txt: blocked (Capabilities insufficient)
open /secret.txt: blocked (No such file or directory)
open /etc/passwd: blocked (No such file or directory)
open sub/../../secret.txt: blocked (No such file or directory)
create ../created.txt: blocked (Capabilities insufficient)
mkdir ../newdir: blocked (Capabilities insufficient)
opendir ..: blocked (Capabilities insufficient)
open host symlink to outside: blocked (Capabilities insufficient)
open through host dir symlink: blocked (Capabilities insufficient)
guest symlink to ../secret.txt created: 1
open guest symlink to outside: blocked (Capabilities insufficient)
guest symlink to /etc/passwd: blocked (Capabilities insufficient)
open guest abs symlink: blocked (No such file or directory)
open up/secret.txt: blocked (Capabilities insufficient)
stat ../secret.txt: blocked (Capabilities insufficient)
rename into parent: blocked (Capabilities insufficient)
link into parent: blocked (Capabilities insufficient)
unlink ../secret.txt: blocked (Capabilities insufficient)
chdir ..: blocked (Capabilities insufficient)
inside.txt: inside
done
";
    assert_eq!(out.stdout, expected);
}
