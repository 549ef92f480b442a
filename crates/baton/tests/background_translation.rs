//! Background translation (`Config::background_translation`, `crate::ahead`): a large
//! module translates the direct callees of the code the guest has entered, and theirs, up
//! to three calls away, on a thread of its own; nothing the guest can observe changes.

use baton::{Config, Engine, Error, Linker, Module, Store, TrapCode, TypedFunc};
use std::time::{Duration, Instant};

/// Functions in the chain `$f0` → `$f1` → ... → `$f{LINKS - 1}`.
const LINKS: usize = 8;

/// A module with more than 64 KiB of code (the least that gets a translator thread):
/// `run` calls `$f0`, and each `$fI` calls `$f{I+1}` only when its argument is 0, after
/// a long straight run of arithmetic. The last link traps on 0.
fn chain_module() -> String {
    // About 9 bytes of code per repetition: 1,200 of them make 10 KiB per function.
    let padding = "(local.set 1 (i32.add (local.get 1) (i32.const 100000)))\n".repeat(1200);
    let mut wat = String::from("(module\n");
    wat.push_str(
        "(func $run (export \"run\") (param i32) (result i32) (call $f0 (local.get 0)))\n",
    );
    for i in 0..LINKS {
        let next = if i + 1 < LINKS {
            format!("(call $f{} (local.get 0))", i + 1)
        } else {
            "(unreachable)".to_string()
        };
        wat.push_str(&format!(
            "(func $f{i} (param i32) (result i32) (local i32)
               {padding}
               (if (result i32) (i32.eqz (local.get 0))
                 (then {next})
                 (else (i32.add (local.get 1) (i32.const {i})))))\n"
        ));
    }
    wat.push(')');
    wat
}

fn engine(background: bool, fuel: bool) -> Engine {
    let mut config = Config::new();
    config.background_translation(background).consume_fuel(fuel);
    Engine::new(&config)
}

/// Compiles `binary`, instantiates it in a new store and returns its `run`.
fn start(engine: &Engine, binary: &[u8]) -> (Module, Store<()>, TypedFunc<i32, i32>) {
    let module = Module::new(engine, binary).unwrap();
    let mut store = Store::new(engine, ());
    let instance = Linker::new(engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let run = instance.get_typed_func::<i32, i32>(&store, "run").unwrap();
    (module, store, run)
}

/// What `$fI` returns for a non-zero argument.
fn expected(i: i32) -> i32 {
    1200i32.wrapping_mul(100000).wrapping_add(i)
}

/// Waits until `module` has translated `want` functions (or gives up after a while).
fn wait_for(module: &Module, want: usize) -> usize {
    let start = Instant::now();
    loop {
        let n = module.stats().translated_funcs;
        if n >= want || start.elapsed() > Duration::from_secs(30) {
            return n;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Waits until the worker has stopped: `module`'s translated code unchanged for a while
/// (or gives up after a minute). Returns the bytes of translated code.
fn wait_until_idle(module: &Module) -> usize {
    let start = Instant::now();
    let mut last = (usize::MAX, Instant::now());
    loop {
        let now = module.stats().translated_code_bytes;
        if now != last.0 {
            last = (now, Instant::now());
        } else if last.1.elapsed() > Duration::from_millis(300)
            || start.elapsed() > Duration::from_secs(60)
        {
            return now;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn two_cores() -> bool {
    std::thread::available_parallelism().is_ok_and(|n| n.get() > 1)
}

#[test]
fn callees_up_to_three_calls_away_are_translated_ahead() {
    let binary = wat::parse_str(chain_module()).unwrap();
    for background in [true, false] {
        let engine = engine(background, false);
        let (module, mut store, run) = start(&engine, &binary);
        assert!(module.stats().wasm_code_bytes >= 64 * 1024);
        // The guest enters `run` and `$f0` only.
        assert_eq!(run.call(&mut store, 7).unwrap(), expected(0));
        if background && two_cores() {
            // `$f1` (a direct callee of `$f0`), `$f2` and `$f3` follow.
            assert_eq!(wait_for(&module, 5), 5);
            std::thread::sleep(Duration::from_millis(50));
            assert_eq!(
                module.stats().translated_funcs,
                5,
                "no further than three calls"
            );
        } else {
            std::thread::sleep(Duration::from_millis(50));
            assert_eq!(module.stats().translated_funcs, 2);
        }
    }
}

/// Functions `$g0`..`$g{WIDE - 1}` that `run` calls only when its argument is 12345.
const WIDE: usize = 64;

/// A module whose `run` has many large direct callees that a usual call never reaches:
/// about 96 KiB of translated code each, 6 MiB in all.
fn wide_module() -> String {
    let padding = "(local.set 1 (i32.add (local.get 1) (i32.const 100000)))\n".repeat(4000);
    let calls: String = (0..WIDE)
        .map(|i| format!("(local.set 1 (i32.add (local.get 1) (call $g{i} (local.get 0))))"))
        .collect();
    let mut wat = format!(
        "(module
           (func $run (export \"run\") (param i32) (result i32) (local i32)
             (if (i32.eq (local.get 0) (i32.const 12345)) (then {calls}))
             (local.get 1))\n"
    );
    for i in 0..WIDE {
        wat.push_str(&format!(
            "(func $g{i} (param i32) (result i32) (local i32)
               {padding}
               (i32.add (local.get 1) (i32.const {i})))\n"
        ));
    }
    wat.push(')');
    wat
}

/// What `wide_module`'s `run` returns for 12345: the sum of what every `$g` returns.
fn wide_sum() -> i32 {
    (0..WIDE as i32)
        .map(|i| 4000i32.wrapping_mul(100000).wrapping_add(i))
        .fold(0i32, i32::wrapping_add)
}

/// The worker stays at most 4 MiB of code ahead of the guest (`ahead::UNENTERED_BUDGET`):
/// it stops translating callees that the guest has not entered once they hold that much,
/// and the guest still translates the rest when it calls them.
#[test]
fn the_worker_stays_a_bounded_amount_of_code_ahead() {
    if !two_cores() {
        return;
    }
    let binary = wat::parse_str(wide_module()).unwrap();
    let engine = engine(true, false);
    let (module, mut store, run) = start(&engine, &binary);
    assert_eq!(run.call(&mut store, 7).unwrap(), 0);
    let bytes = wait_until_idle(&module);
    let budget = 4 << 20;
    let per_function = bytes / module.stats().translated_funcs;
    assert!(
        bytes >= budget,
        "it translated up to the budget ({bytes} bytes)"
    );
    assert!(
        bytes <= budget + 2 * per_function,
        "{bytes} bytes translated, {per_function} per function"
    );
    assert!(module.stats().translated_funcs < WIDE + 1);
    // Every callee runs when called, the rest translated on the way.
    assert_eq!(run.call(&mut store, 12345).unwrap(), wide_sum());
    assert_eq!(module.stats().translated_funcs, WIDE + 1);
}

/// `wide_module`'s `$run` and `$g`s, and `chain_module`'s `$f`s, which only a second
/// export, `chain`, reaches.
fn wide_and_chain_module() -> String {
    let wide = wide_module();
    let chain = chain_module();
    let links = chain
        .lines()
        .skip_while(|l| !l.starts_with("(func $f0"))
        .collect::<Vec<_>>()
        .join("\n");
    let links = links
        .strip_suffix(')')
        .expect("the module's closing parenthesis");
    format!(
        "{}\n(func (export \"chain\") (param i32) (result i32) (call $f0 (local.get 0)))\n{links})",
        wide.strip_suffix(')')
            .expect("the module's closing parenthesis")
    )
}

/// Code the worker made for one instance and that a later instance runs counts as
/// entered, as it would had the first instance run it: the worker's budget is freed, and
/// it goes on translating ahead for the new instance. (Instances used to take such code
/// directly, without their entry being counted, and the worker stopped for good.)
#[test]
fn code_translated_ahead_for_one_instance_and_run_by_another_frees_the_budget() {
    if !two_cores() {
        return;
    }
    let binary = wat::parse_str(wide_and_chain_module()).unwrap();
    let engine = engine(true, false);
    let (module, mut first, run) = start(&engine, &binary);
    // The worker translates `$g`s until it is a budget ahead of the guest, which enters
    // none of them.
    assert_eq!(run.call(&mut first, 7).unwrap(), 0);
    wait_until_idle(&module);
    let ahead = module.stats().translated_funcs;
    assert!(
        ahead > 1 && ahead < WIDE + 1,
        "{ahead} functions translated"
    );
    // A second instance enters every `$g`.
    let mut second = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut second, &module)
        .unwrap();
    let run = instance.get_typed_func::<i32, i32>(&second, "run").unwrap();
    let chain = instance
        .get_typed_func::<i32, i32>(&second, "chain")
        .unwrap();
    assert_eq!(run.call(&mut second, 12345).unwrap(), wide_sum());
    assert_eq!(module.stats().translated_funcs, WIDE + 1);
    // Nothing is ahead of the guest now: entering `$f0` has `$f1`..`$f3` translated.
    assert_eq!(chain.call(&mut second, 7).unwrap(), expected(0));
    let want = WIDE + 1 + 1 + 4;
    assert_eq!(wait_for(&module, want), want);
}

#[test]
fn code_translated_ahead_traps_with_a_whole_backtrace() {
    let engine = engine(true, false);
    let (module, mut store, run) = start(&engine, &wat::parse_str(chain_module()).unwrap());
    assert_eq!(run.call(&mut store, 1).unwrap(), expected(0));
    if two_cores() {
        wait_for(&module, 5);
    }
    // Down the whole chain: `$f1`..`$f3` run the worker's code (when there is one), the
    // rest is translated on the way; the last link traps.
    let Error::Trap(trap) = run.call(&mut store, 0).unwrap_err() else {
        panic!("a trap");
    };
    assert_eq!(trap.code(), TrapCode::Unreachable);
    let names: Vec<_> = trap
        .backtrace()
        .iter()
        .map(|f| f.func_name.clone().unwrap_or_default())
        .collect();
    let mut want: Vec<String> = (0..LINKS).rev().map(|i| format!("f{i}")).collect();
    want.push("run".into());
    assert_eq!(names, want);
    // The store stays usable; every link now runs.
    assert_eq!(run.call(&mut store, 3).unwrap(), expected(0));
    assert_eq!(module.stats().translated_funcs, LINKS + 1);
}

#[test]
fn fuel_does_not_depend_on_who_translated() {
    let binary = wat::parse_str(chain_module()).unwrap();
    let used = |background: bool| {
        let engine = engine(background, true);
        let (module, mut store, run) = start(&engine, &binary);
        store.set_fuel(10_000_000).unwrap();
        assert_eq!(run.call(&mut store, 1).unwrap(), expected(0));
        if background && two_cores() {
            // `$f1`..`$f3` are translated before the guest first calls them.
            wait_for(&module, 5);
        }
        let err = run.call(&mut store, 0).unwrap_err();
        assert_eq!(err.trap_code(), Some(TrapCode::Unreachable));
        10_000_000 - store.get_fuel().unwrap()
    };
    assert_eq!(used(true), used(false));
}

#[test]
fn a_module_dropped_while_its_translator_works_goes_away() {
    // Many modules, each dropped right after its first call, while its thread may still
    // be translating: no hang, no crash, and the next ones work.
    let binary = wat::parse_str(chain_module()).unwrap();
    let engine = engine(true, false);
    for _ in 0..20 {
        let (_module, mut store, run) = start(&engine, &binary);
        assert_eq!(run.call(&mut store, 2).unwrap(), expected(0));
    }
}
