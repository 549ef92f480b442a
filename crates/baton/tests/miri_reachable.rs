//! What Miri can check today (see docs/reliability.md, "Miri"): translation of the
//! newest instruction forms, and a memory's allocation (zeroed by the allocator), host
//! access, growth and release. Run with
//! `MIRIFLAGS=-Zmiri-tree-borrows cargo +nightly miri test -p baton --test miri_reachable`;
//! it also runs, fast, in the ordinary test suite.

/// Typed function references, the w and m memory forms and a 64-bit add-and-branch.
#[test]
fn translate_new_forms() {
    let engine = baton::Engine::default();
    let wat = r#"(module
      (type $t (func (param i32) (result i32)))
      (memory i64 1) (memory 1)
      (table 2 (ref null $t))
      (func $f (type $t) (local.get 0))
      (elem declare func $f)
      (func (export "g") (param $r (ref null $t)) (param $p i64) (result i32)
        (local $i i64)
        (block $b (br_on_null $b (local.get $r)) (drop))
        (block $c (result (ref $t)) (br_on_non_null $c (local.get $r)) (return (i32.const 0)))
        (drop)
        (i32.store8 0 (local.get $p) (i32.const 7))
        (i32.store8 1 (i32.const 3) (i32.load8_u 0 offset=4 (local.get $p)))
        (loop $l (local.set $i (i64.add (local.get $i) (i64.const 1))) (br_if $l (i64.lt_u (local.get $i) (i64.const 10))))
        (call_ref $t (i32.const 1) (ref.as_non_null (local.get $r)))))"#;
    let m = baton::Module::new(&engine, wat).unwrap();
    let listing = m.disassemble(1).unwrap();
    assert!(listing.contains("call_ref"), "{listing}");
}

/// `MemoryEntity::new`'s `alloc_zeroed` buffer through its whole life.
#[test]
fn zeroed_memory_allocates_reads_grows_and_frees() {
    let engine = baton::Engine::default();
    let m = baton::Module::new(
        &engine,
        r#"(module (memory (export "m") 1 3) (data (i32.const 8) "hi"))"#,
    )
    .unwrap();
    let mut store = baton::Store::new(&engine, ());
    let inst = baton::Linker::new(&engine)
        .instantiate(&mut store, &m)
        .unwrap();
    let mem = inst.get_memory(&store, "m").unwrap();
    assert_eq!(&mem.data(&store)[7..11], &[0, b'h', b'i', 0]);
    mem.write(&mut store, 65535, &[5]).unwrap();
    assert_eq!(mem.grow(&mut store, 1).unwrap(), 1);
    assert_eq!(mem.data(&store)[65535], 5);
    assert_eq!(mem.data(&store)[65536 * 2 - 1], 0);
}

/// Lazy translation's data structures short of running code: a module kept whole
/// (`from_vec`), instances whose tables of compiled functions start at the stubs (the
/// `Cell` entries), translation on demand (`disassemble`) from two threads at once, names
/// read from the kept bytes, and an eager module's tables pointing at translated code.
#[test]
fn lazy_tables_stubs_and_translation_on_demand() {
    let wat = r#"(module
      (func $a (export "a") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
      (func $b (export "b") (param i32) (result i32) (call $a (local.get 0))))"#;
    let binary = wat::parse_str(wat).unwrap();
    for mode in [baton::CompilationMode::Lazy, baton::CompilationMode::Eager] {
        let mut config = baton::Config::new();
        config.compilation_mode(mode);
        let engine = baton::Engine::new(&config);
        let module = baton::Module::from_vec(&engine, binary.clone()).unwrap();
        let mut store = baton::Store::new(&engine, ());
        let linker = baton::Linker::new(&engine);
        let _first = linker.instantiate(&mut store, &module).unwrap();
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| assert!(module.disassemble(1).unwrap().contains("call")));
            }
        });
        let _second = linker.instantiate(&mut store, &module).unwrap();
        assert_eq!(module.func_name(0), Some("a"));
        let translated = module.stats().translated_funcs;
        assert_eq!(
            translated,
            if mode == baton::CompilationMode::Lazy {
                1
            } else {
                2
            }
        );
    }
}

/// GC objects short of running code: structures and arrays that constant expressions make
/// at instantiation (the heap's zeroed allocation, headers, copied fields), the API reading
/// their kind, and the subtype test (`runtime::cast`) that checks a value written to a
/// global against the global's type.
#[test]
fn gc_objects_from_constant_expressions() {
    let engine = baton::Engine::default();
    let wat = r#"(module
      (type $s (sub (struct (field i32) (field (ref null $s)))))
      (type $t (sub $s (struct (field i32) (field (ref null $s)) (field i64))))
      (type $a (array i8))
      (global (export "s") (mut (ref null $s))
        (struct.new $s (i32.const 7) (struct.new_default $s)))
      (global (export "t") (ref $t) (struct.new_default $t))
      (global (export "a") (ref $a)
        (array.new_fixed $a 3 (i32.const 1) (i32.const 2) (i32.const 300)))
      (global (export "big") (ref $a) (array.new_default $a (i32.const 100000))))"#;
    let m = baton::Module::new(&engine, wat).unwrap();
    let mut store = baton::Store::new(&engine, ());
    let inst = baton::Linker::new(&engine)
        .instantiate(&mut store, &m)
        .unwrap();
    let get = |store: &baton::Store<()>, name: &str| {
        let g = inst.get_global(store, name).unwrap();
        match g.get(store) {
            baton::Val::AnyRef(Some(r)) => (g, r),
            other => panic!("{name}: {other:?}"),
        }
    };
    let (s, s_ref) = get(&store, "s");
    let (_, t_ref) = get(&store, "t");
    let (_, a_ref) = get(&store, "a");
    assert!(s_ref.is_struct(&store) && !s_ref.is_array(&store));
    assert!(a_ref.is_array(&store) && get(&store, "big").1.is_array(&store));
    // `$t` is a subtype of `$s`: its structure may be stored; an array may not.
    s.set(&mut store, baton::Val::AnyRef(Some(t_ref))).unwrap();
    assert!(s.set(&mut store, baton::Val::AnyRef(Some(a_ref))).is_err());
    s.set(&mut store, baton::Val::AnyRef(None)).unwrap();
}

/// The collector run from the host (`Store::gc`): marking through globals, tables, passive
/// element segments and a rooted host handle (headers written, fields traced by the
/// registry's types), sweeping what nothing reaches (objects freed), and handles refused
/// once their scope has ended.
#[test]
fn collections_from_the_host_free_what_nothing_reaches() {
    let engine = baton::Engine::default();
    let wat = r#"(module
      (type $s (struct (field i32) (field (ref null $s))))
      (type $a (array anyref))
      (global $g (export "g") (mut (ref null $s))
        (struct.new $s (i32.const 7) (struct.new_default $s)))
      (global $h (export "h") (mut anyref)
        (array.new_fixed $a 2 (struct.new_default $s) (ref.i31 (i32.const 5))))
      (table (export "t") 2 anyref (struct.new_default $s))
      (elem $e anyref (item (struct.new_default $s)) (item (ref.null any))))"#;
    let m = baton::Module::new(&engine, wat).unwrap();
    let mut store = baton::Store::new(&engine, ());
    let inst = baton::Linker::new(&engine)
        .instantiate(&mut store, &m)
        .unwrap();
    // g: 2 objects; h: the array and a structure; the table: one structure shared by both
    // elements; the segment: one.
    store.gc();
    assert_eq!(store.gc_stats().objects, 6);
    let g = inst.get_global(&store, "g").unwrap();
    g.set(&mut store, baton::Val::AnyRef(None)).unwrap();
    store.gc();
    assert_eq!(store.gc_stats().objects, 4, "g's two structures are freed");
    let h = inst.get_global(&store, "h").unwrap();
    let kept = {
        let mut scope = baton::RootScope::new(&mut store);
        let baton::Val::AnyRef(Some(array)) = h.get(&scope) else {
            panic!("h holds an array")
        };
        h.set(&mut scope, baton::Val::AnyRef(None)).unwrap();
        baton::AsContextMut::as_context_mut(&mut scope).gc();
        assert!(array.is_array(&scope), "the handle keeps the array");
        array
    };
    store.gc();
    assert_eq!(
        store.gc_stats().objects,
        2,
        "the scope ended: the array is freed"
    );
    assert!(h.set(&mut store, baton::Val::AnyRef(Some(kept))).is_err());
}

/// Translated code running: calls and returns, a loop with loads, stores and a pair, a
/// trap, then the store used again.
#[test]
fn translated_code_runs() {
    let engine = baton::Engine::default();
    let wat = r#"(module
      (memory 1)
      (func $sum (param $p i32) (param $n i32) (result i32)
        (local $s i32)
        (block $done (loop $l
          (br_if $done (i32.eqz (local.get $n)))
          (local.set $s (i32.add (local.get $s) (i32.load (local.get $p))))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $l)))
        (local.get $s))
      (func (export "run") (param $n i32) (result i32)
        (local $i i32)
        (loop $fill
          (i32.store (i32.shl (local.get $i) (i32.const 2)) (local.get $i))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $fill (i32.lt_u (local.get $i) (local.get $n))))
        (call $sum (i32.const 0) (local.get $n)))
      (func (export "oob") (result i32) (i32.load (i32.const 65536))))"#;
    let module = baton::Module::new(&engine, wat).unwrap();
    let mut store = baton::Store::new(&engine, ());
    let instance = baton::Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, 10).unwrap(), 45);
    let oob = instance.get_typed_func::<(), i32>(&store, "oob").unwrap();
    let trap = oob.call(&mut store, ()).unwrap_err();
    assert!(trap.to_string().contains("out of bounds"), "{trap}");
    assert_eq!(run.call(&mut store, 100).unwrap(), 4950);
}

/// `br_table`s, whose entries carry their targets' handlers (`CodeBuf::seal_tables`): a
/// plain one, and an interpreter's dispatch over bytes in memory (a load fused into the
/// `br_table`, reached again from the end of every case).
#[test]
fn br_tables_jump_through_their_sealed_entries() {
    let engine = baton::Engine::default();
    let wat = r#"(module
      (memory 1)
      ;; inc, inc, double, dec, double, halt
      (data (i32.const 0) "\01\01\02\03\02\00")
      (func (export "interp") (result i32)
        (local $pc i32) (local $acc i32) (local $op i32)
        (block $halt
          (loop $next
            (local.set $op (i32.load8_u (local.get $pc)))
            (local.set $pc (i32.add (local.get $pc) (i32.const 1)))
            (block $dec (block $dbl (block $inc
              (br_table $halt $inc $dbl $dec (local.get $op)))
              (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
              (br $next))
            (local.set $acc (i32.shl (local.get $acc) (i32.const 1)))
            (br $next))
          (local.set $acc (i32.sub (local.get $acc) (i32.const 1)))
          (br $next)))
        (local.get $acc))
      (func (export "pick") (param i32) (result i32)
        (block $c (block $b (block $a
          (br_table $a $b $c (local.get 0)))
          (return (i32.const 10)))
        (return (i32.const 20)))
        (i32.const 30)))"#;
    let module = baton::Module::new(&engine, wat).unwrap();
    let mut store = baton::Store::new(&engine, ());
    let instance = baton::Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let interp = instance
        .get_typed_func::<(), i32>(&store, "interp")
        .unwrap();
    assert_eq!(interp.call(&mut store, ()).unwrap(), 6);
    let pick = instance.get_typed_func::<i32, i32>(&store, "pick").unwrap();
    let picked: Vec<i32> = [0, 1, 2, 3, -1]
        .into_iter()
        .map(|i| pick.call(&mut store, i).unwrap())
        .collect();
    assert_eq!(picked, [10, 20, 30, 30, 30]);
}

/// Lua's dispatch: each case ends with a copy of the loop header, an `i32.load` of the
/// next instruction word and a via to the `and_shl` load-and-`br_table`; the load runs
/// the dispatch itself (`i32.load.br>and_shl...`), the word handed over in a register.
#[test]
fn a_load_before_a_jump_back_runs_the_dispatch() {
    let engine = baton::Engine::default();
    let wat = r#"(module
      (memory 1)
      ;; the table of labels: opcode (word & 3) to case
      (data (i32.const 0) "\00\00\00\00\01\00\00\00\02\00\00\00\02\00\00\00")
      ;; words (operand << 2 | opcode): add 5, add 7, double, halt
      (data (i32.const 16) "\14\00\00\00\1c\00\00\00\01\00\00\00\02\00\00\00")
      (func (export "interp") (result i32)
        (local $p i32) (local $w i32) (local $acc i32)
        (local.set $p (i32.const 16))
        (block $halt
          (loop $next
            (local.set $w (i32.load (local.get $p)))
            (block $dbl (block $add
              (br_table $add $dbl $halt
                (i32.load (i32.shl (i32.and (local.get $w) (i32.const 3)) (i32.const 2)))))
              (local.set $acc (i32.add (local.get $acc) (i32.shr_u (local.get $w) (i32.const 2))))
              (local.set $p (i32.add (local.get $p) (i32.const 4)))
              (br $next))
            (local.set $acc (i32.shl (local.get $acc) (i32.const 1)))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (br $next)))
        (local.get $acc)))"#;
    let module = baton::Module::new(&engine, wat).unwrap();
    let listing = module.disassemble(0).unwrap();
    assert!(listing.contains("i32.load.br>and_shl"), "{listing}");
    let mut store = baton::Store::new(&engine, ());
    let instance = baton::Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let interp = instance
        .get_typed_func::<(), i32>(&store, "interp")
        .unwrap();
    assert_eq!(interp.call(&mut store, ()).unwrap(), 24);
}

/// C code's calls: the shadow-stack prologue and its spill are a pair (the global read
/// through `Ctx::globals`), and a loaded argument, a loaded result and a constant argument
/// are pairs that enter the call's or the return's handler by a direct jump.
#[test]
fn c_call_pairs_run_their_call_and_return() {
    let engine = baton::Engine::default();
    let wat = r#"(module
      (memory 1)
      (global $sp (export "sp") (mut i32) (i32.const 1024))
      (data (i32.const 16) "\05\00\00\00\18\00\00\00\07\00\00\00")
      ;; return p->next->x (x at 0, next at 4)
      (func $next_x (param $p i32) (result i32)
        (i32.load (i32.load offset=4 (local.get $p))))
      (func $twice (param $v i32) (result i32)
        (i32.shl (local.get $v) (i32.const 1)))
      (func (export "f") (param $p i32) (result i32)
        (local $fp i32)
        (global.set $sp (local.tee $fp (i32.sub (global.get $sp) (i32.const 16))))
        (i32.store offset=12 (local.get $fp) (local.get $p))
        (i32.store offset=8 (local.get $fp) (call $next_x (i32.load offset=12 (local.get $fp))))
        (i32.store offset=4 (local.get $fp) (call $twice (i32.const 21)))
        (local.set $p (i32.add (i32.load offset=8 (local.get $fp)) (i32.load offset=4 (local.get $fp))))
        (global.set $sp (i32.add (local.get $fp) (i32.const 16)))
        (local.get $p)))"#;
    let module = baton::Module::new(&engine, wat).unwrap();
    let listing = module.disassemble(2).unwrap();
    for pair in ["global.get.add.set+store32", "i32.load+call", "const+call"] {
        assert!(listing.contains(pair), "{pair}: {listing}");
    }
    let leaf = module.disassemble(0).unwrap();
    assert!(leaf.contains("i32.load.i32.load+return.slot"), "{leaf}");
    let mut store = baton::Store::new(&engine, ());
    let instance = baton::Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let f = instance.get_typed_func::<i32, i32>(&store, "f").unwrap();
    // node at 16: x 5, next 24; node at 24: x 7. 7 + 42.
    assert_eq!(f.call(&mut store, 16).unwrap(), 49);
    let sp = instance.get_global(&store, "sp").unwrap();
    assert_eq!(
        sp.get(&store).i32(),
        Some(1024),
        "the epilogue restored the stack"
    );
}

/// Bytes and words copied through the accumulator, in memory 0 and in memory 1 (the `m`
/// forms), and a sum stored at once: pairs whose load hands its value to the store.
#[test]
fn copies_through_the_accumulator_are_pairs() {
    let engine = baton::Engine::default();
    let wat = r#"(module
      (memory 1)
      (memory $m 1)
      (data (i32.const 0) "\01\02\03\04\05\06\07\08")
      (data (memory $m) (i32.const 0) "\11\12\13\14\15\16\17\18")
      (func (export "f") (result i64)
        (local $i i32)
        (loop $l
          (i32.store8 offset=16 (local.get $i)
            (i32.load8_u (i32.add (local.get $i) (local.get $i))))
          (i32.store8 $m offset=16 (local.get $i)
            (i32.load8_u $m (i32.add (local.get $i) (local.get $i))))
          (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
            (i32.const 4))))
        (i64.store $m offset=24 (local.get $i) (i64.load $m (local.get $i)))
        (i32.store offset=32 (local.get $i)
          (i32.add (local.get $i) (i32.load (i32.const 16))))
        (i64.add (i64.load (i32.const 36)) (i64.load $m (i32.const 28)))))"#;
    let module = baton::Module::new(&engine, wat).unwrap();
    let listing = module.disassemble(0).unwrap();
    for pair in [
        "LOAD8U_RR_A_STORE8_VA_PAIR",
        "LOAD8U_M_RR_A_STORE8_M_VA_PAIR",
        "LOAD64_M_A_STORE64_M_VA_PAIR",
        "ADD_RA_A_STORE32_VA_PAIR",
    ] {
        assert!(listing.contains(pair), "{pair}: {listing}");
    }
    let mut store = baton::Store::new(&engine, ());
    let instance = baton::Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let f = instance.get_typed_func::<(), i64>(&store, "f").unwrap();
    // Memory 0: bytes 1, 3, 5, 7 at 16; the word there plus 4 at 36. Memory 1: the word
    // at 4 (15 16 17 18) at 28.
    let word0 = 0x0705_0301 + 4;
    let word1 = 0x1817_1615;
    assert_eq!(
        f.call(&mut store, ()).unwrap(),
        (word0 as i64) + (word1 as i64)
    );
}

/// The steps that C's field-access pairs added: a struct copied word by word (each copy
/// passes its value on), words copied through the accumulator from an address in it and
/// through a pointer, a pointer's field compared with a constant, a byte copied at an
/// index, a store and the `br` after it.
#[test]
fn field_access_pairs_run_their_steps() {
    let engine = baton::Engine::default();
    let wat = r#"(module
        (memory 1)
        (data (i32.const 0) "\01\00\00\00\02\00\00\00\03\00\00\00\04\00\00\00\08\00\00\00")
        (func (export "f") (param $p i32) (result i32)
          (local $s i32) (local $i i32)
          (i32.store offset=32 (local.get $p) (i32.load offset=0 (local.get $p)))
          (i32.store offset=36 (local.get $p) (i32.load offset=4 (local.get $p)))
          (i32.store offset=40 (local.get $p)
            (i32.load offset=8 (i32.add (local.get $p) (i32.and (local.get $p) (i32.const 4)))))
          (i32.store offset=44 (local.get $p) (i32.load offset=4 (i32.load offset=16 (local.get $p))))
          (block $eq
            (br_if $eq (i32.eq (i32.load offset=4 (i32.load offset=16 (local.get $p))) (i32.const 4)))
            (local.set $s (i32.const 100)))
          (loop $l
            (i32.store8 offset=48 (i32.add (local.get $p) (local.get $i))
              (i32.load8_u (i32.add (local.get $p) (local.get $i))))
            (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 8))))
          (if (i32.eqz (local.get $s))
            (then (i32.store offset=56 (local.get $p) (local.get $i)))
            (else (i32.store offset=60 (local.get $p) (i32.const 5))))
          (i32.store offset=64 (local.get $p) (i32.const 0))
          (i32.add (i32.add (local.get $s) (i32.load offset=56 (local.get $p)))
            (i32.add (i32.add (i32.load offset=32 (local.get $p)) (i32.load offset=36 (local.get $p)))
              (i32.add (i32.add (i32.load offset=40 (local.get $p)) (i32.load offset=44 (local.get $p)))
                (i32.load offset=52 (local.get $p)))))))"#;
    let module = baton::Module::new(&engine, wat).unwrap();
    let listing = module.disassemble(0).unwrap();
    for pair in [
        "LOAD_STORE32_PAIR",
        "LOAD32_AT_ACC_A_STORE32_VA_PAIR",
        "LOAD_LOAD32_A_STORE32_VA_PAIR",
        "LOAD_LOAD32_BR_I32_EQ_RI_PAIR",
        "LOAD8U_RR_A_STORE8_SUM_VA_PAIR",
        "STORE32_BR_PAIR",
    ] {
        assert!(listing.contains(pair), "{pair}: {listing}");
    }
    let mut store = baton::Store::new(&engine, ());
    let instance = baton::Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let f = instance.get_typed_func::<i32, i32>(&store, "f").unwrap();
    // The words 1 and 2 copied to 32 and 36; the word at 8 (3) to 40; the word at
    // `*16 + 4` = 12 (4) to 44; the branch taken (`s` stays 0); bytes 0..8 copied to 48,
    // so the word at 52 is the one at 4 (2); the `if` arm that stores `i` (8) at 56 and
    // jumps over the `else`.
    assert_eq!(f.call(&mut store, 0).unwrap(), 1 + 2 + 3 + 4 + 2 + 8);
}

/// A back edge carrying its loop's parameter runs the loop's first step (`head_vias!`),
/// from the accumulator and from a slot, and a rotation's second copy reads the
/// accumulator (`copy2.add.br_if`'s `copy_*_a` forms). The three loops are unrolled
/// (`translate/unroll.rs`): the first two leave their first copy through a stub that
/// moves the value they carry.
#[test]
fn back_edges_run_their_loops_first_step() {
    let engine = baton::Engine::default();
    let wat = r#"(module
        (func (export "f") (param $n i32) (result i32)
          (local $k i32) (local $a i64) (local $b i64) (local $t i64) (local $i i32)
          (i32.add (local.get $n) (i32.const 10))
          (loop $down (param i32) (result i32)
            (i32.sub (i32.const 2))
            (local.tee $n)
            (local.get $n)
            (br_if $down))
          (drop)
          (i32.const 0)
          (loop $up (param i32) (result i32)
            (i32.add (i32.const 3))
            (local.tee $k)
            (i32.lt_u (local.get $k) (i32.const 20))
            (br_if $up))
          (drop)
          (local.set $b (i64.const 1))
          (local.set $i (i32.const 10))
          (loop $fib
            (local.set $t (i64.add (local.get $a) (local.get $b)))
            (local.set $a (local.get $b))
            (local.set $b (local.get $t))
            (br_if $fib (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
          (i32.add (local.get $k) (i32.wrap_i64 (local.get $a)))))"#;
    let module = baton::Module::new(&engine, wat).unwrap();
    let listing = module.disassemble(0).unwrap();
    for form in [
        "BR_IF_NEZ_COPY_A_HEAD_SUB",
        "BR_IF_NEZ_COPY_HEAD_ADD",
        "copy_ii_a",
    ] {
        assert!(listing.contains(form), "{form}: {listing}");
    }
    let mut store = baton::Store::new(&engine, ());
    let instance = baton::Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let f = instance.get_typed_func::<i32, i32>(&store, "f").unwrap();
    // Counts 12 down to 0 by 2; `k` ends at 21 (the first multiple of 3 not below 20);
    // `a` is the 10th Fibonacci number, 55.
    assert_eq!(f.call(&mut store, 2).unwrap(), 21 + 55);
}

/// Calls jump to the handler their callee's entry holds (`CompiledFunc::handler`): the
/// stub's while a function is untranslated, its first instruction's after; direct and
/// indirect, recursive, and a trap in a callee.
#[test]
fn calls_jump_to_the_handler_of_their_entry() {
    let engine = baton::Engine::default();
    let wat = r#"(module
      (type $op (func (param i32) (result i32)))
      (table 3 funcref) (elem (i32.const 0) $double $square $down)
      (func $double (param $x i32) (result i32) (i32.add (local.get $x) (local.get $x)))
      (func $square (param $x i32) (result i32) (i32.mul (local.get $x) (local.get $x)))
      (func $down (param $x i32) (result i32)
        (if (result i32) (i32.eqz (local.get $x))
          (then (i32.const 0))
          (else (i32.add (i32.const 1)
                  (call $down (i32.sub (local.get $x) (i32.const 1)))))))
      (func (export "apply") (param $f i32) (param $x i32) (result i32)
        (call_indirect (type $op) (local.get $x) (local.get $f))))"#;
    let module = baton::Module::new(&engine, wat).unwrap();
    let mut store = baton::Store::new(&engine, ());
    let instance = baton::Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let apply = instance
        .get_typed_func::<(i32, i32), i32>(&store, "apply")
        .unwrap();
    for _ in 0..2 {
        assert_eq!(apply.call(&mut store, (0, 21)).unwrap(), 42);
        assert_eq!(apply.call(&mut store, (1, 12)).unwrap(), 144);
        assert_eq!(apply.call(&mut store, (2, 30)).unwrap(), 30);
    }
    let trap = apply.call(&mut store, (3, 1)).unwrap_err();
    assert!(trap.to_string().contains("undefined element"), "{trap}");
    assert_eq!(apply.call(&mut store, (1, 3)).unwrap(), 9);
}

/// A host function that calls into another instance: the caller goes on with its own
/// instance's global afterwards (`Ctx::resume_instance`).
#[test]
fn host_calls_into_another_instance_restore_the_callers_globals() {
    use baton::{Caller, Error, Func, Val};
    let engine = baton::Engine::default();
    let mut store = baton::Store::new(&engine, None::<Func>);
    let mut linker = baton::Linker::new(&engine);
    let other = baton::Module::new(
        &engine,
        r#"(module (global $x (mut i32) (i32.const 7)) (global $y (mut i32) (i32.const 8))
             (func (export "bump") (result i32)
               (global.set $x (i32.add (global.get $x) (i32.const 1))) (global.get $x)))"#,
    )
    .unwrap();
    let other = linker.instantiate(&mut store, &other).unwrap();
    *store.data_mut() = other.get_func(&store, "bump");
    linker
        .func_wrap(
            "host",
            "bump",
            |mut caller: Caller<'_, Option<Func>>| -> Result<i32, Error> {
                let bump = caller.data().unwrap();
                let mut out = [Val::I32(0)];
                bump.call(&mut caller, &[], &mut out)?;
                Ok(out[0].i32().unwrap())
            },
        )
        .unwrap();
    let caller = baton::Module::new(
        &engine,
        r#"(module (import "host" "bump" (func $bump (result i32)))
             (global $g (mut i32) (i32.const 1000))
             (func (export "run") (result i32)
               (global.set $g (i32.add (global.get $g) (call $bump))) (global.get $g)))"#,
    )
    .unwrap();
    let inst = linker.instantiate(&mut store, &caller).unwrap();
    let run = inst.get_typed_func::<(), i32>(&store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 1008);
    assert_eq!(run.call(&mut store, ()).unwrap(), 1017);
}

/// This session's handlers: a select on a comparison (constant value and constant
/// operand forms), an `if` on the `and` of two comparisons, and a pair of byte loads at
/// constant distances from a pointer.
#[test]
fn comparison_selects_conjunctions_and_byte_load_pairs_run() {
    let engine = baton::Engine::default();
    let wat = r#"(module
        (memory 1)
        (data (i32.const 0) "\01\02\03\04\05\06\07\08")
        (func (export "f") (param $p i32) (param $x f32) (result i32)
          (local $a i32) (local $b i32)
          (local.set $a (i32.load8_u (i32.add (local.get $p) (i32.const 1))))
          (local.set $b (i32.load8_u (i32.add (local.get $p) (i32.const 5))))
          (local.set $a (select (i32.const 255) (local.get $a)
            (f32.gt (local.get $x) (f32.const 2))))
          (if (result i32) (i32.and (i32.lt_u (local.get $a) (local.get $b))
                                    (i32.ne (local.get $b) (i32.const 0)))
            (then (i32.add (local.get $a) (local.get $b)))
            (else (i32.sub (local.get $a) (local.get $b))))))"#;
    let module = baton::Module::new(&engine, wat).unwrap();
    let listing = module.disassemble(0).unwrap();
    for form in [
        "LOAD8U_RI_LOAD8U_RI_PAIR",
        "SELECT_F32_GT_II",
        "BR_I32_GE_U",
    ] {
        assert!(listing.contains(form), "{form}: {listing}");
    }
    let mut store = baton::Store::new(&engine, ());
    let instance = baton::Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let f = instance
        .get_typed_func::<(i32, f32), i32>(&store, "f")
        .unwrap();
    // a = 2, b = 6: 2 < 6 and 6 != 0, so 8; with x > 2, a = 255: 255 - 6.
    assert_eq!(f.call(&mut store, (0, 1.0)).unwrap(), 8);
    assert_eq!(f.call(&mut store, (0, 3.0)).unwrap(), 249);
}
