//! Loads the benchmark workload list (`benches/workloads/workloads.txt`)
//! and the `.wasm` files it names.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// One workload: a module exporting `run(n: i32) -> i64`.
pub struct Workload {
    /// Short name, also the file stem of the `.wasm`.
    pub name: String,
    /// The module's binary.
    pub wasm: Vec<u8>,
    /// Input used for instruction-count guards and `--quick`.
    pub small_n: i32,
    /// Input used for wall-clock measurements.
    pub bench_n: i32,
    /// Recorded checksum of `run(small_n)`, if any.
    pub small_result: Option<i64>,
    /// Recorded checksum of `run(bench_n)`, if any.
    pub bench_result: Option<i64>,
    /// The proposals beyond Wasm 2.0 without SIMD that the module needs (see
    /// [`PROPOSALS`]), found by validation.
    pub needs: Vec<&'static str>,
}

/// The proposals some workloads need and some engines lack, by the names engines use in
/// [`crate::engines::EngineDef::lacks`].
pub const PROPOSALS: [(&str, wasmparser::WasmFeatures); 5] = [
    ("simd", wasmparser::WasmFeatures::SIMD),
    ("memory64", wasmparser::WasmFeatures::MEMORY64),
    ("multi-memory", wasmparser::WasmFeatures::MULTI_MEMORY),
    (
        "function-references",
        wasmparser::WasmFeatures::FUNCTION_REFERENCES,
    ),
    ("exceptions", wasmparser::WasmFeatures::EXCEPTIONS),
];

/// The proposals of [`PROPOSALS`] that `wasm` is invalid without.
fn needs(wasm: &[u8]) -> Vec<&'static str> {
    PROPOSALS
        .iter()
        .filter(|(_, feature)| {
            let features = wasmparser::WasmFeatures::all().difference(*feature);
            wasmparser::Validator::new_with_features(features)
                .validate_all(wasm)
                .is_err()
        })
        .map(|(name, _)| *name)
        .collect()
}

/// The workloads directory, found relative to this crate so the tool works
/// from any current directory.
pub fn workloads_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../benches/workloads")
}

fn parse_result(field: &str) -> Result<Option<i64>> {
    if field == "-" {
        return Ok(None);
    }
    let hex = field.trim_start_matches("0x");
    let bits = u64::from_str_radix(hex, 16).with_context(|| format!("bad checksum {field:?}"))?;
    Ok(Some(bits as i64))
}

/// Reads the workload list and every module it names.
pub fn load(dir: &Path) -> Result<Vec<Workload>> {
    let list_path = dir.join("workloads.txt");
    let list = std::fs::read_to_string(&list_path)
        .with_context(|| format!("reading {}", list_path.display()))?;
    let mut out = Vec::new();
    for (lineno, line) in list.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() != 5 {
            bail!("{}:{}: expected 5 fields", list_path.display(), lineno + 1);
        }
        let name = fields[0].to_string();
        let wasm_path = dir.join(format!("{name}.wasm"));
        let wasm = std::fs::read(&wasm_path)
            .with_context(|| format!("reading {} (run build.sh?)", wasm_path.display()))?;
        out.push(Workload {
            needs: needs(&wasm),
            name,
            wasm,
            small_n: fields[1].parse().context("small_n")?,
            bench_n: fields[2].parse().context("bench_n")?,
            small_result: parse_result(fields[3])?,
            bench_result: parse_result(fields[4])?,
        });
    }
    Ok(out)
}
