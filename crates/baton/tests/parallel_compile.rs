//! Large modules are validated and translated on several threads: the code, the
//! statistics and the errors must be exactly those of a translation on one thread.

use baton::*;

/// A module of `n` functions (well above the size at which threads are used), each with a
/// loop, a `br_table`, memory traffic and a call to the function before it; function
/// in `broken` pops a value that is not there.
fn big_module(n: usize, broken: &[usize]) -> Vec<u8> {
    let mut wat = String::from("(module (memory 1)\n");
    for i in 0..n {
        let callee = if i == 0 {
            "(local.get $x)".to_string()
        } else {
            format!(
                "(call $f{} (i32.shr_u (local.get $x) (i32.const 1)))",
                i - 1
            )
        };
        let bad = if broken.contains(&i) { "(drop)" } else { "" };
        wat.push_str(&format!(
            r#"(func $f{i} (export "f{i}") (param $x i32) (result i32) (local $i i32) (local $s i32)
  {bad}
  (block $done (loop $top
    (br_if $done (i32.ge_u (local.get $i) (i32.and (local.get $x) (i32.const 15))))
    (block $b2 (block $b1 (block $b0
      (br_table $b0 $b1 $b2 (i32.rem_u (local.get $i) (i32.const 3))))
      (local.set $s (i32.add (local.get $s) (i32.const {i}))) (br $b2))
      (i32.store (i32.shl (local.get $i) (i32.const 2)) (local.get $s)))
    (local.set $s (i32.xor (local.get $s) (i32.load (i32.const 8))))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (br $top)))
  (i32.add (local.get $s) {callee}))
"#
        ));
    }
    wat.push(')');
    wat::parse_str(&wat).expect("the generated text parses")
}

/// Eager: translation is what runs in parallel here (lazily only validation does).
fn engine(threads: usize) -> Engine {
    let mut config = Config::new();
    config
        .compile_threads(threads)
        .compilation_mode(baton::CompilationMode::Eager);
    Engine::new(&config)
}

/// An instance of `module` in a store of its own, and its last function (which calls all
/// the others, one after another).
fn last_function(module: &Module) -> (Store<()>, TypedFunc<i32, i32>) {
    let mut store = Store::new(module.engine(), ());
    let instance = Linker::new(module.engine())
        .instantiate(&mut store, module)
        .expect("instantiates");
    let f = instance
        .get_typed_func::<i32, i32>(&store, "f3999")
        .unwrap();
    (store, f)
}

#[test]
fn threads_produce_the_code_of_one_thread() {
    let bytes = big_module(4000, &[]);
    // Threads are used from 256 KiB of bodies on.
    assert!(
        bytes.len() > 512 * 1024,
        "big enough to use threads: {}",
        bytes.len()
    );
    let one = Module::new(&engine(1), &bytes).expect("compiles on one thread");
    let listing = |m: &Module| -> String {
        (0..4000)
            .map(|f| m.disassemble(f).expect("defined"))
            .collect()
    };
    let expected = listing(&one);
    for threads in [0, 2, 3] {
        let many = Module::new(&engine(threads), &bytes).expect("compiles on threads");
        assert!(
            listing(&many) == expected,
            "{threads} threads: different code"
        );
        assert_eq!(
            format!("{:?}", many.stats()),
            format!("{:?}", one.stats()),
            "{threads} threads"
        );
        let (mut store, f) = last_function(&many);
        let (mut store1, f1) = last_function(&one);
        for x in [0, 7, 0x7fff_ffff, -1] {
            assert_eq!(
                f.call(&mut store, x).unwrap(),
                f1.call(&mut store1, x).unwrap()
            );
        }
    }
}

#[test]
fn threads_report_the_first_invalid_function() {
    let bytes = big_module(4000, &[1800]);
    let one = Module::new(&engine(1), &bytes).err().expect("invalid");
    assert!(one.to_string().contains("function 1800"), "{one}");
    let many = Module::new(&engine(2), &bytes).err().expect("invalid");
    assert_eq!(many.to_string(), one.to_string());
    // Broken in two places: the first is reported, whichever thread finds which first.
    let bytes = big_module(4000, &[2400, 300]);
    for threads in [1, 2, 3] {
        let e = Module::new(&engine(threads), &bytes)
            .err()
            .expect("invalid");
        assert!(
            e.to_string().contains("function 300"),
            "{threads} threads: {e}"
        );
    }
}
