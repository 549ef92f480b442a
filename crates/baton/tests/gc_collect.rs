//! The GC collector: objects the program still reaches survive collections (through
//! operand-stack temporaries across calls, locals, globals, tables, host handles, and
//! suspended calls), and unreachable ones are freed.

use baton::{
    AnyRef, CompilationMode, Config, Engine, Error, Func, Instance, Linker, Module, ResumableCall,
    RootScope, Store, TrapCode, Val,
};

const TREES: &str = r#"(module
  (type $node (struct (field $v i64) (field $l (ref null $node)) (field $r (ref null $node))))
  (type $bytes (array (mut i8)))
  (import "host" "poke" (func $poke (param anyref) (result anyref)))
  (global $keep (mut (ref null $node)) (ref.null $node))
  (table $t 4 (ref null $node))
  ;; The second call runs while the first one's result waits on the operand stack.
  (func (export "make") (param $d i32) (result anyref) (call $make (local.get $d)))
  (func (export "sum") (param anyref) (result i64)
    (call $sum (ref.cast (ref null $node) (local.get 0))))
  (func $make (param $d i32) (result (ref null $node))
    (if (result (ref null $node)) (i32.eqz (local.get $d))
      (then (struct.new $node (i64.const 1) (ref.null $node) (ref.null $node)))
      (else (struct.new $node (i64.extend_i32_u (local.get $d))
        (call $make (i32.sub (local.get $d) (i32.const 1)))
        (call $make (i32.sub (local.get $d) (i32.const 1)))))))
  (func $sum (param $n (ref null $node)) (result i64)
    (if (result i64) (ref.is_null (local.get $n)) (then (i64.const 0))
      (else (i64.add (struct.get $node $v (local.get $n))
        (i64.add (call $sum (struct.get $node $l (local.get $n)))
                 (call $sum (struct.get $node $r (local.get $n))))))))
  ;; Garbage: `n` arrays of 64 elements.
  (func $churn (export "churn") (param $n i32)
    (loop $l
      (drop (array.new_default $bytes (i32.const 64)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "stash") (param $d i32)
    (global.set $keep (call $make (local.get $d)))
    (table.set $t (i32.const 1) (call $make (local.get $d))))
  (func (export "sum_kept") (result i64)
    (i64.add (call $sum (global.get $keep)) (call $sum (table.get $t (i32.const 1)))))
  ;; A local holds a tree while the host runs (and collects), and while garbage is made.
  (func (export "via_host") (param $d i32) (result i64)
    (local $t (ref null $node))
    (local.set $t (call $make (local.get $d)))
    (call $churn (i32.const 20000))
    (i64.add (call $sum (ref.cast (ref null $node) (call $poke (local.get $t)))) (call $sum (local.get $t))))
  ;; Builds a tree, then traps deep in a recursion.
  (func (export "fail") (param $d i32) (result anyref) (call $fail (local.get $d)))
  (func $fail (param $d i32) (result (ref null $node))
    (if (result (ref null $node)) (i32.eqz (local.get $d))
      (then unreachable)
      (else (struct.new $node (i64.const 0) (call $make (i32.const 8))
        (call $fail (i32.sub (local.get $d) (i32.const 1)))))))
;; Recursion `d` deep, each frame holding a structure in a local and another on its operand
  ;; stack across the call; the deepest one makes enough garbage to collect.
  (func $deep (export "deep") (param $d i32) (result i64)
    (local $mine (ref null $node))
    (local.set $mine (struct.new $node (i64.extend_i32_u (local.get $d)) (ref.null $node) (ref.null $node)))
    (if (result i64) (i32.eqz (local.get $d))
      (then (call $churn (i32.const 20000)) (i64.const 0))
      (else
        (i64.add (call $sum (struct.new $node (i64.const 0) (local.get $mine)
                   (struct.new $node (i64.const 0) (ref.null $node) (ref.null $node))))
                 (call $deep (i32.sub (local.get $d) (i32.const 1)))))))
  ;; Allocates until interrupted.
  (func (export "forever") (loop $l (call $churn (i32.const 100)) (br $l)))
  ;; Holds a tree in a local across a long loop (which runs out of fuel when metered).
  (func (export "hold") (param $d i32) (param $spin i32) (result i64)
    (local $t (ref null $node))
    (local.set $t (call $make (local.get $d)))
    (loop $l (br_if $l (local.tee $spin (i32.sub (local.get $spin) (i32.const 1)))))
    (call $sum (local.get $t)))
)"#;

/// The sum `sum` computes for a tree of depth `d` made by `make`.
fn tree_sum(d: u32) -> i64 {
    if d == 0 {
        1
    } else {
        d as i64 + 2 * tree_sum(d - 1)
    }
}

fn setup(config: &Config) -> (Store<()>, Instance) {
    let engine = Engine::new(config);
    let module = Module::new(&engine, TREES).unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    // The host collects while Wasm frames hold references, and keeps its argument (a
    // handle rooted for the call) across the collection.
    let poke = Func::wrap(
        &mut store,
        |mut caller: baton::Caller<'_, ()>, node: Option<AnyRef>| -> Option<AnyRef> {
            caller.gc();
            assert!(node.expect("a tree").is_struct(&caller));
            node
        },
    );
    linker.define("host", "poke", poke).unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    (store, instance)
}

fn configs() -> Vec<(&'static str, Config)> {
    let mut eager = Config::new();
    eager.compilation_mode(CompilationMode::Eager);
    vec![("lazy", Config::new()), ("eager", eager)]
}

#[test]
fn trees_built_across_collections_are_whole_and_garbage_is_freed() {
    for (name, config) in configs() {
        let (mut store, instance) = setup(&config);
        let make = instance
            .get_typed_func::<i32, Option<AnyRef>>(&store, "make")
            .unwrap();
        let sum = instance
            .get_typed_func::<Option<AnyRef>, i64>(&store, "sum")
            .unwrap();
        let churn = instance.get_typed_func::<i32, ()>(&store, "churn").unwrap();
        {
            let mut scope = RootScope::new(&mut store);
            // 2^19 - 1 nodes of 4 cells: twice the first collection's threshold.
            let tree = make.call(&mut scope, 18).unwrap();
            churn.call(&mut scope, 40_000).unwrap();
            assert_eq!(sum.call(&mut scope, tree).unwrap(), tree_sum(18), "{name}");
        }
        assert!(store.gc_stats().collections > 0, "{name}");
        // The handle's scope ended: nothing reaches the tree any more.
        store.gc();
        assert_eq!(
            store.gc_stats().objects,
            0,
            "{name}: {:?}",
            store.gc_stats()
        );
    }
}

#[test]
fn globals_tables_locals_and_host_arguments_are_roots() {
    for (name, config) in configs() {
        let (mut store, instance) = setup(&config);
        let stash = instance.get_typed_func::<i32, ()>(&store, "stash").unwrap();
        let sum_kept = instance
            .get_typed_func::<(), i64>(&store, "sum_kept")
            .unwrap();
        let churn = instance.get_typed_func::<i32, ()>(&store, "churn").unwrap();
        let via_host = instance
            .get_typed_func::<i32, i64>(&store, "via_host")
            .unwrap();
        stash.call(&mut store, 12).unwrap();
        churn.call(&mut store, 40_000).unwrap();
        store.gc();
        assert_eq!(
            sum_kept.call(&mut store, ()).unwrap(),
            2 * tree_sum(12),
            "{name}"
        );
        assert_eq!(
            via_host.call(&mut store, 10).unwrap(),
            2 * tree_sum(10),
            "{name}"
        );
        assert!(store.gc_stats().collections >= 3, "{name}");
        // What is kept is the two stashed trees only.
        store.gc();
        let nodes = 2 * ((1 << 13) - 1);
        assert_eq!(store.gc_stats().objects, nodes, "{name}");
    }
}

#[test]
fn a_handle_out_of_its_scope_is_refused_not_followed() {
    let (mut store, instance) = setup(&Config::new());
    let make = instance
        .get_typed_func::<i32, Option<AnyRef>>(&store, "make")
        .unwrap();
    let sum = instance.get_func(&store, "sum").unwrap();
    let stale = {
        let mut scope = RootScope::new(&mut store);
        make.call(&mut scope, 3).unwrap()
    };
    store.gc();
    let mut out = [Val::I64(0)];
    let err = sum
        .call(&mut store, &[Val::AnyRef(stale)], &mut out)
        .unwrap_err();
    assert!(matches!(err, Error::Usage(_)), "{err}");
    // A handle made outside any scope lives as long as the store.
    let kept = make.call(&mut store, 3).unwrap();
    store.gc();
    sum.call(&mut store, &[Val::AnyRef(kept)], &mut out)
        .unwrap();
    assert_eq!(out[0].i64(), Some(tree_sum(3)));
}

#[test]
fn a_trap_leaves_a_heap_that_collects_and_a_store_that_runs() {
    let (mut store, instance) = setup(&Config::new());
    let fail = instance
        .get_typed_func::<i32, Option<AnyRef>>(&store, "fail")
        .unwrap();
    let err = fail.call(&mut store, 200).unwrap_err();
    assert_eq!(err.trap_code(), Some(TrapCode::Unreachable), "{err}");
    store.gc();
    assert_eq!(store.gc_stats().objects, 0);
    let via_host = instance
        .get_typed_func::<i32, i64>(&store, "via_host")
        .unwrap();
    assert_eq!(via_host.call(&mut store, 9).unwrap(), 2 * tree_sum(9));
}

#[test]
fn collections_in_deep_recursion_keep_every_frame_s_objects() {
    let (mut store, instance) = setup(&Config::new());
    let deep = instance.get_typed_func::<i32, i64>(&store, "deep").unwrap();
    let d = 5_000i64;
    // Each level adds its own value (its frame's structure, read back after the deeper
    // calls and the collections at the bottom).
    assert_eq!(deep.call(&mut store, d as i32).unwrap(), d * (d + 1) / 2);
    assert!(store.gc_stats().collections > 0);
    store.gc();
    assert_eq!(store.gc_stats().objects, 0);
}

#[test]
fn an_interrupted_allocation_loop_leaves_a_collectable_heap() {
    let mut config = Config::new();
    config.interruptible(true);
    let (mut store, instance) = setup(&config);
    let forever = instance
        .get_typed_func::<(), ()>(&store, "forever")
        .unwrap();
    let handle = store.interrupt_handle();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        handle.interrupt();
    });
    let err = forever.call(&mut store, ()).unwrap_err();
    stopper.join().unwrap();
    assert_eq!(err.trap_code(), Some(TrapCode::Interrupted), "{err}");
    store.gc();
    assert_eq!(store.gc_stats().objects, 0);
    let via_host = instance
        .get_typed_func::<i32, i64>(&store, "via_host")
        .unwrap();
    assert_eq!(via_host.call(&mut store, 6).unwrap(), 2 * tree_sum(6));
}

#[test]
fn a_call_suspended_out_of_fuel_keeps_its_objects() {
    let mut config = Config::new();
    config.consume_fuel(true);
    let (mut store, instance) = setup(&config);
    store.set_fuel(u64::MAX).unwrap();
    let churn = instance.get_typed_func::<i32, ()>(&store, "churn").unwrap();
    let hold = instance.get_func(&store, "hold").unwrap();
    // Enough fuel to build the tree, not to finish the loop.
    store.set_fuel(200_000).unwrap();
    let mut out = [Val::I64(0)];
    let call = hold
        .call_resumable(&mut store, &[Val::I32(10), Val::I32(1_000_000)], &mut out)
        .unwrap();
    let ResumableCall::OutOfFuel(invocation) = call else {
        panic!("expected to run out of fuel");
    };
    // The suspended frame holds the tree in a local; collections run meanwhile.
    store.set_fuel(u64::MAX / 2).unwrap();
    churn.call(&mut store, 40_000).unwrap();
    store.gc();
    let done = invocation.resume(&mut store, &[], &mut out).unwrap();
    assert!(matches!(done, ResumableCall::Finished));
    assert_eq!(out[0].i64(), Some(tree_sum(10)));
}

#[test]
fn a_manually_rooted_reference_outlives_its_scope_until_unrooted() {
    let (mut store, instance) = setup(&Config::new());
    let make = instance
        .get_typed_func::<i32, Option<AnyRef>>(&store, "make")
        .unwrap();
    let sum = instance
        .get_typed_func::<Option<AnyRef>, i64>(&store, "sum")
        .unwrap();
    let kept = {
        let mut scope = RootScope::new(&mut store);
        let tree = make.call(&mut scope, 6).unwrap().unwrap();
        tree.to_manually_rooted(&mut scope).unwrap()
    };
    store.gc();
    assert_eq!(
        store.gc_stats().objects,
        (1 << 7) - 1,
        "the kept tree survives"
    );
    let tree = kept.get(&store).unwrap();
    assert_eq!(sum.call(&mut store, Some(tree)).unwrap(), tree_sum(6));
    // `tree`, made outside any scope, is rooted as long as the store: unrooting the kept
    // root leaves it alive, and the kept root is gone.
    kept.unroot(&store);
    store.gc();
    assert_eq!(store.gc_stats().objects, (1 << 7) - 1);
    assert_eq!(sum.call(&mut store, Some(tree)).unwrap(), tree_sum(6));
    // Kept and unrooted within a scope: nothing holds the tree afterwards.
    let lone = {
        let mut scope = RootScope::new(&mut store);
        let t = make.call(&mut scope, 4).unwrap().unwrap();
        t.to_manually_rooted(&mut scope).unwrap()
    };
    store.gc();
    assert_eq!(store.gc_stats().objects, (1 << 7) - 1 + (1 << 5) - 1);
    let stale = {
        let scope = RootScope::new(&mut store);
        // (Read in a scope: a handle made outside any scope would keep the tree.)
        let view = lone.get(&scope).unwrap();
        lone.unroot(&scope);
        view
    };
    store.gc();
    assert_eq!(
        store.gc_stats().objects,
        (1 << 7) - 1,
        "unrooted and out of scope: freed"
    );
    assert!(stale.to_manually_rooted(&mut store).is_err());
}

/// A store and an instance of `wat`, which imports nothing, on an engine of `config`.
fn instantiate(config: &Config, wat: &str) -> (Store<()>, Instance) {
    let engine = Engine::new(config);
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    (store, instance)
}

/// Frames stopped out of fuel hold their references by their stack maps, not by a scan of
/// their cells: what the frame still needs survives (on the operand stack under a loop, as
/// the operands of an `array.fill` stopped at its per-element charge), and an object whose
/// address lingers only in a dead temporary is freed.
#[test]
fn frames_stopped_out_of_fuel_are_precise() {
    const SPIN: &str = r#"(module
      (type $node (struct (field $v i64)))
      (type $arr (array (mut i64)))
      (func (export "spin") (param $n i32) (result i64)
        (drop (struct.new $node (i64.const 7)))
        (struct.new $node (i64.const 5))
        (loop $l
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (struct.get $node $v))
      (func (export "fill") (param $len i32) (result i32)
        (array.new_default $arr (local.get $len))
        (array.fill $arr (array.new_default $arr (local.get $len))
          (i32.const 0) (i64.const 3) (local.get $len))
        (array.len)))"#;
    for mode in [CompilationMode::Eager, CompilationMode::Lazy] {
        let mut config = Config::new();
        config.consume_fuel(true).compilation_mode(mode);
        let (mut store, instance) = instantiate(&config, SPIN);
        let spin = instance.get_func(&store, "spin").unwrap();
        let fill = instance.get_func(&store, "fill").unwrap();

        store.set_fuel(1_000).unwrap();
        let mut out = [Val::I64(0)];
        let call = spin
            .call_resumable(&mut store, &[Val::I32(1_000_000)], &mut out)
            .unwrap();
        let ResumableCall::OutOfFuel(invocation) = call else {
            panic!("{mode:?}: expected to run out of fuel in the loop");
        };
        store.gc();
        assert_eq!(
            store.gc_stats().objects,
            1,
            "{mode:?}: the structure under the loop survives, the dropped one does not"
        );
        store.set_fuel(u64::MAX / 2).unwrap();
        let done = invocation.resume(&mut store, &[], &mut out).unwrap();
        assert!(matches!(done, ResumableCall::Finished));
        assert_eq!(out[0].i64(), Some(5));

        // Each `array.new_default` and the fill charge one unit per 16 elements: fuel for
        // the two arrays, not for the fill.
        let len = 16 * 10_000;
        store.set_fuel(2 * 10_000 + 200).unwrap();
        let mut out = [Val::I32(0)];
        let call = fill
            .call_resumable(&mut store, &[Val::I32(len)], &mut out)
            .unwrap();
        let ResumableCall::OutOfFuel(invocation) = call else {
            panic!("{mode:?}: expected to run out of fuel at the fill");
        };
        store.gc();
        assert_eq!(store.gc_stats().objects, 2, "{mode:?}: both arrays survive");
        store.set_fuel(u64::MAX / 2).unwrap();
        let done = invocation.resume(&mut store, &[], &mut out).unwrap();
        assert!(matches!(done, ResumableCall::Finished));
        assert_eq!(out[0].i32(), Some(len));
        store.gc();
        assert_eq!(
            store.gc_stats().objects,
            0,
            "{mode:?}: nothing is held after"
        );
    }
}

/// A module whose structure and array types hold only numbers still makes objects, and its
/// frames hold them across calls that collect: its code has stack maps too (it once had
/// none, and the structure below was freed under its frame).
#[test]
fn objects_of_types_without_reference_fields_are_roots_too() {
    const NUMBERS: &str = r#"(module
      (type $pair (struct (field i64) (field i64)))
      (type $bytes (array (mut i8)))
      (func $churn (param $n i32)
        (loop $l
          (drop (array.new_default $bytes (i32.const 64)))
          (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
      (func (export "held") (result i64)
        (struct.new $pair (i64.const 40) (i64.const 2))
        (call $churn (i32.const 20000))
        (struct.get $pair 1)
        (array.new_default $bytes (i32.const 3))
        (call $churn (i32.const 20000))
        (array.len)
        (i64.extend_i32_u)
        (i64.add)))"#;
    for mode in [CompilationMode::Eager, CompilationMode::Lazy] {
        let mut config = Config::new();
        config.compilation_mode(mode);
        let (mut store, instance) = instantiate(&config, NUMBERS);
        let held = instance.get_typed_func::<(), i64>(&store, "held").unwrap();
        assert_eq!(held.call(&mut store, ()).unwrap(), 5, "{mode:?}");
        assert!(
            store.gc_stats().collections > 0,
            "{mode:?}: the churn collects"
        );
    }
}

/// The GC benchmark workloads, cut into slices of fuel of varying size: at every stop the
/// host collects, then resumes the call. Each stop is at some fuel check, so the stack maps
/// recorded there must name every live reference; the checksums are the ones
/// `benches/workloads/workloads.txt` records for all engines.
#[test]
fn gc_workloads_cut_by_fuel_collect_at_every_stop() {
    let workloads = [
        (
            "gc_trees",
            include_str!("../../../benches/workloads/gc_trees.wat"),
            40,
            0xf36a9329f7a174bd_u64,
        ),
        (
            "gc_list",
            include_str!("../../../benches/workloads/gc_list.wat"),
            200,
            0xa4ca558a1cfdbedb,
        ),
        (
            "gc_arrays",
            include_str!("../../../benches/workloads/gc_arrays.wat"),
            300,
            0x03a6e7d7844ac6a8,
        ),
    ];
    for (i, (name, wat, n, checksum)) in workloads.into_iter().enumerate() {
        // Eager and lazy translation in turn (lazy reads the validator's notes).
        let mode = [CompilationMode::Eager, CompilationMode::Lazy][i % 2];
        let mut config = Config::new();
        config.consume_fuel(true).compilation_mode(mode);
        let (mut store, instance) = instantiate(&config, wat);
        let run = instance.get_func(&store, "run").unwrap();
        // Slices between 1 and 2^17 units, from a fixed sequence.
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64 ^ i as u64;
        let mut slice = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            1 + (seed >> 33) % (1 << ((seed >> 20) % 18))
        };
        store.set_fuel(slice()).unwrap();
        let mut out = [Val::I64(0)];
        let mut call = run
            .call_resumable(&mut store, &[Val::I32(n)], &mut out)
            .unwrap();
        let mut stops = 0;
        while let ResumableCall::OutOfFuel(invocation) = call {
            stops += 1;
            store.gc();
            store.set_fuel(slice()).unwrap();
            call = invocation.resume(&mut store, &[], &mut out).unwrap();
        }
        assert!(stops > 100, "{name}: only {stops} stops");
        assert_eq!(out[0].i64(), Some(checksum as i64), "{name} ({mode:?})");
    }
}
