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
}

impl TrapCode {
    pub(crate) fn from_u32(code: u32) -> TrapCode {
        use TrapCode::*;
        const ALL: [TrapCode; 13] = [
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

    /// The Wasm frames active when the trap happened, innermost first.
    pub fn backtrace(&self) -> &[FrameInfo] {
        &self.backtrace
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wasm trap: {}", self.code)?;
        if !self.backtrace.is_empty() {
            write!(f, "\nwasm backtrace:")?;
            for (i, fr) in self.backtrace.iter().enumerate() {
                let name = fr
                    .func_name
                    .clone()
                    .unwrap_or_else(|| format!("<func {}>", fr.func_index));
                match &fr.module_name {
                    Some(m) => write!(f, "\n  {i}: {m}!{name}")?,
                    None => write!(f, "\n  {i}: {name}")?,
                }
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
