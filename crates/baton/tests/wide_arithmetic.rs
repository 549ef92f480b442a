//! The wide-arithmetic proposal against Rust's 128-bit integers, in the shapes the
//! translator treats differently: operands from parameters, locals and constants, results
//! consumed at once, stored into locals (which must not retarget only one half), and
//! chained.

use baton::*;

const MODULE: &str = r#"(module
  ;; a*b + c as a 128-bit value, from parameters.
  (func (export "mul_add") (param $a i64) (param $b i64) (param $c_lo i64) (param $c_hi i64)
        (result i64 i64)
    (i64.add128 (i64.mul_wide_u (local.get $a) (local.get $b))
                (local.get $c_lo) (local.get $c_hi)))
  ;; signed product minus a constant, through locals.
  (func (export "smul_sub_k") (param $a i64) (param $b i64) (result i64 i64)
    (local $lo i64) (local $hi i64)
    (i64.mul_wide_s (local.get $a) (local.get $b))
    (local.set $hi)
    (local.set $lo)
    (i64.sub128 (local.get $lo) (local.get $hi) (i64.const 0x0123456789abcdef) (i64.const -2)))
  ;; a loop summing x*x as 128 bits: results feed the next iteration's operands.
  (func (export "sum_squares") (param $n i64) (result i64 i64)
    (local $lo i64) (local $hi i64) (local $i i64)
    (block $done (loop $l
      (br_if $done (i64.ge_u (local.get $i) (local.get $n)))
      (i64.add128 (local.get $lo) (local.get $hi)
                  (i64.mul_wide_u (i64.mul (local.get $i) (i64.const 0x9e3779b97f4a7c15))
                                  (i64.mul (local.get $i) (i64.const 0x9e3779b97f4a7c15))))
      (local.set $hi)
      (local.set $lo)
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br $l)))
    (local.get $lo) (local.get $hi)))"#;

fn split(v: u128) -> (i64, i64) {
    (v as u64 as i64, (v >> 64) as u64 as i64)
}

#[test]
fn wide_arithmetic_matches_rust_u128() {
    for metered in [false, true] {
        let mut config = Config::default();
        config.consume_fuel(metered);
        let engine = Engine::new(&config);
        let module = Module::new(&engine, MODULE).expect("module compiles");
        let mut store = Store::new(&engine, ());
        if metered {
            store.set_fuel(u64::MAX / 2).unwrap();
        }
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let mul_add = instance
            .get_typed_func::<(i64, i64, i64, i64), (i64, i64)>(&store, "mul_add")
            .unwrap();
        let smul_sub_k = instance
            .get_typed_func::<(i64, i64), (i64, i64)>(&store, "smul_sub_k")
            .unwrap();
        let sum_squares = instance
            .get_typed_func::<i64, (i64, i64)>(&store, "sum_squares")
            .unwrap();

        let values = [
            0i64,
            1,
            -1,
            2,
            i64::MAX,
            i64::MIN,
            0x1234_5678_9abc_def0,
            -77,
        ];
        for &a in &values {
            for &b in &values {
                let c = (b as u64 as u128) << 64 | a as u64 as u128;
                let want = (a as u64 as u128)
                    .wrapping_mul(b as u64 as u128)
                    .wrapping_add(c);
                let (c_lo, c_hi) = split(c);
                assert_eq!(
                    mul_add.call(&mut store, (a, b, c_lo, c_hi)).unwrap(),
                    split(want)
                );

                let k = ((-2i64 as u64 as u128) << 64) | 0x0123456789abcdef;
                let want = ((a as i128).wrapping_mul(b as i128) as u128).wrapping_sub(k);
                assert_eq!(smul_sub_k.call(&mut store, (a, b)).unwrap(), split(want));
            }
        }
        for n in [0i64, 1, 5, 1000] {
            let want = (0..n as u64).fold(0u128, |s, i| {
                let x = i.wrapping_mul(0x9e3779b97f4a7c15) as u128;
                s.wrapping_add(x * x)
            });
            assert_eq!(
                sum_squares.call(&mut store, n).unwrap(),
                split(want),
                "n = {n}"
            );
        }
    }
}
