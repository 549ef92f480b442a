//! Bad input never panics: random and mutated module bytes give typed errors (or valid
//! modules), never a panic, within a bounded time.

use baton::*;

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const SEED_MODULE: &str = r#"(module
  (type (func (param i32 i32) (result i32)))
  (import "env" "f" (func (param i32)))
  (memory 1 2) (table 2 funcref) (global (mut i32) (i32.const 7))
  (func (export "add") (type 0) (i32.add (local.get 0) (local.get 1)))
  (func (export "loop") (param i32) (result i32) (local i32)
    (block (loop (br_if 1 (i32.eqz (local.get 0)))
      (local.set 1 (i32.add (local.get 1) (i32.load (local.get 0))))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br 0)))
    (local.get 1))
  (elem (i32.const 0) 1 2)
  (data (i32.const 8) "hello"))"#;

fn check(engine: &Engine, bytes: &[u8]) {
    let result = std::panic::catch_unwind(|| match Module::new(engine, bytes) {
        Ok(module) => {
            // A module that compiles must also instantiate or fail with a typed error.
            let mut store = Store::new(engine, ());
            let mut linker = Linker::new(engine);
            linker.func_wrap("env", "f", |_: i32| {}).unwrap();
            let _ = linker.instantiate(&mut store, &module);
        }
        Err(Error::Parse { .. } | Error::Validation { .. } | Error::Unsupported { .. }) => {}
        Err(other) => panic!("unexpected error kind for bad bytes: {other}"),
    });
    assert!(result.is_ok(), "panicked on input {bytes:02x?}");
}

#[test]
fn random_bytes_never_panic() {
    let engine = Engine::default();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..3000 {
        let len = rng.below(64);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if rng.below(2) == 0 {
            // Half of them start like a real module, to get past the header check.
            let mut v = b"\0asm\x01\0\0\0".to_vec();
            v.append(&mut bytes);
            bytes = v;
        }
        check(&engine, &bytes);
    }
}

#[test]
fn mutated_modules_never_panic() {
    let engine = Engine::default();
    let seed = wat::parse_str(SEED_MODULE).unwrap();
    Module::new(&engine, &seed).expect("seed module is valid");
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    for _ in 0..5000 {
        if std::time::Instant::now() > deadline {
            break;
        }
        let mut bytes = seed.clone();
        for _ in 0..1 + rng.below(4) {
            let i = rng.below(bytes.len());
            match rng.below(3) {
                0 => bytes[i] = rng.next() as u8,
                1 => {
                    bytes.remove(i);
                }
                _ => bytes.insert(i, rng.next() as u8),
            }
        }
        check(&engine, &bytes);
    }
}

#[test]
fn unknown_and_mistyped_imports_are_link_errors() {
    let engine = Engine::default();
    let module = Module::new(&engine, r#"(module (import "env" "g" (func (param i64))))"#).unwrap();
    let mut store = Store::new(&engine, ());
    let linker = Linker::new(&engine);
    assert!(matches!(
        linker.instantiate(&mut store, &module),
        Err(Error::Link(_))
    ));
    let mut linker = Linker::new(&engine);
    linker.func_wrap("env", "g", |_: i32| {}).unwrap();
    assert!(matches!(
        linker.instantiate(&mut store, &module),
        Err(Error::Link(_))
    ));
}

/// The GC heap is bounded by the store's limiter: an allocation past the limit traps
/// cleanly (it does not abort the host), and the store stays usable.
#[test]
fn gc_heap_limit_traps_and_the_store_stays_usable() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    store.limiter(
        baton::StoreLimitsBuilder::new()
            .gc_heap_size(1 << 20)
            .build(),
    );
    let wat = r#"(module (type $a (array (mut i64)))
        (func (export "alloc") (param i32) (result i32)
          (array.len (array.new_default $a (local.get 0)))))"#;
    let module = Module::new(&engine, wat).unwrap();
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let alloc = inst.get_typed_func::<i32, i32>(&store, "alloc").unwrap();
    assert_eq!(alloc.call(&mut store, 1000).unwrap(), 1000);
    let err = alloc.call(&mut store, 1 << 20).unwrap_err();
    assert_eq!(
        err.trap_code(),
        Some(baton::TrapCode::GcHeapOutOfMemory),
        "{err}"
    );
    // A length the host could never allocate (2^32 - 1 elements) traps the same way.
    let err = alloc.call(&mut store, -1).unwrap_err();
    assert_eq!(
        err.trap_code(),
        Some(baton::TrapCode::GcHeapOutOfMemory),
        "{err}"
    );
    assert_eq!(alloc.call(&mut store, 10).unwrap(), 10);
}

/// A constant expression's `array.new` of a huge length asks the heap's limit before it
/// builds anything: a trap, not an abort (found by the Wasmtime GC differential fuzzing).
#[test]
fn a_huge_array_in_a_constant_expression_traps_within_the_gc_heap_limit() {
    let engine = baton::Engine::default();
    let wat = r#"(module
      (type $a (array i8))
      (global anyref (array.new $a (i32.const 0) (i32.const -1))))"#;
    let module = baton::Module::new(&engine, wat).unwrap();
    let mut store = baton::Store::new(&engine, ());
    store.limiter(
        baton::StoreLimitsBuilder::new()
            .gc_heap_size(64 << 20)
            .build(),
    );
    let err = baton::Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap_err();
    assert_eq!(
        err.trap_code(),
        Some(baton::TrapCode::GcHeapOutOfMemory),
        "{err}"
    );
}
