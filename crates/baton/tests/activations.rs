//! Where an activation's frames begin and end when activations nest (a host function
//! calling back into Wasm) and when calls are suspended (`call_resumable`): the unwinder
//! and the collector stop at an activation's first frame even when its outermost function
//! tail-called into another instance, a host function's abandoned suspended calls leave
//! no frames behind, and a suspended call whose frames are gone cannot be resumed on
//! someone else's.

use baton::*;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;

const THROWER: &str = r#"(module
  (tag $t (export "t") (param i32))
  (func (export "throw") (param i32) (throw $t (local.get 0))))"#;

const CALLER: &str = r#"(module
  (import "b" "t" (tag $t (param i32)))
  (import "b" "throw" (func $throw (param i32)))
  (import "host" "h" (func $h (result i32)))
  ;; The activation's outermost function tail-calls into the other instance.
  (func (export "f") (param i32) (return_call $throw (local.get 0)))
  (func $mid (result i32) (call $h))
  ;; Catches `t` around a call that reaches the host, which calls `f` in a nested
  ;; activation: `f`'s exception must come back to the host, not land here.
  (func (export "outer") (result i32)
    (block $caught (result i32)
      (try_table (catch $t $caught) (return (call $mid)))
      (unreachable))
    (i32.add (i32.const 1000))))"#;

/// `callee` instantiated and linked as "b", the host functions `host` defines, then
/// `caller`, whose instance is returned.
fn two_instances(
    callee: &str,
    caller: &str,
    host: impl FnOnce(&mut Linker<()>),
) -> (Store<()>, Instance) {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    let b = linker
        .instantiate(&mut store, &Module::new(&engine, callee).unwrap())
        .unwrap();
    linker.instance(&mut store, "b", b).unwrap();
    host(&mut linker);
    let a = linker
        .instantiate(&mut store, &Module::new(&engine, caller).unwrap())
        .unwrap();
    (store, a)
}

/// A cross-instance tail call from an activation's outermost function (the activation's
/// first frame is its caller's): an uncaught exception ends that activation, nested in a
/// host call, at that frame.
#[test]
fn exception_from_tail_call_into_other_instance_stops_at_activation() {
    let seen = Arc::new(AtomicI32::new(0));
    let seen2 = seen.clone();
    let (mut store, a) = two_instances(THROWER, CALLER, move |linker| {
        linker
            .func_new(
                "host",
                "h",
                FuncType::new([], [ValType::I32]),
                move |mut caller, _, results| {
                    let Some(Extern::Func(f)) = caller.get_export("f") else {
                        panic!("no f")
                    };
                    match f.call(&mut caller, &[Val::I32(5)], &mut []) {
                        Err(Error::Exception(_)) => {
                            seen2.store(1, Ordering::SeqCst);
                            results[0] = Val::I32(100);
                            Ok(())
                        }
                        other => {
                            seen2.store(2, Ordering::SeqCst);
                            // Stop the outer activation: its frames are not to be trusted.
                            Err(Error::Usage(format!("nested call gave {other:?}")))
                        }
                    }
                },
            )
            .unwrap();
    });
    let outer = a.get_typed_func::<(), i32>(&store, "outer").unwrap();
    let r = outer.call(&mut store, ());
    assert_eq!(
        seen.load(Ordering::SeqCst),
        1,
        "the nested call's exception did not reach the host; outer gave {r:?}"
    );
    assert_eq!(r.unwrap(), 100);
}

/// The same at the outermost activation: nothing below the sentinel frame.
#[test]
fn exception_from_tail_call_into_other_instance_at_top_level() {
    let (mut store, a) = two_instances(THROWER, CALLER, |linker| {
        linker.func_wrap("host", "h", || -> i32 { 0 }).unwrap();
    });
    let f = a.get_func(&store, "f").unwrap();
    for _ in 0..3 {
        let err = f.call(&mut store, &[Val::I32(5)], &mut []).unwrap_err();
        let Error::Exception(exn) = err else {
            panic!("expected the exception, got {err:?}")
        };
        assert_eq!(exn.payload(&store)[0].i32(), Some(5));
    }
    // The store still works.
    let outer = a.get_typed_func::<(), i32>(&store, "outer").unwrap();
    assert_eq!(outer.call(&mut store, ()).unwrap(), 0);
}

const CHURNER: &str = r#"(module
  (type $a (array (mut i64)))
  ;; Garbage: `n` arrays of 1024 elements (several collections' worth for n = 3000).
  (func (export "churn") (param $n i32)
    (loop $l
      (drop (array.new_default $a (i32.const 1024)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))"#;

const HOLDER: &str = r#"(module
  (type $s (struct (field i64)))
  (import "b" "churn" (func $churn (param i32)))
  (import "host" "h" (func $h))
  ;; The activation's outermost function tail-calls into the other instance.
  (func (export "f") (param i32) (return_call $churn (local.get 0)))
  ;; Holds a structure in a local while the host runs `f` in a nested activation.
  (func (export "outer") (result i64)
    (local $mine (ref null $s))
    (local.set $mine (struct.new $s (i64.const 77)))
    (call $h)
    (struct.get $s 0 (local.get $mine))))"#;

/// The collector's walk stops at the nested activation's first frame after a
/// cross-instance tail call from its outermost function, and goes on with the host call's
/// recorded caller (whose local holds a structure).
#[test]
fn collection_in_tail_call_into_other_instance_keeps_outer_roots() {
    let (mut store, a) = two_instances(CHURNER, HOLDER, |linker| {
        linker
            .func_new("host", "h", FuncType::new([], []), |mut caller, _, _| {
                let Some(Extern::Func(f)) = caller.get_export("f") else {
                    panic!("no f")
                };
                f.call(&mut caller, &[Val::I32(3000)], &mut [])
            })
            .unwrap();
    });
    let outer = a.get_typed_func::<(), i64>(&store, "outer").unwrap();
    let before = store.gc_stats();
    let r = outer.call(&mut store, ()).unwrap();
    let after = store.gc_stats();
    assert_eq!(r, 77, "gc stats before {before:?}, after {after:?}");
}

/// `spin` suspends (its host function `stop` fails) two calls deep and then adds 1 to
/// `g`; `spin2` calls `spin`, then adds 100; `outer` adds 7 to what the host function `h`
/// returns.
const SUSPENDER: &str = r#"(module
  (import "host" "h" (func $h (result i32)))
  (import "host" "stop" (func $stop))
  (global $g (export "g") (mut i32) (i32.const 0))
  (func $deep (call $stop))
  (func $spin (export "spin") (call $deep) (global.set $g (i32.add (global.get $g) (i32.const 1))))
  (func (export "spin2") (call $spin) (global.set $g (i32.add (global.get $g) (i32.const 100))))
  (func (export "outer") (result i32) (i32.add (call $h) (i32.const 7))))"#;

/// An instance of `SUSPENDER` whose `h` starts `spin` as a resumable call, which
/// suspends, and returns what `then` makes of the suspended call.
fn suspending(
    then: impl Fn(ResumableInvocation) -> Result<i32, Error> + Send + Sync + 'static,
) -> (Store<()>, Instance) {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .func_new("host", "stop", FuncType::new([], []), |_, _, _| {
            Err(Error::Usage("suspend".into()))
        })
        .unwrap();
    linker
        .func_new(
            "host",
            "h",
            FuncType::new([], [ValType::I32]),
            move |mut caller, _, results| {
                let Some(Extern::Func(spin)) = caller.get_export("spin") else {
                    panic!("no spin")
                };
                let ResumableCall::HostTrap(suspended) =
                    spin.call_resumable(&mut caller, &[], &mut []).unwrap()
                else {
                    panic!("expected a suspension")
                };
                results[0] = Val::I32(then(suspended)?);
                Ok(())
            },
        )
        .unwrap();
    let m = linker
        .instantiate(&mut store, &Module::new(&engine, SUSPENDER).unwrap())
        .unwrap();
    (store, m)
}

/// A host function that starts a resumable call, which suspends, and returns without
/// resuming it: the code that called the host function goes on with its own frames.
#[test]
fn host_returns_while_nested_resumable_call_is_suspended() {
    let (mut store, m) = suspending(|suspended| {
        drop(suspended);
        Ok(1)
    });
    let outer = m.get_typed_func::<(), i32>(&store, "outer").unwrap();
    let r = outer.call(&mut store, ());
    let g = m.get_global(&store, "g").unwrap().get(&store);
    assert_eq!(
        (r.ok(), g.i32()),
        (Some(8), Some(0)),
        "the suspended call's code must not run when the host function returns"
    );
}

/// A call suspended inside a host function whose activation then failed (its frames are
/// gone) must not be resumable later on another suspended call's frames.
#[test]
fn stale_invocation_is_not_resumed_on_other_frames() {
    use std::sync::Mutex;
    let stash: Arc<Mutex<Option<ResumableInvocation>>> = Arc::new(Mutex::new(None));
    let stash2 = stash.clone();
    let (mut store, m) = suspending(move |suspended| {
        *stash2.lock().unwrap() = Some(suspended);
        Err(Error::Usage("give up".into()))
    });
    let outer = m.get_typed_func::<(), i32>(&store, "outer").unwrap();
    assert!(outer.call(&mut store, ()).is_err());
    let stale = stash.lock().unwrap().take().unwrap();
    // Another suspension, at the same depth of frames.
    let spin2 = m.get_func(&store, "spin2").unwrap();
    let ResumableCall::HostTrap(live) = spin2.call_resumable(&mut store, &[], &mut []).unwrap()
    else {
        panic!("expected a suspension")
    };
    let r = stale.resume(&mut store, &[], &mut []);
    let g = m.get_global(&store, "g").unwrap().get(&store).i32();
    assert!(
        r.is_err() && g == Some(0),
        "stale invocation resumed: {:?}, g = {g:?}",
        r.as_ref().map(|c| matches!(c, ResumableCall::Finished))
    );
    // The live one still completes.
    assert!(matches!(
        live.resume(&mut store, &[], &mut []).unwrap(),
        ResumableCall::Finished
    ));
    assert_eq!(
        m.get_global(&store, "g").unwrap().get(&store).i32(),
        Some(101)
    );
}

/// Suspended calls dropped without being resumed give their frames and stack back: a
/// store that drops many of them goes on running (it ran out of stack after about 50,000).
/// A call still suspended below the dropped ones keeps its frames and resumes.
#[test]
fn dropped_invocations_give_their_stack_back() {
    let (mut store, m) = suspending(|_| Ok(1));
    let spin = m.get_func(&store, "spin").unwrap();
    let spin2 = m.get_func(&store, "spin2").unwrap();
    let ResumableCall::HostTrap(kept) = spin2.call_resumable(&mut store, &[], &mut []).unwrap()
    else {
        panic!("expected a suspension")
    };
    for i in 0..200_000 {
        match spin.call_resumable(&mut store, &[], &mut []) {
            Ok(ResumableCall::HostTrap(dropped)) => drop(dropped),
            Ok(_) => panic!("expected a suspension"),
            Err(e) => panic!("call {i} after {i} dropped suspensions failed: {e:?}"),
        }
    }
    // Two dropped in a row (the newer above the older) are both given back.
    let ResumableCall::HostTrap(a) = spin.call_resumable(&mut store, &[], &mut []).unwrap() else {
        panic!("expected a suspension")
    };
    let ResumableCall::HostTrap(b) = spin.call_resumable(&mut store, &[], &mut []).unwrap() else {
        panic!("expected a suspension")
    };
    drop(a);
    drop(b);
    // One dropped right before the kept one resumes is out of its way too.
    let ResumableCall::HostTrap(c) = spin.call_resumable(&mut store, &[], &mut []).unwrap() else {
        panic!("expected a suspension")
    };
    drop(c);
    // The call kept all along still resumes where it stopped: spin's `+1`, spin2's `+100`.
    let done = kept.resume(&mut store, &[], &mut []).unwrap();
    assert!(matches!(done, ResumableCall::Finished));
    let g = |store: &Store<()>| m.get_global(store, "g").unwrap().get(store).i32();
    assert_eq!(g(&store), Some(101));
    // `outer`'s host function suspends `spin` too and drops it (`then` gives 1).
    let outer = m.get_typed_func::<(), i32>(&store, "outer").unwrap();
    assert_eq!(outer.call(&mut store, ()).unwrap(), 8);
    assert_eq!(g(&store), Some(101));
}
