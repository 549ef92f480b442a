//! Errors and traps.

use core::fmt;

/// Why a guest stopped abnormally. `Display` gives the message the Wasm spec uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[repr(u32)]
pub enum TrapCode {
    /// `unreachable` was executed.
    Unreachable = 0,
    /// A load, store or bulk memory operation left the memory's bounds.
    MemoryOutOfBounds,
    /// A table access or segment initialisation left the table's bounds.
    TableOutOfBounds,
    /// An indirect call's index is outside its table.
    UndefinedElement,
    /// An indirect call found a null reference.
    IndirectCallToNull,
    /// An indirect call's callee has another signature.
    BadSignature,
    /// Integer division or remainder by zero.
    IntegerDivisionByZero,
    /// Signed division overflow, or a float too large for the integer it converts to.
    IntegerOverflow,
    /// NaN converted to an integer.
    BadConversionToInteger,
    /// The Wasm call stack (frames or value slots) is full.
    StackOverflow,
    /// The fuel budget ran out.
    OutOfFuel,
    /// A host function re-entered Wasm too deeply.
    HostReentryLimit,
    /// The store's interrupt handle stopped the guest.
    Interrupted,
    /// A null reference where a non-null one is needed (`call_ref`, `ref.as_non_null`,
    /// `i31.get_s`...).
    NullReference,
    /// `ref.cast` of a reference not of the target type.
    CastFailure,
    /// An array access or segment copy left the array's bounds.
    ArrayOutOfBounds,
    /// The GC heap may not grow enough for an allocation (the store's limiter refused, or
    /// the host is out of memory).
    GcHeapOutOfMemory,
}

impl TrapCode {
    pub(crate) fn from_u32(code: u32) -> TrapCode {
        use TrapCode::*;
        const ALL: [TrapCode; 17] = [
            Unreachable,
            MemoryOutOfBounds,
            TableOutOfBounds,
            UndefinedElement,
            IndirectCallToNull,
            BadSignature,
            IntegerDivisionByZero,
            IntegerOverflow,
            BadConversionToInteger,
            StackOverflow,
            OutOfFuel,
            HostReentryLimit,
            Interrupted,
            NullReference,
            CastFailure,
            ArrayOutOfBounds,
            GcHeapOutOfMemory,
        ];
        ALL.get(code as usize).copied().unwrap_or(Unreachable)
    }

    /// The spec's wording of this trap.
    pub fn message(self) -> &'static str {
        match self {
            TrapCode::Unreachable => "unreachable",
            TrapCode::MemoryOutOfBounds => "out of bounds memory access",
            TrapCode::TableOutOfBounds => "out of bounds table access",
            TrapCode::UndefinedElement => "undefined element",
            TrapCode::IndirectCallToNull => "uninitialized element",
            TrapCode::BadSignature => "indirect call type mismatch",
            TrapCode::IntegerDivisionByZero => "integer divide by zero",
            TrapCode::IntegerOverflow => "integer overflow",
            TrapCode::BadConversionToInteger => "invalid conversion to integer",
            TrapCode::StackOverflow => "call stack exhausted",
            TrapCode::OutOfFuel => "all fuel consumed",
            TrapCode::HostReentryLimit => "call stack exhausted (host re-entry limit)",
            TrapCode::Interrupted => "interrupted",
            TrapCode::NullReference => "null reference",
            TrapCode::CastFailure => "cast failure",
            TrapCode::ArrayOutOfBounds => "out of bounds array access",
            TrapCode::GcHeapOutOfMemory => "GC heap out of memory",
        }
    }
}

impl fmt::Display for TrapCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// One frame of a trap's Wasm backtrace, innermost first.
#[derive(Clone, Debug)]
pub struct FrameInfo {
    /// Index of the function in its module's function index space.
    pub func_index: u32,
    /// The function's name from the module's name section, if any.
    pub func_name: Option<String>,
    /// The module's name, if any.
    pub module_name: Option<String>,
}

/// A guest fault: its code and where it happened.
#[derive(Clone, Debug)]
pub struct Trap {
    code: TrapCode,
    backtrace: Vec<FrameInfo>,
}

impl Trap {
    pub(crate) fn new(code: TrapCode, backtrace: Vec<FrameInfo>) -> Trap {
        Trap { code, backtrace }
    }

    /// The trap's code.
    pub fn code(&self) -> TrapCode {
        self.code
    }

    /// The Wasm frames active when the trap happened, innermost first; every frame, however
    /// deep the stack (only the `Display` forms shorten it).
    pub fn backtrace(&self) -> &[FrameInfo] {
        &self.backtrace
    }

    /// The backtrace as text for people: `wasm backtrace:` and one line per frame, innermost
    /// first, each with its depth, function index and name; empty if there are no frames.
    ///
    /// A trap from deep recursion can have a million frames, so the text is kept short:
    /// consecutive identical frames (a function calling itself) print once, followed by a
    /// `... repeated N more times` line, and when there are more than 26 such groups only
    /// the innermost 20 and the outermost 5 are shown, around a `... N more frames ...`
    /// line. The alternate form (`{:#}`) prints every frame. The trap's own `Display` ends
    /// with this text.
    pub fn display_backtrace(&self) -> impl fmt::Display + '_ {
        DisplayBacktrace(&self.backtrace)
    }
}

/// How many groups of identical frames [`Trap::display_backtrace`] shows from the innermost
/// end of a long backtrace: where the trap happened, which matters most.
const BACKTRACE_INNERMOST: usize = 20;
/// How many groups it shows from the outermost end: how the guest got there.
const BACKTRACE_OUTERMOST: usize = 5;

/// The text of [`Trap::display_backtrace`].
struct DisplayBacktrace<'a>(&'a [FrameInfo]);

impl fmt::Display for DisplayBacktrace<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let frames = self.0;
        if frames.is_empty() {
            return Ok(());
        }
        f.write_str("wasm backtrace:")?;
        // Depths are right-aligned to the deepest one, so names line up.
        let width = (frames.len() - 1).to_string().len();
        if f.alternate() {
            for (depth, frame) in frames.iter().enumerate() {
                write_frame(f, depth, width, frame)?;
            }
            return Ok(());
        }
        // Runs of consecutive identical frames as (first depth, length). Frames carry no
        // position within the function, so identical frames are indistinguishable anyway.
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for (depth, frame) in frames.iter().enumerate() {
            match runs.last_mut() {
                Some((first, len)) if same_function(&frames[*first], frame) => *len += 1,
                _ => runs.push((depth, 1)),
            }
        }
        // Eliding a single run would save nothing: the marker line takes its place.
        let (shown_inner, shown_outer) =
            if runs.len() > BACKTRACE_INNERMOST + BACKTRACE_OUTERMOST + 1 {
                (BACKTRACE_INNERMOST, BACKTRACE_OUTERMOST)
            } else {
                (runs.len(), 0)
            };
        let write_run = |f: &mut fmt::Formatter<'_>, &(first, len): &(usize, usize)| {
            write_frame(f, first, width, &frames[first])?;
            if len > 1 {
                let last = first + len - 1;
                write!(
                    f,
                    "\n  {:width$}  ... repeated {} more times (to depth {last})",
                    "",
                    len - 1
                )?;
            }
            Ok(())
        };
        for run in &runs[..shown_inner] {
            write_run(f, run)?;
        }
        if shown_outer > 0 {
            let outer = runs.len() - shown_outer;
            let hidden: usize = runs[shown_inner..outer].iter().map(|&(_, len)| len).sum();
            write!(f, "\n  {:width$}  ... {hidden} more frames ...", "")?;
            for run in &runs[outer..] {
                write_run(f, run)?;
            }
        }
        Ok(())
    }
}

/// Whether two frames are in the same function of the same module.
fn same_function(a: &FrameInfo, b: &FrameInfo) -> bool {
    a.func_index == b.func_index && a.module_name == b.module_name && a.func_name == b.func_name
}

/// One backtrace line: `  DEPTH: func[INDEX] MODULE!NAME`, the parts that are known.
fn write_frame(
    f: &mut fmt::Formatter<'_>,
    depth: usize,
    width: usize,
    frame: &FrameInfo,
) -> fmt::Result {
    write!(f, "\n  {depth:>width$}: func[{}]", frame.func_index)?;
    match (&frame.module_name, &frame.func_name) {
        (Some(module), Some(name)) => write!(f, " {module}!{name}"),
        (None, Some(name)) => write!(f, " {name}"),
        (Some(module), None) => write!(f, " in {module}"),
        (None, None) => Ok(()),
    }
}

impl fmt::Display for Trap {
    /// `wasm trap: MESSAGE`, then the backtrace as [`Trap::display_backtrace`] gives it;
    /// `{:#}` shows every frame.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wasm trap: {}", self.code)?;
        if !self.backtrace.is_empty() {
            let backtrace = DisplayBacktrace(&self.backtrace);
            if f.alternate() {
                write!(f, "\n{backtrace:#}")?;
            } else {
                write!(f, "\n{backtrace}")?;
            }
        }
        Ok(())
    }
}

/// Everything that can go wrong in Baton.
#[derive(thiserror::Error, Debug)]
#[non_exhaustive]
pub enum Error {
    /// The bytes (or text) are not a well-formed module.
    #[error("malformed module at offset {offset:#x}: {message}")]
    Parse {
        /// What is wrong.
        message: String,
        /// Byte offset in the module.
        offset: usize,
    },
    /// The module is well-formed but does not validate.
    #[error("invalid module at offset {offset:#x}: {message}")]
    Validation {
        /// What is wrong.
        message: String,
        /// Byte offset in the module.
        offset: usize,
    },
    /// The module is valid but uses a feature Baton does not implement.
    #[error("unsupported feature at offset {offset:#x}: {message}")]
    Unsupported {
        /// What is wrong.
        message: String,
        /// Byte offset in the module.
        offset: usize,
    },
    /// An import could not be satisfied.
    #[error("link error: {0}")]
    Link(String),
    /// The guest trapped.
    #[error("{0}")]
    Trap(Trap),
    /// Instantiation failed for a reason other than a trap.
    #[error("instantiation failed: {0}")]
    Instantiation(String),
    /// A host function failed.
    #[error("{0}")]
    Host(Box<dyn std::error::Error + Send + Sync>),
    /// A Wasm exception that no handler caught: thrown by Wasm code, or by a host function
    /// (which throws by returning this error; Wasm code calling it may catch it).
    #[error("uncaught Wasm exception")]
    Exception(crate::exceptions::ExnRef),
    /// The embedding API was used wrongly (wrong argument types, counts, stores...).
    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// Wraps a host function's error.
    pub fn host(e: impl std::error::Error + Send + Sync + 'static) -> Error {
        Error::Host(Box::new(e))
    }

    /// The host error of type `E` this error carries, if any.
    pub fn downcast_ref<E: std::error::Error + 'static>(&self) -> Option<&E> {
        match self {
            Error::Host(e) => e.downcast_ref::<E>(),
            _ => None,
        }
    }

    /// The trap this error is, if it is one.
    pub fn as_trap(&self) -> Option<&Trap> {
        match self {
            Error::Trap(t) => Some(t),
            _ => None,
        }
    }

    /// The code of the trap this error is, if it is one.
    pub fn trap_code(&self) -> Option<TrapCode> {
        self.as_trap().map(Trap::code)
    }

    pub(crate) fn from_wasmparser(e: wasmparser::BinaryReaderError, validating: bool) -> Error {
        let message = e.message().to_string();
        let offset = e.offset() as usize;
        if validating {
            Error::Validation { message, offset }
        } else {
            Error::Parse { message, offset }
        }
    }
}

impl From<TrapCode> for Error {
    fn from(code: TrapCode) -> Error {
        Error::Trap(Trap::new(code, Vec::new()))
    }
}

/// A host access to linear memory left its bounds.
#[derive(thiserror::Error, Debug, Clone, Copy, PartialEq, Eq)]
#[error("out of bounds memory access")]
pub struct MemoryAccessError;

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(func_index: u32, name: &str) -> FrameInfo {
        FrameInfo {
            func_index,
            func_name: Some(name.to_string()),
            module_name: None,
        }
    }

    #[test]
    fn short_backtraces_show_every_frame() {
        let mut inner = frame(1, "inner");
        inner.module_name = Some("m".into());
        let unnamed = FrameInfo {
            func_index: 7,
            func_name: None,
            module_name: None,
        };
        let trap = Trap::new(
            TrapCode::Unreachable,
            vec![inner, frame(0, "outer"), unnamed],
        );
        let expected = "wasm trap: unreachable\n\
                        wasm backtrace:\n  \
                        0: func[1] m!inner\n  \
                        1: func[0] outer\n  \
                        2: func[7]";
        assert_eq!(trap.to_string(), expected);
        assert_eq!(format!("{trap:#}"), expected);
        let no_frames = Trap::new(TrapCode::OutOfFuel, Vec::new());
        assert_eq!(no_frames.to_string(), "wasm trap: all fuel consumed");
        assert_eq!(no_frames.display_backtrace().to_string(), "");
    }

    #[test]
    fn recursion_collapses_into_one_frame_and_a_count() {
        let mut frames = vec![frame(2, "leaf")];
        frames.extend((0..100_000).map(|_| frame(1, "recurse")));
        frames.push(frame(0, "main"));
        let trap = Trap::new(TrapCode::StackOverflow, frames);
        // Depths are right-aligned to six digits, after two spaces of indentation.
        let expected = [
            "wasm backtrace:",
            "       0: func[2] leaf",
            "       1: func[1] recurse",
            "          ... repeated 99999 more times (to depth 100000)",
            "  100001: func[0] main",
        ];
        assert_eq!(trap.display_backtrace().to_string(), expected.join("\n"));
        // Every frame is still there for programs, and in the alternate form.
        assert_eq!(trap.backtrace().len(), 100_002);
        assert_eq!(format!("{trap:#}").lines().count(), 2 + 100_002);
    }

    #[test]
    fn long_backtraces_keep_both_ends() {
        // Alternating frames: nothing to collapse, so the middle is elided.
        let frames: Vec<FrameInfo> = (0..1000)
            .map(|i| {
                if i % 2 == 0 {
                    frame(0, "even")
                } else {
                    frame(1, "odd")
                }
            })
            .collect();
        let text = Trap::new(TrapCode::Unreachable, frames).to_string();
        let lines: Vec<&str> = text.lines().collect();
        let shown = BACKTRACE_INNERMOST + BACKTRACE_OUTERMOST;
        assert_eq!(lines.len(), 2 + shown + 1, "{text}");
        assert_eq!(lines[2], "    0: func[0] even");
        assert_eq!(
            lines[2 + BACKTRACE_INNERMOST],
            "       ... 975 more frames ..."
        );
        assert_eq!(lines.last(), Some(&"  999: func[1] odd"));
        // One group more than fits is shown rather than replaced by a marker line.
        let frames: Vec<FrameInfo> = (0..shown as u32 + 1).map(|i| frame(i, "f")).collect();
        let text = Trap::new(TrapCode::Unreachable, frames).to_string();
        assert!(!text.contains("more frames"), "{text}");
        assert_eq!(text.lines().count(), 2 + shown + 1);
    }
}
