//! Constants and layouts of `wasi_snapshot_preview1`, written out from the
//! witx spec (`typenames.witx`). They are plain integers rather than Rust
//! enums because guests hand us arbitrary bit patterns and we must answer
//! unknown values with an errno instead of failing to decode.

/// A WASI error number (`$errno`, a `u16` in the ABI).
pub type Errno = u16;

/// `$errno` values.
#[allow(missing_docs)]
pub mod errno {
    use super::Errno;
    pub const SUCCESS: Errno = 0;
    pub const TOOBIG: Errno = 1;
    pub const ACCES: Errno = 2;
    pub const ADDRINUSE: Errno = 3;
    pub const ADDRNOTAVAIL: Errno = 4;
    pub const AFNOSUPPORT: Errno = 5;
    pub const AGAIN: Errno = 6;
    pub const ALREADY: Errno = 7;
    pub const BADF: Errno = 8;
    pub const BADMSG: Errno = 9;
    pub const BUSY: Errno = 10;
    pub const CANCELED: Errno = 11;
    pub const CHILD: Errno = 12;
    pub const CONNABORTED: Errno = 13;
    pub const CONNREFUSED: Errno = 14;
    pub const CONNRESET: Errno = 15;
    pub const DEADLK: Errno = 16;
    pub const DESTADDRREQ: Errno = 17;
    pub const DOM: Errno = 18;
    pub const DQUOT: Errno = 19;
    pub const EXIST: Errno = 20;
    pub const FAULT: Errno = 21;
    pub const FBIG: Errno = 22;
    pub const HOSTUNREACH: Errno = 23;
    pub const IDRM: Errno = 24;
    pub const ILSEQ: Errno = 25;
    pub const INPROGRESS: Errno = 26;
    pub const INTR: Errno = 27;
    pub const INVAL: Errno = 28;
    pub const IO: Errno = 29;
    pub const ISCONN: Errno = 30;
    pub const ISDIR: Errno = 31;
    pub const LOOP: Errno = 32;
    pub const MFILE: Errno = 33;
    pub const MLINK: Errno = 34;
    pub const MSGSIZE: Errno = 35;
    pub const MULTIHOP: Errno = 36;
    pub const NAMETOOLONG: Errno = 37;
    pub const NETDOWN: Errno = 38;
    pub const NETRESET: Errno = 39;
    pub const NETUNREACH: Errno = 40;
    pub const NFILE: Errno = 41;
    pub const NOBUFS: Errno = 42;
    pub const NODEV: Errno = 43;
    pub const NOENT: Errno = 44;
    pub const NOEXEC: Errno = 45;
    pub const NOLCK: Errno = 46;
    pub const NOLINK: Errno = 47;
    pub const NOMEM: Errno = 48;
    pub const NOMSG: Errno = 49;
    pub const NOPROTOOPT: Errno = 50;
    pub const NOSPC: Errno = 51;
    pub const NOSYS: Errno = 52;
    pub const NOTCONN: Errno = 53;
    pub const NOTDIR: Errno = 54;
    pub const NOTEMPTY: Errno = 55;
    pub const NOTRECOVERABLE: Errno = 56;
    pub const NOTSOCK: Errno = 57;
    pub const NOTSUP: Errno = 58;
    pub const NOTTY: Errno = 59;
    pub const NXIO: Errno = 60;
    pub const OVERFLOW: Errno = 61;
    pub const OWNERDEAD: Errno = 62;
    pub const PERM: Errno = 63;
    pub const PIPE: Errno = 64;
    pub const PROTO: Errno = 65;
    pub const PROTONOSUPPORT: Errno = 66;
    pub const PROTOTYPE: Errno = 67;
    pub const RANGE: Errno = 68;
    pub const ROFS: Errno = 69;
    pub const SPIPE: Errno = 70;
    pub const SRCH: Errno = 71;
    pub const STALE: Errno = 72;
    pub const TIMEDOUT: Errno = 73;
    pub const TXTBSY: Errno = 74;
    pub const XDEV: Errno = 75;
    pub const NOTCAPABLE: Errno = 76;
}

/// `$filetype` values (`u8`).
#[allow(missing_docs)]
pub mod filetype {
    pub const UNKNOWN: u8 = 0;
    pub const BLOCK_DEVICE: u8 = 1;
    pub const CHARACTER_DEVICE: u8 = 2;
    pub const DIRECTORY: u8 = 3;
    pub const REGULAR_FILE: u8 = 4;
    pub const SOCKET_DGRAM: u8 = 5;
    pub const SOCKET_STREAM: u8 = 6;
    pub const SYMBOLIC_LINK: u8 = 7;
}

/// `$rights` bits (`u64`).
#[allow(missing_docs)]
pub mod rights {
    pub const FD_DATASYNC: u64 = 1 << 0;
    pub const FD_READ: u64 = 1 << 1;
    pub const FD_SEEK: u64 = 1 << 2;
    pub const FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
    pub const FD_SYNC: u64 = 1 << 4;
    pub const FD_TELL: u64 = 1 << 5;
    pub const FD_WRITE: u64 = 1 << 6;
    pub const FD_ADVISE: u64 = 1 << 7;
    pub const FD_ALLOCATE: u64 = 1 << 8;
    pub const PATH_CREATE_DIRECTORY: u64 = 1 << 9;
    pub const PATH_CREATE_FILE: u64 = 1 << 10;
    pub const PATH_LINK_SOURCE: u64 = 1 << 11;
    pub const PATH_LINK_TARGET: u64 = 1 << 12;
    pub const PATH_OPEN: u64 = 1 << 13;
    pub const FD_READDIR: u64 = 1 << 14;
    pub const PATH_READLINK: u64 = 1 << 15;
    pub const PATH_RENAME_SOURCE: u64 = 1 << 16;
    pub const PATH_RENAME_TARGET: u64 = 1 << 17;
    pub const PATH_FILESTAT_GET: u64 = 1 << 18;
    pub const PATH_FILESTAT_SET_SIZE: u64 = 1 << 19;
    pub const PATH_FILESTAT_SET_TIMES: u64 = 1 << 20;
    pub const FD_FILESTAT_GET: u64 = 1 << 21;
    pub const FD_FILESTAT_SET_SIZE: u64 = 1 << 22;
    pub const FD_FILESTAT_SET_TIMES: u64 = 1 << 23;
    pub const PATH_SYMLINK: u64 = 1 << 24;
    pub const PATH_REMOVE_DIRECTORY: u64 = 1 << 25;
    pub const PATH_UNLINK_FILE: u64 = 1 << 26;
    pub const POLL_FD_READWRITE: u64 = 1 << 27;
    pub const SOCK_SHUTDOWN: u64 = 1 << 28;
    pub const SOCK_ACCEPT: u64 = 1 << 29;

    /// Every right defined by the spec.
    pub const ALL: u64 = (1 << 30) - 1;

    /// Rights that only make sense on a regular file.
    pub const REGULAR_FILE_BASE: u64 = FD_DATASYNC
        | FD_READ
        | FD_SEEK
        | FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_TELL
        | FD_WRITE
        | FD_ADVISE
        | FD_ALLOCATE
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_SIZE
        | FD_FILESTAT_SET_TIMES
        | POLL_FD_READWRITE;

    /// Rights that only make sense on a directory.
    pub const DIRECTORY_BASE: u64 = FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_ADVISE
        | PATH_CREATE_DIRECTORY
        | PATH_CREATE_FILE
        | PATH_LINK_SOURCE
        | PATH_LINK_TARGET
        | PATH_OPEN
        | FD_READDIR
        | PATH_READLINK
        | PATH_RENAME_SOURCE
        | PATH_RENAME_TARGET
        | PATH_FILESTAT_GET
        | PATH_FILESTAT_SET_SIZE
        | PATH_FILESTAT_SET_TIMES
        | FD_FILESTAT_GET
        | FD_FILESTAT_SET_TIMES
        | PATH_SYMLINK
        | PATH_REMOVE_DIRECTORY
        | PATH_UNLINK_FILE;

    /// Rights of the standard streams. Deliberately without `FD_SEEK` and
    /// `FD_TELL`: wasi-libc's `isatty` reports a character device lacking
    /// those two as a terminal.
    pub const STDIO_BASE: u64 = FD_READ
        | FD_WRITE
        | FD_FDSTAT_SET_FLAGS
        | FD_SYNC
        | FD_DATASYNC
        | FD_FILESTAT_GET
        | POLL_FD_READWRITE;
}

/// `$fdflags` bits (`u16`).
#[allow(missing_docs)]
pub mod fdflags {
    pub const APPEND: u16 = 1 << 0;
    pub const DSYNC: u16 = 1 << 1;
    pub const NONBLOCK: u16 = 1 << 2;
    pub const RSYNC: u16 = 1 << 3;
    pub const SYNC: u16 = 1 << 4;
}

/// `$oflags` bits (`u16`).
#[allow(missing_docs)]
pub mod oflags {
    pub const CREAT: u16 = 1 << 0;
    pub const DIRECTORY: u16 = 1 << 1;
    pub const EXCL: u16 = 1 << 2;
    pub const TRUNC: u16 = 1 << 3;
}

/// `$lookupflags` bits (`u32`).
pub const LOOKUP_SYMLINK_FOLLOW: u32 = 1;

/// `$fstflags` bits (`u16`).
#[allow(missing_docs)]
pub mod fstflags {
    pub const ATIM: u16 = 1 << 0;
    pub const ATIM_NOW: u16 = 1 << 1;
    pub const MTIM: u16 = 1 << 2;
    pub const MTIM_NOW: u16 = 1 << 3;
}

/// `$whence` values (`u8`).
#[allow(missing_docs)]
pub mod whence {
    pub const SET: u8 = 0;
    pub const CUR: u8 = 1;
    pub const END: u8 = 2;
}

/// `$clockid` values (`u32`).
#[allow(missing_docs)]
pub mod clockid {
    pub const REALTIME: u32 = 0;
    pub const MONOTONIC: u32 = 1;
    pub const PROCESS_CPUTIME_ID: u32 = 2;
    pub const THREAD_CPUTIME_ID: u32 = 3;
}

/// `$eventtype` values (`u8`).
#[allow(missing_docs)]
pub mod eventtype {
    pub const CLOCK: u8 = 0;
    pub const FD_READ: u8 = 1;
    pub const FD_WRITE: u8 = 2;
}

/// `$subclockflags`: the timeout is an absolute time, not relative to now.
pub const SUBSCRIPTION_CLOCK_ABSTIME: u16 = 1;
/// `$eventrwflags`: the peer of this socket/pipe has closed or disconnected.
pub const EVENT_FD_READWRITE_HANGUP: u16 = 1;
/// `$preopentype`: the only defined preopen type, a directory.
pub const PREOPENTYPE_DIR: u8 = 0;
/// Largest `$advice` value (`noreuse`); everything above is `EINVAL`.
pub const ADVICE_MAX: u8 = 5;
/// Number of `$signal` values; everything at or above it is `EINVAL`.
pub const SIGNAL_COUNT: u8 = 31;

/// Sizes of the structures the ABI passes through memory.
pub mod size {
    /// `$ciovec` / `$iovec`: pointer + length.
    pub const IOVEC: u32 = 8;
    /// `$fdstat`.
    pub const FDSTAT: u32 = 24;
    /// `$filestat`.
    pub const FILESTAT: u32 = 64;
    /// `$prestat`.
    pub const PRESTAT: u32 = 8;
    /// `$dirent` header, the name follows it.
    pub const DIRENT: u32 = 24;
    /// `$subscription`.
    pub const SUBSCRIPTION: u32 = 48;
    /// `$event`.
    pub const EVENT: u32 = 32;
}
