//! Small loops are translated with their body twice (the first copy's test falls through
//! to the second while the loop goes on): they compute what the loop computes whichever
//! copy the loop leaves from, in both compilation modes, and loops that cannot be
//! unrolled stay whole.
//!
//! Each loop's body holds one `i32.popcnt` (or another marker instruction that nothing
//! fuses): the listing shows it twice when the loop was unrolled, once when it was not.

use baton::*;

const MODES: [CompilationMode; 2] = [CompilationMode::Eager, CompilationMode::Lazy];

/// Compiles `wat` in `mode`, optionally metered, and instantiates it; returns the
/// instance's store and the listing of each function.
fn compile(wat: &str, mode: CompilationMode, fuel: bool) -> (Store<()>, Instance, Vec<String>) {
    let mut config = Config::new();
    config.compilation_mode(mode).consume_fuel(fuel);
    let engine = Engine::new(&config);
    let module = Module::new(&engine, wat).expect("module compiles");
    let listings = (0..module.stats().num_funcs)
        .map(|i| module.disassemble(i).expect("a function"))
        .collect();
    let mut store = Store::new(&engine, ());
    if fuel {
        store.set_fuel(u64::MAX / 2).unwrap();
    }
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .expect("instantiates");
    (store, instance, listings)
}

/// How many copies of the loop body the listing holds (by its marker, `i32.popcnt`).
fn copies(listing: &str) -> usize {
    listing.matches("i32.popcnt").count()
}

/// A do-while loop summing `popcnt(i) + i` for `i` in `0..max(n, 1)`, leaving after an
/// odd or an even number of iterations.
const SUM: &str = r#"(module
  (func (export "f") (param $n i32) (result i32)
    (local $i i32) (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s) (i32.add (i32.popcnt (local.get $i)) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $s)))"#;

#[test]
fn a_small_loop_leaves_from_either_copy() {
    for mode in MODES {
        let (mut store, instance, listings) = compile(SUM, mode, false);
        let listing = &listings[0];
        assert_eq!(copies(listing), 2, "{mode:?}: {listing}");
        let f = instance.get_typed_func::<i32, i32>(&store, "f").unwrap();
        for n in (0..=9).chain([1000, 1001]) {
            let want = (0..(n as u32).max(1)).fold(0u32, |s, i| s + i.count_ones() + i);
            assert_eq!(
                f.call(&mut store, n).unwrap(),
                want as i32,
                "{mode:?}: n = {n}"
            );
        }
    }
}

#[test]
fn a_while_loop_leaves_by_any_of_its_tests_from_either_copy() {
    // Loops that go round with `br` and leave by `br_if`s: tested at the head (the back
    // edge after the second copy repeats that test), in the middle with a value for the
    // block it leaves to, and at the head of a loop with a parameter.
    let wat = r#"(module
      (func (export "head") (param $n i32) (result i32)
        (local $i i32) (local $s i32)
        (block $out
          (loop $l
            (br_if $out (i32.ge_u (local.get $i) (local.get $n)))
            (local.set $s (i32.add (local.get $s) (i32.add (i32.popcnt (local.get $i)) (local.get $i))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $l)))
        (local.get $s))
      (func (export "middle") (param $n i32) (result i32)
        (local $i i32)
        (block $out (result i32)
          (loop $l
            (local.set $i (i32.add (local.get $i) (i32.popcnt (i32.const 1))))
            (br_if $out (i32.mul (local.get $i) (i32.const 10)) (i32.ge_s (local.get $i) (local.get $n)))
            (local.set $i (i32.add (local.get $i) (i32.const 100)))
            (local.set $i (i32.sub (local.get $i) (i32.const 100)))
            (br $l))
          (unreachable)))
      (func (export "param") (param $n i32) (result i32)
        (local $i i32)
        (block $out (result i32)
          (i32.const 0)
          (loop $l (param i32)
            (local.set $i)
            (br_if $out (local.get $i) (i32.ge_u (local.get $i) (local.get $n)))
            (i32.add (local.get $i) (i32.popcnt (i32.const 1)))
            (br $l))
          (unreachable))))"#;
    for mode in MODES {
        let (mut store, instance, listings) = compile(wat, mode, false);
        for listing in &listings {
            assert_eq!(copies(listing), 2, "{mode:?}: {listing}");
        }
        let call = |store: &mut Store<()>, name: &str, n: i32| {
            let f = instance.get_typed_func::<i32, i32>(&*store, name).unwrap();
            f.call(store, n).unwrap()
        };
        for n in (0..=9).chain([1000, 1001]) {
            let want = (0..n as u32).fold(0u32, |s, i| s + i.count_ones() + i);
            assert_eq!(
                call(&mut store, "head", n),
                want as i32,
                "{mode:?}: head {n}"
            );
            assert_eq!(
                call(&mut store, "middle", n),
                10 * n.max(1),
                "{mode:?}: middle {n}"
            );
            assert_eq!(call(&mut store, "param", n), n, "{mode:?}: param {n}");
        }
    }
}

#[test]
fn a_do_while_loop_also_left_by_branches_from_either_copy() {
    // Leaves with `i` when `popcnt(i) == 5` (at 31) from the body, with -1 when `i == n`
    // from a block of its own, or with -2 after 100 iterations.
    let wat = r#"(module
      (func (export "f") (param $n i32) (result i32)
        (local $i i32)
        (block $found (result i32)
          (loop $l
            (drop (br_if $found (local.get $i)
              (i32.eq (i32.popcnt (local.get $i)) (i32.const 5))))
            (block (drop (br_if 2 (i32.const -1) (i32.eq (local.get $i) (local.get $n)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $l (i32.lt_u (local.get $i) (i32.const 100))))
          (i32.const -2))))"#;
    for mode in MODES {
        let (mut store, instance, listings) = compile(wat, mode, false);
        assert_eq!(copies(&listings[0]), 2, "{mode:?}: {}", listings[0]);
        let f = instance.get_typed_func::<i32, i32>(&store, "f").unwrap();
        for n in (0..=40).chain([-1, 1000]) {
            let want = if (0..31).contains(&n) { -1 } else { 31 };
            assert_eq!(f.call(&mut store, n).unwrap(), want, "{mode:?}: {n}");
        }
    }
}

#[test]
fn blocks_of_the_body_branch_within_either_copy() {
    // A do-while loop whose body has an `if` with an `else` and a `br` back to the loop's
    // start from its `then` part; a while loop with a block left by a `br_if`, which it
    // leaves by a `br` from an `if`; one that also returns from another `if`.
    let wat = r#"(module
      (func (export "do_while") (param $n i32) (result i32)
        (local $i i32) (local $s i32)
        (loop $l
          (local.set $i (i32.add (local.get $i) (i32.popcnt (i32.const 1))))
          (if (i32.and (local.get $i) (i32.const 1))
            (then (br $l))
            (else (local.set $s (i32.add (local.get $s) (local.get $i)))))
          (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
        (local.get $s))
      (func (export "while") (param $n i32) (result i32)
        (local $i i32) (local $k i32)
        (block $out
          (loop $l
            (if (i32.ge_u (local.get $i) (local.get $n)) (then (br $out)))
            (block $b
              (br_if $b (i32.and (local.get $i) (i32.const 3)))
              (local.set $k (i32.add (local.get $k) (i32.popcnt (i32.const 1)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $l)))
        (local.get $k))
      (func (export "returns") (param $n i32) (result i32)
        (local $i i32)
        (block $out
          (loop $l
            (if (i32.ge_u (local.get $i) (local.get $n)) (then (br $out)))
            (if (i32.eq (local.get $i) (i32.const 1000))
              (then (return (i32.popcnt (local.get $n)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $l)))
        (local.get $i)))"#;
    let do_while = |n: i32| {
        let (mut i, mut s) = (0i32, 0i32);
        loop {
            i += 1;
            if i & 1 != 0 {
                continue;
            }
            s += i;
            if i >= n {
                return s;
            }
        }
    };
    // `k` counts the multiples of 4 below `n`.
    let while_ = |n: i32| (n + 3) / 4;
    let returns = |n: i32| if n > 1000 { n.count_ones() as i32 } else { n };
    for mode in MODES {
        let (mut store, instance, listings) = compile(wat, mode, false);
        for listing in &listings {
            assert_eq!(copies(listing), 2, "{mode:?}: {listing}");
        }
        let call = |store: &mut Store<()>, name: &str, n: i32| {
            let f = instance.get_typed_func::<i32, i32>(&*store, name).unwrap();
            f.call(store, n).unwrap()
        };
        for n in (0..=12).chain([999, 1000, 1001, 1002]) {
            assert_eq!(
                call(&mut store, "do_while", n),
                do_while(n),
                "{mode:?}: {n}"
            );
            assert_eq!(call(&mut store, "while", n), while_(n), "{mode:?}: {n}");
            assert_eq!(call(&mut store, "returns", n), returns(n), "{mode:?}: {n}");
        }
    }
}

#[test]
fn loop_parameters_flow_from_the_first_copy_into_the_second() {
    // Three shapes of the values the back edge carries, which the first copy's test must
    // leave in the loop's result slots: a counter kept in a local by `local.tee` (the
    // value is the local's), a constant, and two values in temporaries (the Fibonacci
    // pair, with a 64-bit counter below the loop).
    let wat = r#"(module
      (type $pair (func (param i64 i64) (result i64 i64)))
      (func (export "countdown") (param $n i32) (result i32)
        (local.get $n)
        (loop $l (param i32) (result i32)
          (i32.add (i32.popcnt (local.get $n)))
          (i32.sub (i32.popcnt (local.get $n)))
          (i32.const 1)
          (i32.sub)
          (local.tee $n)
          (local.get $n)
          (br_if $l)))
      (func (export "constant") (param $n i32) (result i32)
        (local $i i32)
        (i32.const 0)
        (loop $l (param i32) (result i32)
          (drop)
          (local.set $i (i32.add (local.get $i) (i32.popcnt (i32.const 1))))
          (i32.const 7)
          (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
        (i32.add (i32.mul (local.get $i) (i32.const 100))))
      (func (export "fib") (param $n i32) (result i64)
        (local $i i32) (local $a i64) (local $b i64)
        (i64.const 0) (i64.const 1)
        (loop $l (type $pair)
          (local.set $b)
          (local.set $a)
          (local.set $i (i32.add (local.get $i) (i32.popcnt (i32.const 1))))
          (local.get $b)
          (i64.add (local.get $a) (local.get $b))
          (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
        (drop)))"#;
    for mode in MODES {
        let (mut store, instance, listings) = compile(wat, mode, false);
        // (Two markers in `countdown`'s body, one in each other.)
        for (listing, markers) in listings.iter().zip([2, 1, 1]) {
            assert_eq!(copies(listing), 2 * markers, "{mode:?}: {listing}");
        }
        let countdown = instance
            .get_typed_func::<i32, i32>(&store, "countdown")
            .unwrap();
        let constant = instance
            .get_typed_func::<i32, i32>(&store, "constant")
            .unwrap();
        let fib = instance.get_typed_func::<i32, i64>(&store, "fib").unwrap();
        for n in (1..=9).chain([1000, 1001]) {
            assert_eq!(countdown.call(&mut store, n).unwrap(), 0, "{mode:?}: {n}");
            assert_eq!(
                constant.call(&mut store, n).unwrap(),
                n * 100 + 7,
                "{mode:?}: {n}"
            );
            let (mut a, mut b) = (0i64, 1i64);
            for _ in 0..n {
                (a, b) = (b, a.wrapping_add(b));
            }
            assert_eq!(fib.call(&mut store, n).unwrap(), a, "{mode:?}: {n}");
        }
    }
}

#[test]
fn loops_that_cannot_be_unrolled_stay_whole() {
    // Each body is one change away from `SUM`'s, which is unrolled.
    let unrolled = |body: &str| body.replace("{extra}", "");
    let cases = [
        // A call.
        ("(call $nop)", "a call"),
        // A loop of its own.
        ("(loop (nop))", "a loop"),
        // A `br_table`.
        ("(block (br_table 0 0 (i32.const 1)))", "a br_table"),
        // Too long (30 operators more).
        (
            &"(local.set $s (i32.xor (local.get $s) (i32.const 3)))".repeat(10)[..],
            "a long body",
        ),
    ];
    let template = r#"(module
      (func (export "f") (param $n i32) (result i32)
        (local $i i32) (local $s i32)
        (block
          (loop $l
            {extra}
            (local.set $s (i32.add (local.get $s) (i32.popcnt (local.get $i))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $l (i32.lt_u (local.get $i) (local.get $n)))))
        (local.get $s))
      (func $nop))"#;
    for mode in MODES {
        let (_, _, listings) = compile(&unrolled(template), mode, false);
        let listing = &listings[0];
        assert_eq!(copies(listing), 2, "{mode:?}: the plain loop: {listing}");
        for (extra, what) in cases {
            let wat = template.replace("{extra}", extra);
            let (mut store, instance, listings) = compile(&wat, mode, false);
            let listing = &listings[0];
            assert_eq!(copies(listing), 1, "{mode:?}: {what}: {listing}");
            let f = instance.get_typed_func::<i32, i32>(&store, "f").unwrap();
            let xors = if what == "a long body" { 10 } else { 0 };
            for n in [1, 2, 7] {
                let mut s = 0u32;
                for i in 0..n as u32 {
                    for _ in 0..xors {
                        s ^= 3;
                    }
                    s += i.count_ones();
                }
                assert_eq!(f.call(&mut store, n).unwrap(), s as i32, "{what}: {n}");
            }
        }
        // Metered code charges fuel at the loop's header on every iteration.
        let (mut store, instance, listings) = compile(&unrolled(template), mode, true);
        let listing = &listings[0];
        assert_eq!(copies(listing), 1, "{mode:?}: metered: {listing}");
        let f = instance.get_typed_func::<i32, i32>(&store, "f").unwrap();
        assert_eq!(f.call(&mut store, 4).unwrap(), 4, "popcnt of 0, 1, 2 and 3");
        // A loop with a result but no parameter: its back edge drops a value.
        let wat = r#"(module
          (func (export "f") (param $n i32) (result i32)
            (local $i i32)
            (loop $l (result i32)
              (i32.popcnt (local.get $i))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $l (i32.lt_u (local.get $i) (local.get $n))))))"#;
        let (mut store, instance, listings) = compile(wat, mode, false);
        let listing = &listings[0];
        assert_eq!(copies(listing), 1, "{mode:?}: a result: {listing}");
        let f = instance.get_typed_func::<i32, i32>(&store, "f").unwrap();
        assert_eq!(f.call(&mut store, 8).unwrap(), 3, "popcnt(7)");
    }
}

#[test]
fn a_trap_in_either_copy_stops_the_loop_where_it_is() {
    // Stores `i` at `4 * i` and counts iterations in a global until the store leaves the
    // memory: one page holds 16384 words, so the store of iteration 16384 traps, in the
    // first copy from `start` 0 and in the second from `start` 1.
    let wat = r#"(module
      (memory (export "m") 1)
      (global $done (export "done") (mut i32) (i32.const 0))
      (func (export "f") (param $i i32) (result i32)
        (loop $l
          (i32.store (i32.mul (local.get $i) (i32.const 4)) (i32.popcnt (local.get $i)))
          (global.set $done (i32.add (global.get $done) (i32.const 1)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.ne (local.get $i) (i32.const 0x7fff_ffff))))
        (local.get $i)))"#;
    for mode in MODES {
        for start in [0, 1] {
            let (mut store, instance, listings) = compile(wat, mode, false);
            let listing = &listings[0];
            assert_eq!(copies(listing), 2, "{mode:?}: {listing}");
            let f = instance.get_typed_func::<i32, i32>(&store, "f").unwrap();
            let err = f.call(&mut store, start).unwrap_err();
            assert_eq!(err.trap_code(), Some(TrapCode::MemoryOutOfBounds), "{err}");
            let done = instance.get_global(&store, "done").unwrap();
            assert_eq!(done.get(&store).i32(), Some(16384 - start), "{mode:?}");
            let memory = instance.get_memory(&store, "m").unwrap();
            let mut word = [0u8; 4];
            memory.read(&store, 4 * 16383, &mut word).unwrap();
            assert_eq!(u32::from_le_bytes(word), 16383u32.count_ones());
            // The store goes on: the same call traps at the same iteration again.
            let err = f.call(&mut store, start).unwrap_err();
            assert_eq!(err.trap_code(), Some(TrapCode::MemoryOutOfBounds), "{err}");
            assert_eq!(
                done.get(&store).i32(),
                Some(2 * (16384 - start)),
                "{mode:?}"
            );
        }
    }
}

#[test]
fn v128_selects_and_drops_in_a_second_copy_keep_their_width() {
    // The second copy is translated without the validator, which told the first whether a
    // `select` or `drop` moves a `v128` (two stack entries): it must be told again.
    let wat = r#"(module
      (func (export "f") (param $n i32) (result i32)
        (local $i i32) (local $v v128)
        (loop $l
          (local.set $v
            (select
              (i32x4.add (local.get $v) (v128.const i32x4 1 2 3 4))
              (local.get $v)
              (i32.popcnt (local.get $i))))
          (drop (local.get $v))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
        (i32.add
          (i32x4.extract_lane 1 (local.get $v))
          (i32.mul (i32x4.extract_lane 3 (local.get $v)) (i32.const 1000)))))"#;
    for mode in MODES {
        let (mut store, instance, listings) = compile(wat, mode, false);
        let listing = &listings[0];
        assert_eq!(copies(listing), 2, "{mode:?}: {listing}");
        let f = instance.get_typed_func::<i32, i32>(&store, "f").unwrap();
        for n in [1, 2, 5, 8] {
            // Lanes grow when `popcnt(i)` is not zero: for every `i` but 0.
            let k = n - 1;
            assert_eq!(f.call(&mut store, n).unwrap(), 2 * k + 4000 * k, "{n}");
        }
    }
}

#[test]
fn an_invalid_loop_is_an_error_not_a_panic() {
    let cases = [
        // A loop that takes a parameter the stack does not have.
        r#"(module (type $t (func (param i32) (result i32)))
          (func (result i32) (loop (type $t) (br_if 0 (i32.const 1)))))"#,
        // A back edge whose condition is not an `i32`.
        r#"(module (func (loop (br_if 0 (i64.const 1)))))"#,
        // A body that pops what is not there.
        r#"(module (func (loop (drop) (br_if 0 (i32.const 0)))))"#,
        // A type index out of range.
        r#"(module (type $t (func)) (func (loop (type 7) (br_if 0 (i32.const 0)))))"#,
    ];
    for mode in MODES {
        let mut config = Config::new();
        config.compilation_mode(mode);
        let engine = Engine::new(&config);
        for wat in cases {
            let binary = wat::parse_str(wat).expect("well-formed");
            let err = Module::new(&engine, &binary).err().expect("invalid");
            assert!(matches!(err, Error::Validation { .. }), "{mode:?}: {err}");
        }
    }
}

#[test]
fn the_size_limit_counts_the_body_without_its_back_edge() {
    // A body of 12 operators plus `extra`: 24 in all is unrolled, 25 is not.
    let template = r#"(module
      (func (export "f") (param $n i32) (result i32)
        (local $i i32) (local $s i32)
        (loop $l
          {extra}
          (local.set $s (i32.add (local.get $s) (i32.popcnt (local.get $i))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
        (local.get $s)))"#;
    let xors = "(local.set $s (i32.xor (local.get $s) (i32.const 3)))".repeat(3);
    for (extra, want_copies) in [(xors.clone(), 2), (xors + "(nop)", 1)] {
        let wat = template.replace("{extra}", &extra);
        let (mut store, instance, listings) = compile(&wat, CompilationMode::Eager, false);
        assert_eq!(copies(&listings[0]), want_copies, "{}", listings[0]);
        let f = instance.get_typed_func::<i32, i32>(&store, "f").unwrap();
        for n in [1, 4, 7] {
            let want = (0..n as u32).fold(0u32, |s, i| (s ^ 3) + i.count_ones());
            assert_eq!(f.call(&mut store, n).unwrap(), want as i32, "{n}");
        }
    }
}
