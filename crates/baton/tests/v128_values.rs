//! `v128` values as values: they take two cells everywhere a value lives (locals, the
//! operand stack, block results, call arguments and results, globals, host calls), and
//! every one of those paths must carry all 128 bits.

use baton::{
    Engine, Func, FuncType, Global, GlobalType, Linker, Module, Mutability, Store, Val, ValType,
    V128,
};

const A: u128 = 0x0011_2233_4455_6677_8899_aabb_ccdd_eeff;
const B: u128 = 0xfedc_ba98_7654_3210_0123_4567_89ab_cdef;

fn v(bits: u128) -> Val {
    Val::V128(V128::from(bits))
}

fn bits(val: &Val) -> u128 {
    val.v128().expect("a v128").as_u128()
}

/// Defines `env.g`, a mutable v128 global holding `B`.
fn define_global(store: &mut Store<()>, linker: &mut Linker<()>) {
    let g = Global::new(
        &mut *store,
        GlobalType::new(ValType::V128, Mutability::Var),
        v(B),
    )
    .unwrap();
    linker.define("env", "g", g).unwrap();
}

/// Instantiates `text` with a host function `env.swap` (v128, i32, v128) -> (v128, v128)
/// and a mutable v128 global `env.g`, and calls `name` with `args`.
fn run(text: &str, name: &str, args: &[Val], results: usize) -> Vec<Val> {
    let engine = Engine::default();
    let module = Module::new(&engine, text).unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    let swap_ty = FuncType::new(
        [ValType::V128, ValType::I32, ValType::V128],
        [ValType::V128, ValType::V128],
    );
    let swap = Func::new(&mut store, swap_ty, |_, params, results| {
        assert_eq!(params[1].i32(), Some(7));
        results[0] = params[2];
        results[1] = params[0];
        Ok(())
    });
    linker.define("env", "swap", swap).unwrap();
    define_global(&mut store, &mut linker);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let f = instance.get_func(&store, name).unwrap();
    let mut out = vec![Val::I32(0); results];
    f.call(&mut store, args, &mut out).unwrap();
    out
}

const MODULE: &str = r#"(module
  (import "env" "swap" (func $swap (param v128 i32 v128) (result v128 v128)))
  (import "env" "g" (global $g (mut v128)))
  (global $h (mut v128) (v128.const i64x2 1 2))
  (global $k v128 (v128.const i32x4 1 2 3 4))
  (func (export "id") (param v128) (result v128) local.get 0)
  (func (export "mixed") (param i32 v128 i64 v128) (result i64 v128 i32 v128)
    local.get 2 local.get 3 local.get 0 local.get 1)
  (func (export "zero_local") (result v128) (local i32 v128 i64) local.get 1)
  (func (export "through_locals") (param v128 v128) (result v128 v128)
    (local $t v128)
    local.get 0 local.set $t
    local.get 1 local.set 0
    local.get $t local.tee 1
    drop
    local.get 0 local.get 1)
  (func $callee (param i32 v128 v128) (result v128) local.get 2)
  (func (export "call") (param v128 v128) (result v128)
    i32.const 1 local.get 0 local.get 1 call $callee)
  (func (export "host") (param v128 v128) (result v128 v128)
    local.get 0 i32.const 7 local.get 1 call $swap)
  (func (export "block") (param v128 i32) (result v128)
    (block (result v128) local.get 0 local.get 1 br_if 0 drop local.get 0))
  (func (export "select") (param v128 v128 i32) (result v128)
    local.get 0 local.get 1 local.get 2 select)
  (func (export "typed_select") (param v128 v128 i32) (result v128)
    local.get 0 local.get 1 local.get 2 select (result v128))
  (func (export "globals") (param v128) (result v128 v128 v128)
    global.get $g global.set $h local.get 0 global.set $g
    global.get $h global.get $g global.get $k)
  (func (export "drop") (param v128 i32) (result i32) local.get 0 local.get 1 drop drop local.get 1)
)"#;

#[test]
fn v128_parameters_and_results_keep_all_bits() {
    let r = run(MODULE, "id", &[v(A)], 1);
    assert_eq!(bits(&r[0]), A);
    let r = run(
        MODULE,
        "mixed",
        &[Val::I32(-3), v(A), Val::I64(-5), v(B)],
        4,
    );
    assert_eq!(r[0].i64(), Some(-5));
    assert_eq!(bits(&r[1]), B);
    assert_eq!(r[2].i32(), Some(-3));
    assert_eq!(bits(&r[3]), A);
}

#[test]
fn v128_locals_start_at_zero_and_move_whole() {
    assert_eq!(bits(&run(MODULE, "zero_local", &[], 1)[0]), 0);
    let r = run(MODULE, "through_locals", &[v(A), v(B)], 2);
    assert_eq!((bits(&r[0]), bits(&r[1])), (B, A));
}

#[test]
fn v128_crosses_calls_and_host_calls() {
    assert_eq!(bits(&run(MODULE, "call", &[v(A), v(B)], 1)[0]), B);
    let r = run(MODULE, "host", &[v(A), v(B)], 2);
    assert_eq!((bits(&r[0]), bits(&r[1])), (B, A));
}

#[test]
fn v128_blocks_select_and_drop() {
    assert_eq!(bits(&run(MODULE, "block", &[v(A), Val::I32(1)], 1)[0]), A);
    assert_eq!(bits(&run(MODULE, "block", &[v(A), Val::I32(0)], 1)[0]), A);
    for f in ["select", "typed_select"] {
        assert_eq!(bits(&run(MODULE, f, &[v(A), v(B), Val::I32(1)], 1)[0]), A);
        assert_eq!(bits(&run(MODULE, f, &[v(A), v(B), Val::I32(0)], 1)[0]), B);
    }
    assert_eq!(
        run(MODULE, "drop", &[v(A), Val::I32(9)], 1)[0].i32(),
        Some(9)
    );
}

#[test]
fn v128_globals_hold_all_bits() {
    let r = run(MODULE, "globals", &[v(A)], 3);
    assert_eq!(bits(&r[0]), B, "imported global's value moved to $h");
    assert_eq!(bits(&r[1]), A, "imported global set from the parameter");
    assert_eq!(bits(&r[2]), 4 << 96 | 3 << 64 | 2 << 32 | 1);
}

#[test]
fn typed_funcs_take_and_return_v128_as_u128_or_v128() {
    let engine = Engine::default();
    let module = Module::new(&engine, MODULE).unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    // A host function written with `u128`: the typed path converts both ways.
    linker
        .func_wrap("env", "swap", |a: u128, k: i32, b: u128| {
            assert_eq!(k, 7);
            (b, a)
        })
        .unwrap();
    define_global(&mut store, &mut linker);
    let instance = linker.instantiate(&mut store, &module).unwrap();

    let id = instance.get_typed_func::<u128, u128>(&store, "id").unwrap();
    assert_eq!(id.call(&mut store, A).unwrap(), A);
    let id = instance.get_typed_func::<V128, V128>(&store, "id").unwrap();
    assert_eq!(id.call(&mut store, V128::from(B)).unwrap(), V128::from(B));

    // v128 among one-cell values: each value's cells at the right offset, both ways.
    let mixed = instance
        .get_typed_func::<(i32, u128, i64, V128), (i64, u128, i32, V128)>(&store, "mixed")
        .unwrap();
    let (x, y, z, w) = mixed
        .call(&mut store, (-5, A, 1 << 40, V128::from(B)))
        .unwrap();
    assert_eq!((x, y, z, w), (1 << 40, B, -5, V128::from(A)));

    // Through the `u128` host function.
    let host = instance
        .get_typed_func::<(u128, u128), (u128, u128)>(&store, "host")
        .unwrap();
    assert_eq!(host.call(&mut store, (A, B)).unwrap(), (B, A));

    // A v128 type where the function has another is a type mismatch, not a misread.
    assert!(instance.get_typed_func::<i64, u128>(&store, "id").is_err());
    assert!(instance.get_typed_func::<u128, i64>(&store, "id").is_err());
}

/// A module whose signatures and globals have no `v128`: validation skips the notes
/// translation takes from it unless a body may hold one (a `v128` local, or a SIMD
/// instruction). Each `drop` and `select` below must still take the `v128` whole.
const NO_V128_IN_TYPES: &str = r#"(module
  (func (export "local_only") (param i32) (result i32) (local v128)
    local.get 0 local.get 1 drop)
  (func (export "local_select") (param i32) (result i32) (local $a v128) (local $b v128)
    (local.set $a (i32x4.splat (i32.const 11)))
    local.get $a local.get $b local.get 0 select
    i32x4.extract_lane 0)
  (func (export "simd_only") (param i32) (result i32)
    local.get 0
    v128.const i32x4 1 2 3 4
    drop)
  (func (export "simd_select") (param i32) (result i32)
    v128.const i32x4 7 0 0 0
    v128.const i32x4 9 0 0 0
    local.get 0
    select
    i32x4.extract_lane 0)
  (func (export "scalar") (param i32) (result i32)
    local.get 0 i32.const 1 local.get 0 select))"#;

#[test]
fn v128_drops_and_selects_without_v128_in_the_modules_types() {
    for config in [baton::CompilationMode::Lazy, baton::CompilationMode::Eager] {
        let mut c = baton::Config::default();
        c.compilation_mode(config);
        let engine = Engine::new(&c);
        let module = Module::new(&engine, NO_V128_IN_TYPES).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let mut call = |name: &str, x: i32| {
            let f = instance.get_typed_func::<i32, i32>(&store, name).unwrap();
            f.call(&mut store, x).unwrap()
        };
        assert_eq!(call("local_only", 5), 5);
        assert_eq!(call("local_select", 1), 11);
        assert_eq!(call("local_select", 0), 0);
        assert_eq!(call("simd_only", 6), 6);
        assert_eq!(call("simd_select", 1), 7);
        assert_eq!(call("simd_select", 0), 9);
        assert_eq!(call("scalar", 3), 3);
    }
}
