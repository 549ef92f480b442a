//! The GC collector against a safe model: a program of random operations makes, links,
//! unlinks and drops objects (the roots are a Wasm table; garbage is made between steps),
//! and after every collection the heap must hold exactly the objects the model can reach,
//! with the links and values the model says.
//!
//! [`check`] reads the operations from bytes, so that a seeded test (`tests/gc_graph.rs`)
//! and a coverage-guided fuzz target (`fuzz/fuzz_targets/gc_graph.rs`) drive the same
//! checker.

use baton::{Engine, Linker, Module, Store, TypedFunc};

const GRAPH: &str = r#"(module
  (type $n (struct (field $v i64) (field $l (mut (ref null $n))) (field $r (mut (ref null $n)))))
  (type $junk (array (mut i64)))
  (table $roots 16 (ref null $n))
  (func (export "new") (param $slot i32) (param $v i64)
    (table.set $roots (local.get $slot)
      (struct.new $n (local.get $v) (ref.null $n) (ref.null $n))))
  ;; roots[a].side = roots[b] (nothing if roots[a] is null).
  (func (export "link") (param $a i32) (param $side i32) (param $b i32)
    (local $o (ref null $n))
    (local.set $o (table.get $roots (local.get $a)))
    (if (ref.is_null (local.get $o)) (then (return)))
    (if (local.get $side)
      (then (struct.set $n $r (local.get $o) (table.get $roots (local.get $b))))
      (else (struct.set $n $l (local.get $o) (table.get $roots (local.get $b))))))
  ;; roots[dst] = roots[a].side (null if roots[a] is null).
  (func (export "descend") (param $a i32) (param $side i32) (param $dst i32)
    (local $o (ref null $n))
    (local.set $o (table.get $roots (local.get $a)))
    (table.set $roots (local.get $dst)
      (if (result (ref null $n)) (ref.is_null (local.get $o))
        (then (ref.null $n))
        (else (if (result (ref null $n)) (local.get $side)
          (then (struct.get $n $r (local.get $o)))
          (else (struct.get $n $l (local.get $o))))))))
  (func (export "clear") (param $slot i32)
    (table.set $roots (local.get $slot) (ref.null $n)))
  ;; The value at the end of `len` steps from roots[slot] (bit i of `path`: right), or -1
  ;; where the path meets null.
  (func (export "walk") (param $slot i32) (param $path i64) (param $len i32) (result i64)
    (local $o (ref null $n))
    (local.set $o (table.get $roots (local.get $slot)))
    (block $null
      (loop $step
        (br_if $null (ref.is_null (local.get $o)))
        (if (i32.eqz (local.get $len)) (then (return (struct.get $n $v (local.get $o)))))
        (local.set $o (if (result (ref null $n)) (i32.wrap_i64 (i64.and (local.get $path) (i64.const 1)))
          (then (struct.get $n $r (local.get $o)))
          (else (struct.get $n $l (local.get $o)))))
        (local.set $path (i64.shr_u (local.get $path) (i64.const 1)))
        (local.set $len (i32.sub (local.get $len) (i32.const 1)))
        (br $step)))
    (i64.const -1))
  ;; Garbage between the steps: `n` arrays of 2000 elements (automatic collections run).
  (func (export "junk") (param $n i32)
    (loop $l
      (if (local.get $n) (then
        (drop (array.new_default $junk (i32.const 2000)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))))
)"#;

/// The model: every node ever made, and the root slots.
#[derive(Default)]
struct Model {
    nodes: Vec<(i64, [Option<usize>; 2])>,
    roots: [Option<usize>; 16],
}

impl Model {
    /// How many nodes the roots reach.
    fn reachable(&self) -> usize {
        let mut seen = vec![false; self.nodes.len()];
        let mut work: Vec<usize> = self.roots.iter().flatten().copied().collect();
        let mut count = 0;
        while let Some(n) = work.pop() {
            if !std::mem::replace(&mut seen[n], true) {
                count += 1;
                work.extend(self.nodes[n].1.iter().flatten());
            }
        }
        count
    }

    /// What `walk` returns (see the module's Wasm).
    fn walk(&self, slot: usize, path: u64, len: u32) -> i64 {
        let mut at = self.roots[slot];
        for i in 0..len {
            match at {
                Some(n) => at = self.nodes[n].1[(path >> i & 1) as usize],
                None => return -1,
            }
        }
        at.map_or(-1, |n| self.nodes[n].0)
    }
}

/// The graph module's exports.
struct Graph {
    new: TypedFunc<(i32, i64), ()>,
    link: TypedFunc<(i32, i32, i32), ()>,
    descend: TypedFunc<(i32, i32, i32), ()>,
    clear: TypedFunc<i32, ()>,
    walk: TypedFunc<(i32, i64, i32), i64>,
    junk: TypedFunc<i32, ()>,
}

/// Reads the operations' bytes; past the end, zeros.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        *first
    }
    fn u64(&mut self) -> u64 {
        (0..8).fold(0, |v, _| v << 8 | self.u8() as u64)
    }
    fn slot(&mut self) -> usize {
        (self.u8() % 16) as usize
    }
}

/// What a run did.
#[derive(Clone, Copy, Debug, Default)]
pub struct GraphRun {
    /// Operations run.
    pub steps: usize,
    /// Collections checked against the model (one every 50 steps and one at the end).
    pub checks: u64,
    /// Collections that started by themselves (the heap's threshold).
    pub automatic: u64,
}

/// Runs the operations `ops` encodes (a kind byte and its operands each, until the bytes
/// end), making `junk` arrays of garbage at each garbage step; panics where the heap and
/// the model disagree.
pub fn check(ops: &[u8], junk: i32) -> GraphRun {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let module = Module::new(&engine, GRAPH).expect("the graph module is valid");
    let inst = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .expect("instantiates");
    let get = |name: &str| inst.get_func(&store, name).expect("exported");
    let g = Graph {
        new: get("new").typed(&store).expect("typed"),
        link: get("link").typed(&store).expect("typed"),
        descend: get("descend").typed(&store).expect("typed"),
        clear: get("clear").typed(&store).expect("typed"),
        walk: get("walk").typed(&store).expect("typed"),
        junk: get("junk").typed(&store).expect("typed"),
    };
    let mut input = Bytes(ops);
    let mut model = Model::default();
    let mut run = GraphRun::default();
    let verify =
        |store: &mut Store<()>, model: &Model, input: &mut Bytes<'_>, run: &mut GraphRun| {
            store.gc();
            run.checks += 1;
            let step = run.steps;
            assert_eq!(
                store.gc_stats().objects,
                model.reachable(),
                "step {step}: the heap holds exactly what the model reaches"
            );
            for _ in 0..8 {
                let (s, path, len) = (input.slot(), input.u64(), (input.u8() % 12) as u32);
                let got = g
                    .walk
                    .call(&mut *store, (s as i32, path as i64, len as i32))
                    .expect("walk");
                assert_eq!(got, model.walk(s, path, len), "step {step}: walk");
            }
        };
    while !input.0.is_empty() {
        let slot = input.slot();
        match input.u8() % 10 {
            0..=2 => {
                let v = input.u64() as i64 >> 1;
                g.new.call(&mut store, (slot as i32, v)).expect("new");
                model.nodes.push((v, [None, None]));
                model.roots[slot] = Some(model.nodes.len() - 1);
            }
            3..=5 => {
                let (side, b) = ((input.u8() & 1) as usize, input.slot());
                g.link
                    .call(&mut store, (slot as i32, side as i32, b as i32))
                    .expect("link");
                if let Some(a) = model.roots[slot] {
                    model.nodes[a].1[side] = model.roots[b];
                }
            }
            6..=7 => {
                let (side, dst) = ((input.u8() & 1) as usize, input.slot());
                g.descend
                    .call(&mut store, (slot as i32, side as i32, dst as i32))
                    .expect("descend");
                model.roots[dst] = model.roots[slot].and_then(|a| model.nodes[a].1[side]);
            }
            8 => {
                g.clear.call(&mut store, slot as i32).expect("clear");
                model.roots[slot] = None;
            }
            _ => g.junk.call(&mut store, junk).expect("junk"),
        }
        run.steps += 1;
        if run.steps % 50 == 0 {
            verify(&mut store, &model, &mut input, &mut run);
        }
    }
    verify(&mut store, &model, &mut input, &mut run);
    run.automatic = store.gc_stats().collections - run.checks;
    run
}
