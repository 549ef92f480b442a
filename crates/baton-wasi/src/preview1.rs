//! The `wasi_snapshot_preview1` functions, independent of the engine: each
//! one takes the [`WasiCtx`], a [`GuestMemory`] view and the raw arguments,
//! and returns the errno. Keeping them engine-free lets the unit tests call
//! them with a plain byte vector as memory.

// The parameter lists mirror the ABI one to one, which is easier to check
// against the spec than bundled argument structs.
#![allow(clippy::too_many_arguments)]

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt, OsMetadataExt, SystemTimeSpec};

use crate::ctx::{Descriptor, DirEntry, DirListing, FileEntry, Kind, WasiCtx};
use crate::memory::GuestMemory;
use crate::types::*;

/// The result of every call: `Ok` becomes errno `SUCCESS`.
pub type WasiResult = Result<(), Errno>;

/// Maps a host I/O error to the closest WASI errno.
pub fn errno_from_io(e: &io::Error) -> Errno {
    if let Some(code) = e.raw_os_error() {
        return errno_from_os(code);
    }
    match e.kind() {
        // cap-std reports sandbox escapes (`..` past the root, absolute
        // paths, symlinks leading out) as PermissionDenied without an OS
        // code; WASI's word for that is "capabilities insufficient".
        io::ErrorKind::PermissionDenied => errno::NOTCAPABLE,
        io::ErrorKind::NotFound => errno::NOENT,
        io::ErrorKind::AlreadyExists => errno::EXIST,
        io::ErrorKind::InvalidInput => errno::INVAL,
        io::ErrorKind::InvalidData => errno::ILSEQ,
        io::ErrorKind::Unsupported => errno::NOTSUP,
        io::ErrorKind::WouldBlock => errno::AGAIN,
        io::ErrorKind::Interrupted => errno::INTR,
        io::ErrorKind::BrokenPipe => errno::PIPE,
        io::ErrorKind::OutOfMemory => errno::NOMEM,
        io::ErrorKind::UnexpectedEof => errno::IO,
        io::ErrorKind::NotADirectory => errno::NOTDIR,
        io::ErrorKind::IsADirectory => errno::ISDIR,
        io::ErrorKind::DirectoryNotEmpty => errno::NOTEMPTY,
        _ => errno::IO,
    }
}

/// Maps a host `errno` (Linux/BSD numbering through `libc`) to WASI.
fn errno_from_os(code: i32) -> Errno {
    use errno as w;
    match code {
        libc::EPERM => w::PERM,
        libc::ENOENT => w::NOENT,
        libc::ESRCH => w::SRCH,
        libc::EINTR => w::INTR,
        libc::EIO => w::IO,
        libc::ENXIO => w::NXIO,
        libc::E2BIG => w::TOOBIG,
        libc::ENOEXEC => w::NOEXEC,
        libc::EBADF => w::BADF,
        libc::ECHILD => w::CHILD,
        libc::EAGAIN => w::AGAIN,
        libc::ENOMEM => w::NOMEM,
        libc::EACCES => w::ACCES,
        libc::EFAULT => w::FAULT,
        libc::EBUSY => w::BUSY,
        libc::EEXIST => w::EXIST,
        libc::EXDEV => w::XDEV,
        libc::ENODEV => w::NODEV,
        libc::ENOTDIR => w::NOTDIR,
        libc::EISDIR => w::ISDIR,
        libc::EINVAL => w::INVAL,
        libc::ENFILE => w::NFILE,
        libc::EMFILE => w::MFILE,
        libc::ENOTTY => w::NOTTY,
        libc::ETXTBSY => w::TXTBSY,
        libc::EFBIG => w::FBIG,
        libc::ENOSPC => w::NOSPC,
        libc::ESPIPE => w::SPIPE,
        libc::EROFS => w::ROFS,
        libc::EMLINK => w::MLINK,
        libc::EPIPE => w::PIPE,
        libc::EDOM => w::DOM,
        libc::ERANGE => w::RANGE,
        libc::EDEADLK => w::DEADLK,
        libc::ENAMETOOLONG => w::NAMETOOLONG,
        libc::ENOLCK => w::NOLCK,
        libc::ENOSYS => w::NOSYS,
        libc::ENOTEMPTY => w::NOTEMPTY,
        libc::ELOOP => w::LOOP,
        libc::ENOMSG => w::NOMSG,
        libc::EIDRM => w::IDRM,
        libc::ENOLINK => w::NOLINK,
        libc::EPROTO => w::PROTO,
        libc::EMULTIHOP => w::MULTIHOP,
        libc::EBADMSG => w::BADMSG,
        libc::EOVERFLOW => w::OVERFLOW,
        libc::EILSEQ => w::ILSEQ,
        libc::ENOTSOCK => w::NOTSOCK,
        libc::EDESTADDRREQ => w::DESTADDRREQ,
        libc::EMSGSIZE => w::MSGSIZE,
        libc::EPROTOTYPE => w::PROTOTYPE,
        libc::ENOPROTOOPT => w::NOPROTOOPT,
        libc::EPROTONOSUPPORT => w::PROTONOSUPPORT,
        libc::EOPNOTSUPP => w::NOTSUP,
        libc::EAFNOSUPPORT => w::AFNOSUPPORT,
        libc::EADDRINUSE => w::ADDRINUSE,
        libc::EADDRNOTAVAIL => w::ADDRNOTAVAIL,
        libc::ENETDOWN => w::NETDOWN,
        libc::ENETUNREACH => w::NETUNREACH,
        libc::ENETRESET => w::NETRESET,
        libc::ECONNABORTED => w::CONNABORTED,
        libc::ECONNRESET => w::CONNRESET,
        libc::ENOBUFS => w::NOBUFS,
        libc::EISCONN => w::ISCONN,
        libc::ENOTCONN => w::NOTCONN,
        libc::ETIMEDOUT => w::TIMEDOUT,
        libc::ECONNREFUSED => w::CONNREFUSED,
        libc::EHOSTUNREACH => w::HOSTUNREACH,
        libc::EALREADY => w::ALREADY,
        libc::EINPROGRESS => w::INPROGRESS,
        libc::ESTALE => w::STALE,
        libc::EDQUOT => w::DQUOT,
        libc::ECANCELED => w::CANCELED,
        libc::EOWNERDEAD => w::OWNERDEAD,
        libc::ENOTRECOVERABLE => w::NOTRECOVERABLE,
        _ => w::IO,
    }
}

fn io_err(e: io::Error) -> Errno {
    errno_from_io(&e)
}

/// Narrows an ABI integer that the witx declares smaller than `i32`.
fn narrow<T: TryFrom<u32>>(v: u32) -> Result<T, Errno> {
    T::try_from(v).map_err(|_| errno::INVAL)
}

/// Fails unless `d` is a regular file. Called before the rights check so a
/// guest using the wrong kind of descriptor learns that first.
fn expect_file(d: &Descriptor) -> WasiResult {
    match d.kind {
        Kind::File(_) => Ok(()),
        Kind::Dir(_) => Err(errno::ISDIR),
        _ => Err(errno::SPIPE),
    }
}

fn check_rights(d: &Descriptor, needed: u64) -> WasiResult {
    if d.rights_base & needed == needed {
        Ok(())
    } else {
        Err(errno::NOTCAPABLE)
    }
}

// ---------------------------------------------------------------- args/env

/// Writes a list of strings as `argv`-style pointers plus NUL-terminated
/// bytes, the layout `args_get` and `environ_get` share.
fn write_string_list(mem: &mut GuestMemory, list: &[String], ptrs: u32, buf: u32) -> WasiResult {
    let mut at = buf;
    for (i, s) in list.iter().enumerate() {
        let slot = u32::try_from(i)
            .ok()
            .and_then(|i| i.checked_mul(4))
            .and_then(|o| ptrs.checked_add(o))
            .ok_or(errno::FAULT)?;
        mem.write_u32(slot, at)?;
        mem.write_bytes(at, s.as_bytes())?;
        let len = u32::try_from(s.len()).map_err(|_| errno::OVERFLOW)?;
        at = at.checked_add(len).ok_or(errno::FAULT)?;
        mem.write_u8(at, 0)?;
        at = at.checked_add(1).ok_or(errno::FAULT)?;
    }
    Ok(())
}

fn write_list_sizes(mem: &mut GuestMemory, list: &[String], count: u32, size: u32) -> WasiResult {
    let n = u32::try_from(list.len()).map_err(|_| errno::OVERFLOW)?;
    let bytes: usize = list.iter().map(|s| s.len() + 1).sum();
    let bytes = u32::try_from(bytes).map_err(|_| errno::OVERFLOW)?;
    mem.write_u32(count, n)?;
    mem.write_u32(size, bytes)
}

/// `args_get(argv, argv_buf)`.
pub fn args_get(ctx: &mut WasiCtx, mem: &mut GuestMemory, argv: u32, buf: u32) -> WasiResult {
    write_string_list(mem, &ctx.args, argv, buf)
}

/// `args_sizes_get() -> (argc, argv_buf_size)`.
pub fn args_sizes_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    argc: u32,
    size: u32,
) -> WasiResult {
    write_list_sizes(mem, &ctx.args, argc, size)
}

/// `environ_get(environ, environ_buf)`.
pub fn environ_get(ctx: &mut WasiCtx, mem: &mut GuestMemory, env: u32, buf: u32) -> WasiResult {
    write_string_list(mem, &ctx.env, env, buf)
}

/// `environ_sizes_get() -> (count, buf_size)`.
pub fn environ_sizes_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    count: u32,
    size: u32,
) -> WasiResult {
    write_list_sizes(mem, &ctx.env, count, size)
}

// ------------------------------------------------------------------ clocks

fn now(ctx: &WasiCtx, id: u32) -> Result<u64, Errno> {
    match id {
        clockid::REALTIME => {
            let d = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_err(|_| errno::OVERFLOW)?;
            u64::try_from(d.as_nanos()).map_err(|_| errno::OVERFLOW)
        }
        // The CPU-time clocks are approximated by elapsed time since the
        // context was built; a single-threaded interpreter is busy all the
        // time it runs, so this is close and never goes backwards.
        clockid::MONOTONIC | clockid::PROCESS_CPUTIME_ID | clockid::THREAD_CPUTIME_ID => {
            u64::try_from(ctx.start.elapsed().as_nanos()).map_err(|_| errno::OVERFLOW)
        }
        _ => Err(errno::INVAL),
    }
}

/// `clock_res_get(id) -> timestamp`.
pub fn clock_res_get(ctx: &mut WasiCtx, mem: &mut GuestMemory, id: u32, out: u32) -> WasiResult {
    now(ctx, id)?;
    // Host clocks on the platforms we support tick in nanoseconds.
    mem.write_u64(out, 1)
}

/// `clock_time_get(id, precision) -> timestamp`.
pub fn clock_time_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    id: u32,
    _precision: u64,
    out: u32,
) -> WasiResult {
    let t = now(ctx, id)?;
    mem.write_u64(out, t)
}

// --------------------------------------------------------------------- fds

/// `fd_advise(fd, offset, len, advice)`: checked, then ignored (advice is
/// only a hint).
pub fn fd_advise(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory,
    fd: u32,
    _off: u64,
    _len: u64,
    advice: u32,
) -> WasiResult {
    let d = ctx.get(fd)?;
    if narrow::<u8>(advice)? > ADVICE_MAX {
        return Err(errno::INVAL);
    }
    match d.kind {
        Kind::File(_) => check_rights(d, rights::FD_ADVISE),
        Kind::Dir(_) => Err(errno::BADF),
        _ => Err(errno::SPIPE),
    }
}

fn file_mut(d: &mut Descriptor) -> Result<&mut FileEntry, Errno> {
    match &mut d.kind {
        Kind::File(f) => Ok(f),
        Kind::Dir(_) => Err(errno::ISDIR),
        _ => Err(errno::SPIPE),
    }
}

/// `fd_allocate(fd, offset, len)`: grows the file so the range exists.
pub fn fd_allocate(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory,
    fd: u32,
    off: u64,
    len: u64,
) -> WasiResult {
    let d = ctx.get(fd)?;
    expect_file(d)?;
    check_rights(d, rights::FD_ALLOCATE)?;
    let f = file_mut(d)?;
    if !f.writable {
        return Err(errno::BADF);
    }
    let end = off.checked_add(len).ok_or(errno::FBIG)?;
    let size = f.file.metadata().map_err(io_err)?.len();
    if end > size {
        f.file.set_len(end).map_err(io_err)?;
    }
    Ok(())
}

/// `fd_close(fd)`.
pub fn fd_close(ctx: &mut WasiCtx, _mem: &mut GuestMemory, fd: u32) -> WasiResult {
    ctx.fds.remove(&fd).map(drop).ok_or(errno::BADF)
}

fn sync(ctx: &mut WasiCtx, fd: u32, data_only: bool) -> WasiResult {
    let d = ctx.get(fd)?;
    match &mut d.kind {
        Kind::File(f) => {
            if data_only {
                f.file.sync_data().map_err(io_err)
            } else {
                f.file.sync_all().map_err(io_err)
            }
        }
        Kind::Stdout(_) | Kind::Stderr(_) => {
            std::io::stdout().flush().map_err(io_err)?;
            Ok(())
        }
        // Directory entries are made durable by the host OS's own policy;
        // opening one for fsync through cap-std is not worth its cost.
        Kind::Dir(_) | Kind::Stdin(_) => Ok(()),
    }
}

/// `fd_datasync(fd)`.
pub fn fd_datasync(ctx: &mut WasiCtx, _mem: &mut GuestMemory, fd: u32) -> WasiResult {
    sync(ctx, fd, true)
}

/// `fd_sync(fd)`.
pub fn fd_sync(ctx: &mut WasiCtx, _mem: &mut GuestMemory, fd: u32) -> WasiResult {
    sync(ctx, fd, false)
}

fn filetype_of(ft: cap_std::fs::FileType) -> u8 {
    use cap_fs_ext::FileTypeExt;
    if ft.is_dir() {
        filetype::DIRECTORY
    } else if ft.is_file() {
        filetype::REGULAR_FILE
    } else if ft.is_symlink() {
        filetype::SYMBOLIC_LINK
    } else if ft.is_block_device() {
        filetype::BLOCK_DEVICE
    } else if ft.is_char_device() {
        filetype::CHARACTER_DEVICE
    } else {
        filetype::UNKNOWN
    }
}

fn descriptor_filetype(d: &Descriptor) -> u8 {
    match &d.kind {
        // A terminal is a character device; anything else (a pipe, a file, a capture
        // buffer) is reported as unknown, as wasmtime does, so that a guest's `isatty`
        // answers as it would natively (programs colour their output on terminals only).
        Kind::Stdin(s) if s.is_terminal() => filetype::CHARACTER_DEVICE,
        Kind::Stdout(s) | Kind::Stderr(s) if s.is_terminal() => filetype::CHARACTER_DEVICE,
        Kind::Stdin(_) | Kind::Stdout(_) | Kind::Stderr(_) => filetype::UNKNOWN,
        Kind::Dir(_) => filetype::DIRECTORY,
        Kind::File(f) => cap_std::fs::Metadata::from_file(&f.file)
            .map(|m| filetype_of(m.file_type()))
            .unwrap_or(filetype::UNKNOWN),
    }
}

/// `fd_fdstat_get(fd) -> fdstat`.
pub fn fd_fdstat_get(ctx: &mut WasiCtx, mem: &mut GuestMemory, fd: u32, out: u32) -> WasiResult {
    let d = ctx.get(fd)?;
    let ft = descriptor_filetype(d);
    let mut buf = [0u8; size::FDSTAT as usize];
    buf[0] = ft;
    buf[2..4].copy_from_slice(&d.flags.to_le_bytes());
    buf[8..16].copy_from_slice(&d.rights_base.to_le_bytes());
    buf[16..24].copy_from_slice(&d.rights_inheriting.to_le_bytes());
    mem.write_bytes(out, &buf)
}

/// `fd_fdstat_set_flags(fd, flags)`: `APPEND` and `NONBLOCK` may change;
/// the synchronous-I/O flags cannot be switched after opening.
pub fn fd_fdstat_set_flags(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory,
    fd: u32,
    flags: u32,
) -> WasiResult {
    let flags: u16 = narrow(flags)?;
    let d = ctx.get(fd)?;
    check_rights(d, rights::FD_FDSTAT_SET_FLAGS)?;
    let fixed = fdflags::DSYNC | fdflags::RSYNC | fdflags::SYNC;
    if flags & !0x1f != 0 {
        return Err(errno::INVAL);
    }
    if (flags ^ d.flags) & fixed != 0 {
        return Err(errno::NOTSUP);
    }
    d.flags = flags;
    Ok(())
}

/// `fd_fdstat_set_rights(fd, base, inheriting)`: rights can only shrink.
pub fn fd_fdstat_set_rights(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory,
    fd: u32,
    base: u64,
    inheriting: u64,
) -> WasiResult {
    let d = ctx.get(fd)?;
    if base & !d.rights_base != 0 || inheriting & !d.rights_inheriting != 0 {
        return Err(errno::NOTCAPABLE);
    }
    d.rights_base = base;
    d.rights_inheriting = inheriting;
    Ok(())
}

fn nanos(secs: i64, nsec: i64) -> u64 {
    // Times before 1970 cannot be represented as a WASI timestamp; clamp.
    let t = i128::from(secs) * 1_000_000_000 + i128::from(nsec);
    u64::try_from(t.max(0)).unwrap_or(u64::MAX)
}

fn write_filestat(mem: &mut GuestMemory, out: u32, m: &cap_std::fs::Metadata) -> WasiResult {
    let mut buf = [0u8; size::FILESTAT as usize];
    buf[0..8].copy_from_slice(&m.dev().to_le_bytes());
    buf[8..16].copy_from_slice(&m.ino().to_le_bytes());
    buf[16] = filetype_of(m.file_type());
    buf[24..32].copy_from_slice(&m.nlink().to_le_bytes());
    buf[32..40].copy_from_slice(&m.size().to_le_bytes());
    buf[40..48].copy_from_slice(&nanos(m.atime(), m.atime_nsec()).to_le_bytes());
    buf[48..56].copy_from_slice(&nanos(m.mtime(), m.mtime_nsec()).to_le_bytes());
    buf[56..64].copy_from_slice(&nanos(m.ctime(), m.ctime_nsec()).to_le_bytes());
    mem.write_bytes(out, &buf)
}

/// `fd_filestat_get(fd) -> filestat`.
pub fn fd_filestat_get(ctx: &mut WasiCtx, mem: &mut GuestMemory, fd: u32, out: u32) -> WasiResult {
    let d = ctx.get(fd)?;
    match &d.kind {
        Kind::File(f) => {
            let m = cap_std::fs::Metadata::from_file(&f.file).map_err(io_err)?;
            write_filestat(mem, out, &m)
        }
        Kind::Dir(dir) => {
            let m = dir.dir.dir_metadata().map_err(io_err)?;
            write_filestat(mem, out, &m)
        }
        _ => {
            // Like wasmtime: zeroed times, and the type `fd_fdstat_get` reports.
            let mut buf = [0u8; size::FILESTAT as usize];
            buf[16] = descriptor_filetype(d);
            mem.write_bytes(out, &buf)
        }
    }
}

/// `fd_filestat_set_size(fd, size)`.
pub fn fd_filestat_set_size(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory,
    fd: u32,
    size: u64,
) -> WasiResult {
    let d = ctx.get(fd)?;
    expect_file(d)?;
    check_rights(d, rights::FD_FILESTAT_SET_SIZE)?;
    let f = file_mut(d)?;
    if !f.writable {
        return Err(errno::BADF);
    }
    f.file.set_len(size).map_err(io_err)
}

/// Decodes the `(atim, mtim, fst_flags)` triple of the `*_set_times` calls.
fn time_specs(
    atim: u64,
    mtim: u64,
    flags: u32,
) -> Result<(Option<SystemTimeSpec>, Option<SystemTimeSpec>), Errno> {
    let flags: u16 = narrow(flags)?;
    if flags & !0xf != 0 {
        return Err(errno::INVAL);
    }
    let one = |set: u16, now: u16, t: u64| -> Result<Option<SystemTimeSpec>, Errno> {
        match (flags & set != 0, flags & now != 0) {
            (true, true) => Err(errno::INVAL),
            (true, false) => Ok(Some(SystemTimeSpec::Absolute(
                cap_std::time::SystemTime::from_std(UNIX_EPOCH + Duration::from_nanos(t)),
            ))),
            (false, true) => Ok(Some(SystemTimeSpec::SymbolicNow)),
            (false, false) => Ok(None),
        }
    };
    Ok((
        one(fstflags::ATIM, fstflags::ATIM_NOW, atim)?,
        one(fstflags::MTIM, fstflags::MTIM_NOW, mtim)?,
    ))
}

fn to_std_time(t: SystemTimeSpec) -> SystemTime {
    match t {
        SystemTimeSpec::SymbolicNow => SystemTime::now(),
        SystemTimeSpec::Absolute(t) => t.into_std(),
    }
}

/// `fd_filestat_set_times(fd, atim, mtim, fst_flags)`.
pub fn fd_filestat_set_times(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory,
    fd: u32,
    atim: u64,
    mtim: u64,
    flags: u32,
) -> WasiResult {
    let (a, m) = time_specs(atim, mtim, flags)?;
    let d = ctx.get(fd)?;
    check_rights(d, rights::FD_FILESTAT_SET_TIMES)?;
    let mut times = std::fs::FileTimes::new();
    if let Some(a) = a {
        times = times.set_accessed(to_std_time(a));
    }
    if let Some(m) = m {
        times = times.set_modified(to_std_time(m));
    }
    match &d.kind {
        Kind::File(f) => f.file.set_times(times).map_err(io_err),
        Kind::Dir(dir) => {
            let file = dir.dir.try_clone().map_err(io_err)?.into_std_file();
            file.set_times(times).map_err(io_err)
        }
        _ => Err(errno::BADF),
    }
}

/// Reads into the iovecs one after another, stopping at a short read as
/// `readv` does. `read` fills one host buffer at a given offset.
fn read_iovecs(
    mem: &mut GuestMemory,
    iovs: u32,
    count: u32,
    mut read: impl FnMut(&mut [u8], u64) -> io::Result<usize>,
) -> Result<u32, Errno> {
    let vecs = mem.read_iovecs(iovs, count)?;
    let mut total: u64 = 0;
    for (buf, len) in vecs {
        if len == 0 {
            continue;
        }
        let dst = mem.slice_mut(buf, len)?;
        let n = match read(dst, total) {
            Ok(n) => n,
            // Data already delivered wins over a later error, as with readv.
            Err(_) if total > 0 => break,
            Err(e) => return Err(io_err(e)),
        };
        total += n as u64;
        if n < len as usize {
            break;
        }
    }
    u32::try_from(total).map_err(|_| errno::OVERFLOW)
}

/// Writes the guest's `ciovec`s (`vecs`, as `GuestMemory::read_iovecs` checked them)
/// through `write`, which gets runs of their bytes and
/// the number of bytes written before each run. Small buffers are gathered into runs
/// of up to [`WRITE_CHUNK`] bytes, so that the usual `fd_write` (wasi-libc's stdio
/// passes two buffers) is still one host write; larger ones go on their own. Nothing
/// larger is gathered: iovecs may overlap, so a guest with a single page of memory
/// could otherwise make the host allocate up to 4 GiB per call. All buffers are
/// checked before anything is written; data already written wins over a later error,
/// as with `writev`.
fn write_iovecs(
    mem: &GuestMemory,
    vecs: Vec<(u32, u32)>,
    mut write: impl FnMut(&[u8], u64) -> io::Result<()>,
) -> Result<u32, Errno> {
    let mut total: u64 = 0;
    let mut run: Vec<u8> = Vec::new();
    // Writes `bytes` (a run or one large buffer); `Ok(false)`: stop, some were written.
    let mut put = |bytes: &[u8], total: &mut u64| -> Result<bool, Errno> {
        match write(bytes, *total) {
            Ok(()) => {
                *total += bytes.len() as u64;
                Ok(true)
            }
            Err(_) if *total > 0 => Ok(false),
            Err(e) => Err(io_err(e)),
        }
    };
    for (buf, len) in vecs {
        let bytes = mem.slice(buf, len)?;
        if run.len() + bytes.len() <= WRITE_CHUNK {
            run.extend_from_slice(bytes);
            continue;
        }
        if !run.is_empty() {
            if !put(&run, &mut total)? {
                return u32::try_from(total).map_err(|_| errno::OVERFLOW);
            }
            run.clear();
        }
        if bytes.len() <= WRITE_CHUNK {
            run.extend_from_slice(bytes);
        } else if !put(bytes, &mut total)? {
            return u32::try_from(total).map_err(|_| errno::OVERFLOW);
        }
    }
    if !run.is_empty() {
        put(&run, &mut total)?;
    }
    u32::try_from(total).map_err(|_| errno::OVERFLOW)
}

/// The most bytes of small `ciovec`s [`write_iovecs`] gathers into one host write.
const WRITE_CHUNK: usize = 64 * 1024;

/// `fd_pread(fd, iovs, offset) -> nread`.
pub fn fd_pread(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    iovs: u32,
    count: u32,
    offset: u64,
    out: u32,
) -> WasiResult {
    // Fail on a bad result pointer before any data moves.
    mem.slice(out, 4)?;
    let d = ctx.get(fd)?;
    expect_file(d)?;
    check_rights(d, rights::FD_READ | rights::FD_SEEK)?;
    let f = file_mut(d)?;
    if !f.readable {
        return Err(errno::BADF);
    }
    let file = &f.file;
    let n = read_iovecs(mem, iovs, count, |buf, done| {
        let at = offset
            .checked_add(done)
            .ok_or(io::ErrorKind::InvalidInput)?;
        file.read_at(buf, at)
    })?;
    mem.write_u32(out, n)
}

/// `fd_pwrite(fd, iovs, offset) -> nwritten`.
pub fn fd_pwrite(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    iovs: u32,
    count: u32,
    offset: u64,
    out: u32,
) -> WasiResult {
    // Fail on a bad result pointer before any data moves.
    mem.slice(out, 4)?;
    let d = ctx.get(fd)?;
    expect_file(d)?;
    check_rights(d, rights::FD_WRITE | rights::FD_SEEK)?;
    let f = file_mut(d)?;
    if !f.writable {
        return Err(errno::BADF);
    }
    let file = &f.file;
    let vecs = mem.read_iovecs(iovs, count)?;
    let n = write_iovecs(mem, vecs, |buf, done| {
        let at = offset
            .checked_add(done)
            .ok_or(io::ErrorKind::InvalidInput)?;
        file.write_all_at(buf, at)
    })?;
    mem.write_u32(out, n)
}

/// `fd_read(fd, iovs) -> nread`.
pub fn fd_read(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    iovs: u32,
    count: u32,
    out: u32,
) -> WasiResult {
    // Fail on a bad result pointer before any data moves.
    mem.slice(out, 4)?;
    let d = ctx.get(fd)?;
    check_rights(d, rights::FD_READ)?;
    let n = match &mut d.kind {
        Kind::Stdin(s) => read_iovecs(mem, iovs, count, |buf, _| s.read(buf))?,
        Kind::File(f) if f.readable => read_iovecs(mem, iovs, count, |buf, _| f.file.read(buf))?,
        Kind::Dir(_) => return Err(errno::ISDIR),
        _ => return Err(errno::BADF),
    };
    mem.write_u32(out, n)
}

/// `fd_write(fd, iovs) -> nwritten`.
pub fn fd_write(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    iovs: u32,
    count: u32,
    out: u32,
) -> WasiResult {
    // Fail on a bad result pointer before any data moves.
    mem.slice(out, 4)?;
    let d = ctx.get(fd)?;
    check_rights(d, rights::FD_WRITE)?;
    let append = d.flags & fdflags::APPEND != 0;
    // A bad iovec is EFAULT before anything else, as when they were gathered.
    let vecs = mem.read_iovecs(iovs, count)?;
    let n = match &mut d.kind {
        Kind::Stdout(s) | Kind::Stderr(s) => write_iovecs(mem, vecs, |buf, _| s.write(buf))?,
        Kind::File(f) if f.writable => {
            if append {
                f.file.seek(SeekFrom::End(0)).map_err(io_err)?;
            }
            write_iovecs(mem, vecs, |buf, _| f.file.write_all(buf))?
        }
        Kind::Dir(_) => return Err(errno::ISDIR),
        _ => return Err(errno::BADF),
    };
    mem.write_u32(out, n)
}

/// `fd_prestat_get(fd) -> prestat`. Only preopened directories have one;
/// wasi-libc probes fds from 3 upwards until it gets `EBADF`.
pub fn fd_prestat_get(ctx: &mut WasiCtx, mem: &mut GuestMemory, fd: u32, out: u32) -> WasiResult {
    let name = match &ctx.get(fd)?.kind {
        Kind::Dir(DirEntry {
            preopen: Some(name),
            ..
        }) => name,
        _ => return Err(errno::BADF),
    };
    let len = u32::try_from(name.len()).map_err(|_| errno::OVERFLOW)?;
    let mut buf = [0u8; size::PRESTAT as usize];
    buf[0] = PREOPENTYPE_DIR;
    buf[4..8].copy_from_slice(&len.to_le_bytes());
    mem.write_bytes(out, &buf)
}

/// `fd_prestat_dir_name(fd, path, path_len)`.
pub fn fd_prestat_dir_name(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    path: u32,
    len: u32,
) -> WasiResult {
    let name = match &ctx.get(fd)?.kind {
        Kind::Dir(DirEntry {
            preopen: Some(name),
            ..
        }) => name,
        _ => return Err(errno::BADF),
    };
    if (len as usize) < name.len() {
        return Err(errno::NAMETOOLONG);
    }
    mem.write_bytes(path, name.as_bytes())
}

/// Builds the listing of a directory: `.`, `..`, then its entries.
fn list_dir(dir: &cap_std::fs::Dir) -> Result<DirListing, Errno> {
    let mut entries = Vec::new();
    let self_ino = dir.dir_metadata().map(|m| m.ino()).unwrap_or(0);
    entries.push((self_ino, filetype::DIRECTORY, b".".to_vec()));
    // The parent of a preopen lies outside the sandbox, so its inode is not
    // revealed; the directory's own stands in. It must not be 0: wasi-libc
    // then calls fstatat on the name to learn it, which fails for "..".
    let parent_ino = dir.metadata("..").map(|m| m.ino()).unwrap_or(self_ino);
    entries.push((parent_ino, filetype::DIRECTORY, b"..".to_vec()));
    for e in dir.entries().map_err(io_err)? {
        let e = e.map_err(io_err)?;
        let ft = e.file_type().map(filetype_of).unwrap_or(filetype::UNKNOWN);
        let ino = cap_std::fs::DirEntry::metadata(&e)
            .map(|m| m.ino())
            .unwrap_or(0);
        let name = e.file_name().into_encoded_bytes();
        entries.push((ino, ft, name));
    }
    Ok(DirListing { entries })
}

/// `fd_readdir(fd, buf, buf_len, cookie) -> bufused`. The cookie is the
/// index of the next entry. The listing is read afresh when a guest starts
/// at cookie 0 and reused for later cookies, so entries do not shift or
/// repeat under the guest between two calls.
pub fn fd_readdir(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    buf: u32,
    buf_len: u32,
    cookie: u64,
    out: u32,
) -> WasiResult {
    let d = ctx.get(fd)?;
    if !matches!(d.kind, Kind::Dir(_)) {
        return Err(errno::NOTDIR);
    }
    check_rights(d, rights::FD_READDIR)?;
    let dir = match &mut d.kind {
        Kind::Dir(dir) => dir,
        _ => return Err(errno::NOTDIR),
    };
    if cookie == 0 || dir.listing.is_none() {
        dir.listing = Some(list_dir(&dir.dir)?);
    }
    let listing = dir.listing.as_ref().ok_or(errno::IO)?;
    // Serialise entries until the buffer is full; the last one may be cut
    // short, which tells the guest to call again with a bigger buffer.
    let mut bytes = Vec::new();
    let start = usize::try_from(cookie).unwrap_or(usize::MAX);
    for (i, (ino, ft, name)) in listing.entries.iter().enumerate().skip(start) {
        if bytes.len() >= buf_len as usize {
            break;
        }
        let mut head = [0u8; size::DIRENT as usize];
        head[0..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
        head[8..16].copy_from_slice(&ino.to_le_bytes());
        head[16..20].copy_from_slice(&u32::try_from(name.len()).unwrap_or(u32::MAX).to_le_bytes());
        head[20] = *ft;
        bytes.extend_from_slice(&head);
        bytes.extend_from_slice(name);
    }
    bytes.truncate(buf_len as usize);
    mem.write_bytes(buf, &bytes)?;
    mem.write_u32(out, bytes.len() as u32)
}

/// `fd_renumber(from, to)`: moves `from` over `to`, closing `to`.
pub fn fd_renumber(ctx: &mut WasiCtx, _mem: &mut GuestMemory, from: u32, to: u32) -> WasiResult {
    if !ctx.fds.contains_key(&from) || !ctx.fds.contains_key(&to) {
        return Err(errno::BADF);
    }
    if from != to {
        let d = ctx.fds.remove(&from).ok_or(errno::BADF)?;
        ctx.fds.insert(to, d);
    }
    Ok(())
}

/// `fd_seek(fd, offset, whence) -> newoffset`.
pub fn fd_seek(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    offset: i64,
    whence: u32,
    out: u32,
) -> WasiResult {
    let whence: u8 = narrow(whence)?;
    if whence > whence::END {
        return Err(errno::INVAL);
    }
    let d = ctx.get(fd)?;
    expect_file(d)?;
    // wasi-libc uses `fd_seek(fd, 0, CUR)` for `ftell`; allow it with
    // either right.
    let needed = if offset == 0 && whence == whence::CUR {
        rights::FD_TELL
    } else {
        rights::FD_SEEK
    };
    if d.rights_base & (needed | rights::FD_SEEK) == 0 {
        return Err(errno::NOTCAPABLE);
    }
    let f = match &mut d.kind {
        Kind::File(f) => f,
        Kind::Dir(_) => return Err(errno::BADF),
        _ => return Err(errno::SPIPE),
    };
    let pos = match whence {
        whence::SET => SeekFrom::Start(u64::try_from(offset).map_err(|_| errno::INVAL)?),
        whence::CUR => SeekFrom::Current(offset),
        whence::END => SeekFrom::End(offset),
        _ => return Err(errno::INVAL),
    };
    let n = f.file.seek(pos).map_err(io_err)?;
    mem.write_u64(out, n)
}

/// `fd_tell(fd) -> offset`.
pub fn fd_tell(ctx: &mut WasiCtx, mem: &mut GuestMemory, fd: u32, out: u32) -> WasiResult {
    let d = ctx.get(fd)?;
    expect_file(d)?;
    check_rights(d, rights::FD_TELL)?;
    let f = match &mut d.kind {
        Kind::File(f) => f,
        Kind::Dir(_) => return Err(errno::BADF),
        _ => return Err(errno::SPIPE),
    };
    let n = f.file.stream_position().map_err(io_err)?;
    mem.write_u64(out, n)
}

// ------------------------------------------------------------------- paths

/// Reads a guest path and rejects forms that must never reach the host.
/// cap-std would refuse absolute paths as well; checking here gives the
/// same errno on every host and keeps NUL bytes out of C APIs.
fn read_path<'m>(mem: &'m GuestMemory, ptr: u32, len: u32) -> Result<&'m str, Errno> {
    let p = mem.read_str(ptr, len)?;
    if p.is_empty() {
        return Err(errno::NOENT);
    }
    if p.contains('\0') {
        return Err(errno::INVAL);
    }
    if p.starts_with('/') {
        return Err(errno::NOTCAPABLE);
    }
    Ok(p)
}

fn dir_with_rights(ctx: &mut WasiCtx, fd: u32, needed: u64) -> Result<&cap_std::fs::Dir, Errno> {
    let d = ctx.get(fd)?;
    let Kind::Dir(dir) = &d.kind else {
        return Err(errno::NOTDIR);
    };
    if d.rights_base & needed != needed {
        return Err(errno::NOTCAPABLE);
    }
    Ok(&dir.dir)
}

/// `path_create_directory(fd, path)`.
pub fn path_create_directory(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    ptr: u32,
    len: u32,
) -> WasiResult {
    let path = read_path(mem, ptr, len)?;
    let dir = dir_with_rights(ctx, fd, rights::PATH_CREATE_DIRECTORY)?;
    dir.create_dir(path).map_err(io_err)
}

/// `path_filestat_get(fd, flags, path) -> filestat`.
pub fn path_filestat_get(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    flags: u32,
    ptr: u32,
    len: u32,
    out: u32,
) -> WasiResult {
    let path = read_path(mem, ptr, len)?;
    let dir = dir_with_rights(ctx, fd, rights::PATH_FILESTAT_GET)?;
    let m = if flags & LOOKUP_SYMLINK_FOLLOW != 0 {
        dir.metadata(path)
    } else {
        dir.symlink_metadata(path)
    }
    .map_err(io_err)?;
    write_filestat(mem, out, &m)
}

/// `path_filestat_set_times(fd, flags, path, atim, mtim, fst_flags)`.
pub fn path_filestat_set_times(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    flags: u32,
    ptr: u32,
    len: u32,
    atim: u64,
    mtim: u64,
    fst: u32,
) -> WasiResult {
    let path = read_path(mem, ptr, len)?;
    let (a, m) = time_specs(atim, mtim, fst)?;
    let dir = dir_with_rights(ctx, fd, rights::PATH_FILESTAT_SET_TIMES)?;
    if flags & LOOKUP_SYMLINK_FOLLOW != 0 {
        dir.set_times(path, a, m)
    } else {
        dir.set_symlink_times(path, a, m)
    }
    .map_err(io_err)
}

/// `path_link(old_fd, old_flags, old_path, new_fd, new_path)`.
pub fn path_link(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    old_fd: u32,
    old_flags: u32,
    old_ptr: u32,
    old_len: u32,
    new_fd: u32,
    new_ptr: u32,
    new_len: u32,
) -> WasiResult {
    let old = read_path(mem, old_ptr, old_len)?;
    let new = read_path(mem, new_ptr, new_len)?;
    // Hard links to what a symlink points at would need the target resolved
    // inside the sandbox first; like wasmtime, we do not offer it.
    if old_flags & LOOKUP_SYMLINK_FOLLOW != 0 {
        return Err(errno::INVAL);
    }
    let new_dir = dir_with_rights(ctx, new_fd, rights::PATH_LINK_TARGET)?
        .try_clone()
        .map_err(io_err)?;
    let old_dir = dir_with_rights(ctx, old_fd, rights::PATH_LINK_SOURCE)?;
    old_dir.hard_link(old, &new_dir, new).map_err(io_err)
}

/// `path_open(fd, dirflags, path, oflags, rights_base, rights_inheriting, fdflags) -> fd`.
pub fn path_open(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    dirflags: u32,
    ptr: u32,
    len: u32,
    oflags: u32,
    base: u64,
    inheriting: u64,
    fdflags: u32,
    out: u32,
) -> WasiResult {
    let path = read_path(mem, ptr, len)?;
    let oflags: u16 = narrow(oflags)?;
    let fdflags: u16 = narrow(fdflags)?;
    let follow = if dirflags & LOOKUP_SYMLINK_FOLLOW != 0 {
        FollowSymlinks::Yes
    } else {
        FollowSymlinks::No
    };
    // Fail on a bad result pointer before anything is opened or created.
    mem.slice(out, 4)?;
    let parent = ctx.get(fd)?;
    if !matches!(parent.kind, Kind::Dir(_)) {
        return Err(errno::NOTDIR);
    }
    check_rights(parent, rights::PATH_OPEN)?;
    // Rights a child can get are bounded by the parent's inheriting rights.
    // Intersect rather than fail, as wasi-libc already asks for the
    // intersection and other guests should not break on extra bits.
    let base = base & parent.rights_inheriting;
    let inheriting = inheriting & parent.rights_inheriting;
    let parent_base = parent.rights_base;
    let dir = match &parent.kind {
        Kind::Dir(d) => &d.dir,
        _ => return Err(errno::NOTDIR),
    };
    if oflags & oflags::CREAT != 0 && parent_base & rights::PATH_CREATE_FILE == 0 {
        return Err(errno::NOTCAPABLE);
    }
    // The witx spec ties O_TRUNC to PATH_FILESTAT_SET_SIZE ("includes the
    // right to invoke path_open with oflags::trunc"); without this check a
    // guest that dropped that right could still empty files.
    if oflags & oflags::TRUNC != 0 && parent_base & rights::PATH_FILESTAT_SET_SIZE == 0 {
        return Err(errno::NOTCAPABLE);
    }

    let want_dir = oflags & oflags::DIRECTORY != 0;
    let read = base & (rights::FD_READ | rights::FD_READDIR) != 0;
    let write = base
        & (rights::FD_DATASYNC
            | rights::FD_WRITE
            | rights::FD_ALLOCATE
            | rights::FD_FILESTAT_SET_SIZE)
        != 0
        || oflags & (oflags::CREAT | oflags::TRUNC) != 0;
    if want_dir && oflags & (oflags::CREAT | oflags::TRUNC) != 0 {
        return Err(errno::INVAL);
    }

    let descriptor = if want_dir {
        let d = match follow {
            FollowSymlinks::Yes => dir.open_dir(path),
            FollowSymlinks::No => dir.open_dir_nofollow(path),
        }
        .map_err(io_err)?;
        Kind::Dir(DirEntry {
            dir: d,
            preopen: None,
            listing: None,
        })
    } else {
        let mut opts = cap_std::fs::OpenOptions::new();
        // Opening read-only is always possible; a descriptor that only has
        // metadata rights still needs *some* access mode.
        opts.read(read || !write);
        opts.write(write);
        if oflags & oflags::CREAT != 0 {
            opts.create(true);
            // EXCL only means something with CREAT (POSIX leaves it undefined
            // alone; Linux and Wasmtime ignore it). On its own, `create_new`
            // would refuse existing files and create missing ones without the
            // PATH_CREATE_FILE check above.
            if oflags & oflags::EXCL != 0 {
                opts.create_new(true);
            }
        }
        if oflags & oflags::TRUNC != 0 {
            opts.truncate(true);
        }
        opts.follow(follow);
        let file = dir.open_with(path, &opts).map_err(io_err)?;
        let meta = file.metadata().map_err(io_err)?;
        if meta.is_dir() {
            if write {
                return Err(errno::ISDIR);
            }
            Kind::Dir(DirEntry {
                dir: cap_std::fs::Dir::from_std_file(file.into_std()),
                preopen: None,
                listing: None,
            })
        } else {
            Kind::File(FileEntry {
                file: file.into_std(),
                readable: read || !write,
                writable: write,
            })
        }
    };
    let (rights_base, rights_inheriting) = match descriptor {
        Kind::Dir(_) => (base & rights::DIRECTORY_BASE, inheriting),
        _ => (base & rights::REGULAR_FILE_BASE, 0),
    };
    let new_fd = ctx.insert(Descriptor {
        kind: descriptor,
        flags: fdflags,
        rights_base,
        rights_inheriting,
    })?;
    if let Err(e) = mem.write_u32(out, new_fd) {
        ctx.fds.remove(&new_fd);
        return Err(e);
    }
    Ok(())
}

/// `path_readlink(fd, path, buf, buf_len) -> bufused`. Truncates silently
/// when the buffer is too small, as `readlink(2)` does.
pub fn path_readlink(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    ptr: u32,
    len: u32,
    buf: u32,
    buf_len: u32,
    out: u32,
) -> WasiResult {
    let path = read_path(mem, ptr, len)?;
    let dir = dir_with_rights(ctx, fd, rights::PATH_READLINK)?;
    // `read_link`, not `read_link_contents`: it refuses links with an absolute
    // target, whose text would tell the guest where things lie on the host
    // outside its sandbox (as Wasmtime does; such a link cannot be followed
    // inside the sandbox anyway). Relative targets are returned as stored.
    let target = dir.read_link(path).map_err(io_err)?;
    let bytes = target.into_os_string().into_encoded_bytes();
    let n = bytes.len().min(buf_len as usize);
    mem.write_bytes(buf, &bytes[..n])?;
    mem.write_u32(out, n as u32)
}

/// `path_remove_directory(fd, path)`.
pub fn path_remove_directory(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    ptr: u32,
    len: u32,
) -> WasiResult {
    let path = read_path(mem, ptr, len)?;
    let dir = dir_with_rights(ctx, fd, rights::PATH_REMOVE_DIRECTORY)?;
    dir.remove_dir(path).map_err(io_err)
}

/// `path_rename(fd, old_path, new_fd, new_path)`.
pub fn path_rename(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    old_ptr: u32,
    old_len: u32,
    new_fd: u32,
    new_ptr: u32,
    new_len: u32,
) -> WasiResult {
    let old = read_path(mem, old_ptr, old_len)?;
    let new = read_path(mem, new_ptr, new_len)?;
    let new_dir = dir_with_rights(ctx, new_fd, rights::PATH_RENAME_TARGET)?
        .try_clone()
        .map_err(io_err)?;
    let dir = dir_with_rights(ctx, fd, rights::PATH_RENAME_SOURCE)?;
    dir.rename(old, &new_dir, new).map_err(io_err)
}

/// `path_symlink(old_path, fd, new_path)`. The link's target text is stored
/// as given; it is harmless because every later lookup through the link is
/// resolved inside the sandbox. Absolute targets are refused, like wasmtime,
/// because they could never resolve inside the sandbox anyway.
pub fn path_symlink(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    old_ptr: u32,
    old_len: u32,
    fd: u32,
    new_ptr: u32,
    new_len: u32,
) -> WasiResult {
    let old = mem.read_str(old_ptr, old_len)?;
    if old.starts_with('/') {
        return Err(errno::NOTCAPABLE);
    }
    if old.contains('\0') {
        return Err(errno::INVAL);
    }
    let new = read_path(mem, new_ptr, new_len)?;
    let dir = dir_with_rights(ctx, fd, rights::PATH_SYMLINK)?;
    dir.symlink(old, new).map_err(io_err)
}

/// `path_unlink_file(fd, path)`.
pub fn path_unlink_file(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    fd: u32,
    ptr: u32,
    len: u32,
) -> WasiResult {
    let path = read_path(mem, ptr, len)?;
    let dir = dir_with_rights(ctx, fd, rights::PATH_UNLINK_FILE)?;
    dir.remove_file_or_symlink(path).map_err(io_err)
}

// ------------------------------------------------------------------- polls

/// `poll_oneoff(in, out, nsubscriptions) -> nevents`.
///
/// Descriptor subscriptions are answered at once when ready (files,
/// captured streams and byte-string stdin always are). If none is, the call
/// waits — in poll(2) on the host's stdin if the guest subscribed to it,
/// else asleep — until stdin is readable or the earliest clock
/// subscription expires, and reports what is ready by then.
pub fn poll_oneoff(
    ctx: &mut WasiCtx,
    mem: &mut GuestMemory,
    input: u32,
    output: u32,
    nsubs: u32,
    out: u32,
) -> WasiResult {
    if nsubs == 0 {
        return Err(errno::INVAL);
    }
    let in_len = nsubs.checked_mul(size::SUBSCRIPTION).ok_or(errno::FAULT)?;
    let out_len = nsubs.checked_mul(size::EVENT).ok_or(errno::FAULT)?;
    mem.slice(input, in_len)?;
    mem.slice(output, out_len)?;

    struct Ev {
        userdata: u64,
        error: Errno,
        ty: u8,
        nbytes: u64,
        flags: u16,
    }
    let mut events = Vec::new();
    let mut clocks = Vec::new(); // (userdata, deadline in the clock's ns)
    let mut pending_stdin = Vec::new(); // userdata of reads on host stdin
    for i in 0..nsubs {
        // In bounds (and so free of overflow): the whole array was checked.
        let at = input + i * size::SUBSCRIPTION;
        let userdata = mem.read_u64(at)?;
        let tag = mem.read_u8(at + 8)?;
        match tag {
            eventtype::CLOCK => {
                let id = mem.read_u32(at + 16)?;
                let timeout = mem.read_u64(at + 24)?;
                let flags = mem.read_u16(at + 40)?;
                match now(ctx, id) {
                    Ok(t) => {
                        let deadline = if flags & SUBSCRIPTION_CLOCK_ABSTIME != 0 {
                            timeout
                        } else {
                            t.saturating_add(timeout)
                        };
                        clocks.push((userdata, id, deadline));
                    }
                    Err(e) => events.push(Ev {
                        userdata,
                        error: e,
                        ty: tag,
                        nbytes: 0,
                        flags: 0,
                    }),
                }
            }
            eventtype::FD_READ | eventtype::FD_WRITE => {
                let fd = mem.read_u32(at + 16)?;
                let mut ev = Ev {
                    userdata,
                    error: errno::SUCCESS,
                    ty: tag,
                    nbytes: 0,
                    flags: 0,
                };
                match ctx.fds.get(&fd) {
                    None => ev.error = errno::BADF,
                    Some(d) => match (&d.kind, tag) {
                        (Kind::Stdin(s), eventtype::FD_READ) => match s.readiness() {
                            Some((n, hangup)) => {
                                ev.nbytes = n;
                                if hangup {
                                    ev.flags = EVENT_FD_READWRITE_HANGUP;
                                }
                            }
                            // Not ready yet: waited for below, with the clocks.
                            None => {
                                pending_stdin.push(userdata);
                                continue;
                            }
                        },
                        (Kind::File(f), eventtype::FD_READ) => {
                            let mut file = &f.file;
                            let size = f.file.metadata().map(|m| m.len()).unwrap_or(0);
                            let pos = file.stream_position().unwrap_or(0);
                            ev.nbytes = size.saturating_sub(pos);
                        }
                        (
                            Kind::File(_) | Kind::Stdout(_) | Kind::Stderr(_),
                            eventtype::FD_WRITE,
                        ) => {}
                        _ => ev.error = errno::BADF,
                    },
                }
                events.push(ev);
            }
            _ => return Err(errno::INVAL),
        }
    }

    if events.is_empty() {
        // Sleep until the earliest deadline, then report all that passed.
        let mut earliest: Option<Duration> = None;
        for &(_, id, deadline) in &clocks {
            let t = now(ctx, id)?;
            let wait = Duration::from_nanos(deadline.saturating_sub(t));
            earliest = Some(earliest.map_or(wait, |e| e.min(wait)));
        }
        if !pending_stdin.is_empty() {
            if let Some((n, hangup)) = crate::ctx::poll_host_stdin(earliest) {
                for &userdata in &pending_stdin {
                    events.push(Ev {
                        userdata,
                        error: errno::SUCCESS,
                        ty: eventtype::FD_READ,
                        nbytes: n,
                        flags: if hangup { EVENT_FD_READWRITE_HANGUP } else { 0 },
                    });
                }
            }
        } else if let Some(wait) = earliest {
            if !wait.is_zero() {
                std::thread::sleep(wait);
            }
        }
        for &(userdata, id, deadline) in &clocks {
            if now(ctx, id)? >= deadline {
                events.push(Ev {
                    userdata,
                    error: errno::SUCCESS,
                    ty: eventtype::CLOCK,
                    nbytes: 0,
                    flags: 0,
                });
            }
        }
    }

    for (i, ev) in events.iter().enumerate() {
        let at = output + i as u32 * size::EVENT;
        let mut buf = [0u8; size::EVENT as usize];
        buf[0..8].copy_from_slice(&ev.userdata.to_le_bytes());
        buf[8..10].copy_from_slice(&ev.error.to_le_bytes());
        buf[10] = ev.ty;
        buf[16..24].copy_from_slice(&ev.nbytes.to_le_bytes());
        buf[24..26].copy_from_slice(&ev.flags.to_le_bytes());
        mem.write_bytes(at, &buf)?;
    }
    mem.write_u32(out, events.len() as u32)
}

// ----------------------------------------------------------- proc & misc

/// `proc_raise(sig)`: signals do not exist in a WASI sandbox. Valid signal
/// numbers get `ENOSYS`, anything else `EINVAL`.
pub fn proc_raise(_ctx: &mut WasiCtx, _mem: &mut GuestMemory, sig: u32) -> WasiResult {
    if narrow::<u8>(sig)? >= SIGNAL_COUNT {
        return Err(errno::INVAL);
    }
    Err(errno::NOSYS)
}

/// `sched_yield()`.
pub fn sched_yield(_ctx: &mut WasiCtx, _mem: &mut GuestMemory) -> WasiResult {
    std::thread::yield_now();
    Ok(())
}

/// `random_get(buf, buf_len)`: bytes from the OS's secure generator.
pub fn random_get(_ctx: &mut WasiCtx, mem: &mut GuestMemory, buf: u32, len: u32) -> WasiResult {
    use cap_rand::RngCore;
    let dst = mem.slice_mut(buf, len)?;
    let mut rng = cap_rand::thread_rng(cap_rand::ambient_authority());
    rng.fill_bytes(dst);
    Ok(())
}

// ----------------------------------------------------------------- sockets

/// Sockets can only come from the embedder (preopened listeners), which this
/// implementation does not offer, so every descriptor is either unknown
/// (`EBADF`) or not a socket (`ENOTSOCK`).
fn no_socket(ctx: &mut WasiCtx, fd: u32) -> WasiResult {
    ctx.get(fd)?;
    Err(errno::NOTSOCK)
}

/// `sock_accept(fd, flags) -> fd`.
pub fn sock_accept(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory,
    fd: u32,
    _flags: u32,
    _out: u32,
) -> WasiResult {
    no_socket(ctx, fd)
}

/// `sock_recv(fd, ri_data, ri_flags) -> (ro_datalen, ro_flags)`.
pub fn sock_recv(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory,
    fd: u32,
    _iovs: u32,
    _n: u32,
    _flags: u32,
    _out_len: u32,
    _out_flags: u32,
) -> WasiResult {
    no_socket(ctx, fd)
}

/// `sock_send(fd, si_data, si_flags) -> so_datalen`.
pub fn sock_send(
    ctx: &mut WasiCtx,
    _mem: &mut GuestMemory,
    fd: u32,
    _iovs: u32,
    _n: u32,
    _flags: u32,
    _out: u32,
) -> WasiResult {
    no_socket(ctx, fd)
}

/// `sock_shutdown(fd, how)`.
pub fn sock_shutdown(ctx: &mut WasiCtx, _mem: &mut GuestMemory, fd: u32, _how: u32) -> WasiResult {
    no_socket(ctx, fd)
}
