//! The per-instance WASI state: arguments, environment, standard streams
//! and the descriptor table, plus the builder the embedder configures it with.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::types::{errno, rights, Errno};
use crate::WasiError;

/// The lowest descriptor number a newly opened file or directory gets: 0-2 are the
/// standard streams' (see `WasiCtx::insert`).
const FIRST_OPENED_FD: u32 = 3;

/// Where the guest's standard input comes from.
pub(crate) enum StdinSource {
    /// Reads return end-of-file at once (the default, as in wasmtime).
    Empty,
    /// The host process's standard input.
    Inherit,
    /// A fixed byte string given by the embedder.
    Bytes(Cursor<Vec<u8>>),
}

/// Where the guest's standard output or error goes.
#[derive(Clone)]
pub(crate) enum OutputSink {
    /// Discarded (the default, as in wasmtime).
    Null,
    /// The host process's stream of the same name.
    Inherit(StdStream),
    /// Kept in memory for [`WasiCtx::stdout_contents`]. Shared so the
    /// contents survive the guest closing or renumbering the descriptor.
    Capture(Arc<Mutex<Vec<u8>>>),
}

impl StdinSource {
    /// Whether it is the host's standard input and that is a terminal.
    pub(crate) fn is_terminal(&self) -> bool {
        use std::io::IsTerminal;
        matches!(self, StdinSource::Inherit) && std::io::stdin().is_terminal()
    }
}

impl OutputSink {
    /// Whether it is a host stream that is a terminal.
    pub(crate) fn is_terminal(&self) -> bool {
        use std::io::IsTerminal;
        match self {
            OutputSink::Inherit(StdStream::Stdout) => std::io::stdout().is_terminal(),
            OutputSink::Inherit(StdStream::Stderr) => std::io::stderr().is_terminal(),
            _ => false,
        }
    }
}

/// Which host stream an inherited sink writes to.
#[derive(Clone, Copy)]
pub(crate) enum StdStream {
    Stdout,
    Stderr,
}

impl OutputSink {
    pub(crate) fn write(&mut self, data: &[u8]) -> std::io::Result<()> {
        match self {
            OutputSink::Null => Ok(()),
            // Flushed on every call: the guest does its own buffering, and a
            // guest that traps must not lose what it already wrote.
            OutputSink::Inherit(StdStream::Stdout) => {
                let mut out = std::io::stdout().lock();
                out.write_all(data)?;
                out.flush()
            }
            OutputSink::Inherit(StdStream::Stderr) => std::io::stderr().lock().write_all(data),
            OutputSink::Capture(buf) => {
                // A poisoned lock only means another thread panicked while
                // appending; the bytes are still usable.
                let mut b = buf.lock().unwrap_or_else(|e| e.into_inner());
                b.extend_from_slice(data);
                Ok(())
            }
        }
    }
}

impl StdinSource {
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            StdinSource::Empty => Ok(0),
            StdinSource::Inherit => read_host_stdin(buf),
            StdinSource::Bytes(c) => c.read(buf),
        }
    }

    /// Readiness for `poll_oneoff`: `Some((bytes, hangup))` if a read
    /// would not block now, `None` if it would.
    pub(crate) fn readiness(&self) -> Option<(u64, bool)> {
        match self {
            StdinSource::Empty => Some((0, true)),
            StdinSource::Inherit => poll_host_stdin(Some(std::time::Duration::ZERO)),
            StdinSource::Bytes(c) => {
                let left = (c.get_ref().len() as u64).saturating_sub(c.position());
                Some((left, left == 0))
            }
        }
    }
}

/// Reads the host's stdin without buffering. `std::io::stdin()` would take up
/// to 8 KiB from fd 0 into its process-wide buffer, where `poll_host_stdin`
/// (poll(2) on fd 0) cannot see them: a guest that read part of its input and
/// then polled for the rest waited for its timeout, or forever, while the
/// bytes sat in that buffer.
fn read_host_stdin(buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        // SAFETY: `buf` is a valid, exclusively borrowed buffer of
        // `buf.len()` bytes for the whole call; read(2) writes at most that.
        let n = unsafe { libc::read(0, buf.as_mut_ptr().cast(), buf.len()) };
        if n >= 0 {
            return Ok(n as usize);
        }
        let e = std::io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EINTR) => continue,
            // A closed stdin reads as empty, as `std::io::stdin()` has it.
            Some(libc::EBADF) => return Ok(0),
            _ => return Err(e),
        }
    }
}

/// Waits up to `timeout` (`None`: forever) for the host's stdin to become
/// readable. Returns `Some((bytes, hangup))` when it is; the byte count is a
/// lower bound (1), since pipes and terminals do not say more portably.
pub(crate) fn poll_host_stdin(timeout: Option<std::time::Duration>) -> Option<(u64, bool)> {
    let ms = match timeout {
        // Round up so a wake-up never comes before the guest's deadline.
        Some(d) => i32::try_from(d.as_nanos().div_ceil(1_000_000)).unwrap_or(i32::MAX),
        None => -1,
    };
    let mut pfd = libc::pollfd {
        fd: 0,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: `pfd` is a valid, exclusively borrowed pollfd array of length
    // 1 for the whole call; poll(2) touches nothing else.
    let n = unsafe { libc::poll(&mut pfd, 1, ms) };
    if n <= 0 {
        return None;
    }
    if pfd.revents & libc::POLLIN != 0 {
        Some((1, false))
    } else if pfd.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
        Some((0, true))
    } else {
        None
    }
}

/// A directory listing cached between `fd_readdir` calls so that cookies
/// stay stable while the guest pages through it.
pub(crate) struct DirListing {
    /// `(inode, filetype, name)` in cookie order, `.` and `..` first.
    pub(crate) entries: Vec<(u64, u8, Vec<u8>)>,
}

/// An open directory.
pub(crate) struct DirEntry {
    pub(crate) dir: cap_std::fs::Dir,
    /// The guest name if this is a preopen (reported by `fd_prestat_*`).
    pub(crate) preopen: Option<String>,
    pub(crate) listing: Option<DirListing>,
}

/// An open regular file (or other non-directory object) of the sandbox.
pub(crate) struct FileEntry {
    pub(crate) file: std::fs::File,
    pub(crate) readable: bool,
    pub(crate) writable: bool,
}

/// What a descriptor refers to.
pub(crate) enum Kind {
    Stdin(StdinSource),
    Stdout(OutputSink),
    Stderr(OutputSink),
    File(FileEntry),
    Dir(DirEntry),
}

/// One slot of the descriptor table.
pub(crate) struct Descriptor {
    pub(crate) kind: Kind,
    /// `$fdflags` the guest asked for. `APPEND` is emulated (seek to the end
    /// before each write) so `fd_fdstat_set_flags` can toggle it portably.
    pub(crate) flags: u16,
    pub(crate) rights_base: u64,
    pub(crate) rights_inheriting: u64,
}

/// Builder for a [`WasiCtx`]. Everything defaults to the most closed
/// setting: no arguments, no environment, empty stdin, discarded output,
/// no preopened directories.
#[derive(Default)]
pub struct WasiCtxBuilder {
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Option<StdinSource>,
    stdout: Option<OutputSink>,
    stderr: Option<OutputSink>,
    preopens: Vec<(cap_std::fs::Dir, String)>,
}

impl WasiCtxBuilder {
    /// A builder with nothing granted.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends command-line arguments. The first one is the program name
    /// (`argv[0]`), as for a native program.
    pub fn args(&mut self, args: &[impl AsRef<str>]) -> &mut Self {
        self.args.extend(args.iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Appends one command-line argument.
    pub fn arg(&mut self, a: &str) -> &mut Self {
        self.args.push(a.to_owned());
        self
    }

    /// Adds an environment variable, replacing an earlier one of that name.
    pub fn env(&mut self, key: &str, value: &str) -> &mut Self {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Adds the whole environment of the host process. Variables whose name
    /// or value is not UTF-8 are skipped, since WASI strings are UTF-8.
    pub fn inherit_env(&mut self) -> &mut Self {
        for (k, v) in std::env::vars_os() {
            if let (Some(k), Some(v)) = (k.to_str(), v.to_str()) {
                self.env(k, v);
            }
        }
        self
    }

    /// Connects the guest's stdin, stdout and stderr to the host's.
    pub fn inherit_stdio(&mut self) -> &mut Self {
        self.stdin = Some(StdinSource::Inherit);
        self.stdout = Some(OutputSink::Inherit(StdStream::Stdout));
        self.stderr = Some(OutputSink::Inherit(StdStream::Stderr));
        self
    }

    /// Makes the guest's stdin read these bytes, then end-of-file.
    pub fn stdin_bytes(&mut self, data: Vec<u8>) -> &mut Self {
        self.stdin = Some(StdinSource::Bytes(Cursor::new(data)));
        self
    }

    /// Keeps the guest's stdout in memory; read it with
    /// [`WasiCtx::stdout_contents`].
    pub fn capture_stdout(&mut self) -> &mut Self {
        self.stdout = Some(OutputSink::Capture(Arc::default()));
        self
    }

    /// Keeps the guest's stderr in memory; read it with
    /// [`WasiCtx::stderr_contents`].
    pub fn capture_stderr(&mut self) -> &mut Self {
        self.stderr = Some(OutputSink::Capture(Arc::default()));
        self
    }

    /// Grants the guest the host directory `host_path`, visible to it as
    /// `guest_path` (e.g. `"."` or `"/data"`). The guest can reach nothing
    /// outside it: `..`, absolute paths and symlinks are resolved inside the
    /// directory by cap-std. Fails if the directory cannot be opened.
    pub fn preopened_dir(
        &mut self,
        host_path: impl AsRef<Path>,
        guest_path: &str,
    ) -> Result<&mut Self, WasiError> {
        let host_path = host_path.as_ref();
        let dir = cap_std::fs::Dir::open_ambient_dir(host_path, cap_std::ambient_authority())
            .map_err(|source| WasiError::Preopen {
                path: host_path.to_path_buf(),
                source,
            })?;
        self.preopens.push((dir, guest_path.to_owned()));
        Ok(self)
    }

    /// Builds the context. The builder is left reset (a second `build`
    /// gives a context with nothing granted), because directory handles and
    /// capture buffers cannot be shared between two guests meaningfully.
    pub fn build(&mut self) -> WasiCtx {
        let b = std::mem::take(self);
        let stdout = b.stdout.unwrap_or(OutputSink::Null);
        let stderr = b.stderr.unwrap_or(OutputSink::Null);
        let stdio = |kind| Descriptor {
            kind,
            flags: 0,
            rights_base: rights::STDIO_BASE,
            rights_inheriting: 0,
        };
        let mut fds = BTreeMap::new();
        fds.insert(0, stdio(Kind::Stdin(b.stdin.unwrap_or(StdinSource::Empty))));
        fds.insert(1, stdio(Kind::Stdout(stdout.clone())));
        fds.insert(2, stdio(Kind::Stderr(stderr.clone())));
        // Preopens follow the standard streams, in the order given.
        for (fd, (dir, name)) in (3..).zip(b.preopens) {
            fds.insert(
                fd,
                Descriptor {
                    kind: Kind::Dir(DirEntry {
                        dir,
                        preopen: Some(name),
                        listing: None,
                    }),
                    flags: 0,
                    rights_base: rights::DIRECTORY_BASE,
                    rights_inheriting: rights::DIRECTORY_BASE | rights::REGULAR_FILE_BASE,
                },
            );
        }
        WasiCtx {
            args: b.args,
            env: b.env.into_iter().map(|(k, v)| format!("{k}={v}")).collect(),
            fds,
            stdout,
            stderr,
            start: Instant::now(),
        }
    }
}

/// The WASI state of one guest: keep it in the store's data and hand it to
/// [`crate::add_to_linker`] through the accessor closure.
pub struct WasiCtx {
    pub(crate) args: Vec<String>,
    /// `KEY=VALUE` strings, the form `environ_get` hands out.
    pub(crate) env: Vec<String>,
    pub(crate) fds: BTreeMap<u32, Descriptor>,
    stdout: OutputSink,
    stderr: OutputSink,
    /// Origin of the monotonic and CPU-time clocks.
    pub(crate) start: Instant,
}

impl std::fmt::Debug for WasiCtx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasiCtx")
            .field("args", &self.args)
            .field("open_fds", &self.fds.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

fn captured(sink: &OutputSink) -> Vec<u8> {
    match sink {
        OutputSink::Capture(buf) => buf.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        _ => Vec::new(),
    }
}

impl WasiCtx {
    /// Everything the guest wrote to stdout, if it was captured with
    /// [`WasiCtxBuilder::capture_stdout`]; empty otherwise.
    pub fn stdout_contents(&self) -> Vec<u8> {
        captured(&self.stdout)
    }

    /// Everything the guest wrote to stderr, if it was captured with
    /// [`WasiCtxBuilder::capture_stderr`]; empty otherwise.
    pub fn stderr_contents(&self) -> Vec<u8> {
        captured(&self.stderr)
    }

    pub(crate) fn get(&mut self, fd: u32) -> Result<&mut Descriptor, Errno> {
        self.fds.get_mut(&fd).ok_or(errno::BADF)
    }

    /// Puts a descriptor in the lowest free slot from 3 on: as POSIX does, except that the
    /// standard streams' numbers are never handed out again. A program that closed its
    /// stdout (yosys does, when it takes back its output from ABC) would otherwise get fd 1
    /// for the next file it opens, and its buffered stdout would be flushed into that
    /// file; Wasmtime and wasmi do not reuse them either.
    pub(crate) fn insert(&mut self, d: Descriptor) -> Result<u32, Errno> {
        let mut fd = FIRST_OPENED_FD;
        for &used in self.fds.range(FIRST_OPENED_FD..).map(|(fd, _)| fd) {
            if used != fd {
                break;
            }
            fd = fd.checked_add(1).ok_or(errno::MFILE)?;
        }
        self.fds.insert(fd, d);
        Ok(fd)
    }
}
