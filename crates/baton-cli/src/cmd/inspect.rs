//! `baton inspect`: imports, exports and code statistics of a module.

use baton::{Config, Engine, ExternType, Module};
use wasmparser::{Parser, Payload};

use crate::cli::InspectArgs;
use crate::diagnose;
use crate::failure::CliError;
use crate::load;
use crate::output;
use crate::values::show_extern_type;

/// How many of the largest function bodies to list.
const LARGEST: usize = 10;

/// Prints the module summary.
pub fn run(args: &InspectArgs) -> Result<i32, CliError> {
    let mut config = Config::new();
    // Eager: the summary reports the whole module's translated code.
    config
        .consume_fuel(args.metered)
        .compilation_mode(baton::CompilationMode::Eager);
    let engine = Engine::new(&config);
    let bytes = load::wasm_bytes(&args.file)?;
    let module = Module::from_binary(&engine, &bytes).map_err(|e| {
        CliError::Failed(format!(
            "cannot load `{}`: {}",
            args.file.display(),
            diagnose::compile_error(&e)
        ))
    })?;
    let text = match &args.disassemble {
        Some(func) => disassembly(&module, func)?,
        None => summary(&args.file.display().to_string(), &module, &bytes),
    };
    output::text(format_args!("{text}"))?;
    Ok(0)
}

/// Baton's translated code of `func` (an export, a name-section name or an index).
fn disassembly(module: &Module, func: &str) -> Result<String, CliError> {
    let imported = module.stats().num_imported_funcs as u32;
    let index = func
        .parse::<u32>()
        .ok()
        .or_else(|| module.find_func(func))
        .ok_or_else(|| CliError::Failed(format!("no function `{func}` in the module (give an export name, a name from the name section, or an index)")))?;
    let listing = index
        .checked_sub(imported)
        .and_then(|defined| module.disassemble(defined as usize))
        .ok_or_else(|| {
            CliError::Failed(format!(
                "function {index} is imported or out of range: the module defines functions {imported}..{}",
                imported as usize + module.stats().num_funcs
            ))
        })?;
    let name = module
        .func_name(index)
        .map(|n| format!(" ${n}"))
        .unwrap_or_default();
    Ok(format!("func[{index}]{name}:\n{listing}"))
}

/// The whole report as text (separate from printing so it can be tested).
fn summary(file: &str, module: &Module, bytes: &[u8]) -> String {
    let mut out = String::new();
    let name = module.name().map(|n| format!(" ${n}")).unwrap_or_default();
    out.push_str(&format!("module{name}: {file} ({} bytes)\n", bytes.len()));

    out.push_str(&format!("imports ({}):\n", module.imports().len()));
    for import in module.imports() {
        out.push_str(&format!(
            "  {}::{}: {}\n",
            import.module(),
            import.name(),
            show_extern_type(&import.ty())
        ));
    }
    out.push_str(&format!("exports ({}):\n", module.exports().len()));
    for export in module.exports() {
        out.push_str(&format!(
            "  {}: {}\n",
            export.name(),
            show_extern_type(&export.ty())
        ));
    }

    let stats = module.stats();
    out.push_str(&format!("functions: {}\n", stats.num_funcs));
    out.push_str(&format!("wasm code: {} bytes\n", stats.wasm_code_bytes));
    out.push_str(&format!(
        "translated code: {} bytes ({:.2}x the wasm code)\n",
        stats.translated_code_bytes,
        ratio(stats.translated_code_bytes, stats.wasm_code_bytes)
    ));

    let mut bodies = body_sizes(module, bytes);
    if !bodies.is_empty() {
        bodies.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let shown = bodies.len().min(LARGEST);
        out.push_str(&format!(
            "largest function bodies ({shown} of {}):\n",
            bodies.len()
        ));
        for (index, size, name) in bodies.iter().take(LARGEST) {
            let name = name.as_deref().unwrap_or("");
            out.push_str(&format!("  func[{index}] {size:>8} bytes  {name}\n"));
        }
    }
    out
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// `(function index, body size, name)` of every defined function.
///
/// Walks the binary with wasmparser because body sizes are a property of
/// the encoding, not something the engine keeps.
fn body_sizes(module: &Module, bytes: &[u8]) -> Vec<(u32, usize, Option<String>)> {
    // Function indices count imported functions first.
    let imported_funcs = module
        .imports()
        .filter(|import| matches!(import.ty(), ExternType::Func(_)))
        .count() as u32;
    let mut bodies = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        match payload {
            Ok(Payload::CodeSectionEntry(body)) => {
                let index = imported_funcs + bodies.len() as u32;
                let range = body.range();
                let size = (range.end - range.start) as usize;
                bodies.push((index, size, module.func_name(index).map(String::from)));
            }
            Ok(_) => {}
            // The engine already accepted the module; stop quietly on anything odd.
            Err(_) => break,
        }
    }
    bodies
}
