//! Renders engine errors as messages a person can act on.

use std::collections::BTreeMap;

use baton::{Error, Extern, ExternType, Instance, Linker, Module, Store};

use crate::values::{show_extern_type, show_val};

/// Describes an error from compiling or validating a module.
pub fn compile_error(error: &Error) -> String {
    match error {
        Error::Parse { message, offset } => {
            format!("malformed module at byte offset {offset:#x}: {message}")
        }
        Error::Validation { message, offset } => {
            format!("invalid module at byte offset {offset:#x}: {message}")
        }
        Error::Unsupported { message, offset } => format!(
            "the module uses a feature Baton does not implement (byte offset {offset:#x}): {message}"
        ),
        other => runtime_error(other),
    }
}

/// Describes an error from instantiating or running a module; traps get a
/// wasm backtrace.
pub fn runtime_error(error: &Error) -> String {
    match error {
        // The engine's own rendering: frames already carry their names from the
        // module's name section, and a deep recursion is shortened there.
        Error::Trap(trap) => trap.to_string(),
        Error::Link(message) => format!("cannot link the module: {message}"),
        Error::Instantiation(message) => format!("cannot instantiate the module: {message}"),
        Error::Host(e) => format!("a host function failed: {e}"),
        Error::Usage(message) => message.clone(),
        Error::Parse { .. } | Error::Validation { .. } | Error::Unsupported { .. } => {
            compile_error(error)
        }
        other => other.to_string(),
    }
}

/// [`runtime_error`] with the store the error came from, so that an uncaught exception
/// can be shown with its tag (by the name `instance` exports it under, if it does) and
/// payload.
pub fn runtime_error_in<T>(error: &Error, store: &Store<T>, instance: Option<Instance>) -> String {
    let Error::Exception(exn) = error else {
        return runtime_error(error);
    };
    let tag = exn.tag(store);
    let name = instance
        .and_then(|i| {
            i.exports(store)
                .into_iter()
                .find(|(_, e)| matches!(e, Extern::Tag(t) if *t == tag))
        })
        .map(|(name, _)| format!("`{name}` "))
        .unwrap_or_default();
    let ty = show_extern_type(&ExternType::Tag(tag.ty(store)));
    let payload: Vec<String> = (exn.payload(store).iter())
        .map(|v| show_val(store, v))
        .collect();
    format!(
        "uncaught exception: tag {name}({ty}) with payload [{}]",
        payload.join(", ")
    )
}

/// Checks the module's imports against what `linker` defines before
/// instantiating, so an unknown import is named precisely and the user sees
/// what the host does provide.
pub fn check_imports<T>(linker: &Linker<T>, module: &Module) -> Result<(), String> {
    let provided: BTreeMap<&str, Vec<&str>> =
        linker
            .iter_names()
            .fold(BTreeMap::new(), |mut map, (module, name)| {
                map.entry(module).or_insert_with(Vec::new).push(name);
                map
            });
    let missing: Vec<String> = module
        .imports()
        .filter(|import| {
            !provided
                .get(import.module())
                .is_some_and(|names| names.contains(&import.name()))
        })
        .map(|import| {
            format!(
                "  `{}` `{}`: {}",
                import.module(),
                import.name(),
                show_extern_type(&import.ty())
            )
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let mut text = format!(
        "unknown import{}:\n{}\n",
        if missing.len() == 1 { "" } else { "s" },
        missing.join("\n")
    );
    text.push_str("the host provides:");
    for (module, mut names) in provided {
        names.sort_unstable();
        text.push_str(&format!("\n  `{module}`:"));
        text.push_str(&wrap(&names, 4, 78));
    }
    Err(text)
}

/// Lays `words` out as comma-separated lines of at most `width` columns,
/// each starting on a new line indented by `indent` spaces.
fn wrap(words: &[&str], indent: usize, width: usize) -> String {
    let mut out = String::new();
    let mut column = width; // forces a line break before the first word
    for (i, word) in words.iter().enumerate() {
        let piece = if i + 1 < words.len() {
            format!("{word},")
        } else {
            (*word).to_string()
        };
        if column + 1 + piece.len() > width {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            column = indent;
        } else {
            out.push(' ');
            column += 1;
        }
        out.push_str(&piece);
        column += piece.len();
    }
    out
}

/// One line per export for "no such export" errors.
pub fn list_exports(module: &Module) -> String {
    let exports: Vec<String> = module
        .exports()
        .map(|export| format!("  {}: {}", export.name(), show_extern_type(&export.ty())))
        .collect();
    if exports.is_empty() {
        "the module exports nothing".to_string()
    } else {
        format!("the module exports:\n{}", exports.join("\n"))
    }
}

/// True if the export named `name` is a function.
pub fn is_func_export(module: &Module, name: &str) -> bool {
    module
        .exports()
        .any(|e| e.name() == name && matches!(e.ty(), ExternType::Func(_)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn wrap_breaks_lines_at_the_width() {
        let text = super::wrap(&["aaaa", "bbbb", "cccc"], 2, 13);
        assert_eq!(text, "\n  aaaa, bbbb,\n  cccc");
    }
}
