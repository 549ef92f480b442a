//! The collector against a safe model: random programs make, link, unlink and drop objects
//! (the roots are a Wasm table, the garbage is made between steps), and after every
//! collection the heap must hold exactly the objects the model can reach, with the links
//! and values the model says.

use baton::{Engine, Instance, Linker, Module, Store, TypedFunc};

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

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// The model: every node ever made, and the root slots.
#[derive(Default)]
struct Model {
    nodes: Vec<(i64, [Option<usize>; 2])>,
    roots: [Option<usize>; 16],
}

impl Model {
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

struct Graph {
    new: TypedFunc<(i32, i64), ()>,
    link: TypedFunc<(i32, i32, i32), ()>,
    descend: TypedFunc<(i32, i32, i32), ()>,
    clear: TypedFunc<i32, ()>,
    walk: TypedFunc<(i32, i64, i32), i64>,
    junk: TypedFunc<i32, ()>,
}

fn graph(store: &mut Store<()>, engine: &Engine) -> Graph {
    let module = Module::new(engine, GRAPH).unwrap();
    let inst: Instance = Linker::new(engine)
        .instantiate(&mut *store, &module)
        .unwrap();
    Graph {
        new: inst.get_typed_func(&*store, "new").unwrap(),
        link: inst.get_typed_func(&*store, "link").unwrap(),
        descend: inst.get_typed_func(&*store, "descend").unwrap(),
        clear: inst.get_typed_func(&*store, "clear").unwrap(),
        walk: inst.get_typed_func(&*store, "walk").unwrap(),
        junk: inst.get_typed_func(&*store, "junk").unwrap(),
    }
}

/// Runs `steps` random operations from `seed`, checking the heap against the model at
/// every explicit collection; returns the collections that started by themselves.
fn run(seed: u64, steps: usize, junk: i32) -> u64 {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let g = graph(&mut store, &engine);
    let mut rng = Rng(seed);
    let mut model = Model::default();
    for step in 0..steps {
        let slot = rng.below(16) as usize;
        match rng.below(10) {
            0..=2 => {
                let v = rng.next() as i64 >> 1;
                g.new.call(&mut store, (slot as i32, v)).unwrap();
                model.nodes.push((v, [None, None]));
                model.roots[slot] = Some(model.nodes.len() - 1);
            }
            3..=5 => {
                let (side, b) = (rng.below(2) as usize, rng.below(16) as usize);
                g.link
                    .call(&mut store, (slot as i32, side as i32, b as i32))
                    .unwrap();
                if let Some(a) = model.roots[slot] {
                    model.nodes[a].1[side] = model.roots[b];
                }
            }
            6..=7 => {
                let (side, dst) = (rng.below(2) as usize, rng.below(16) as usize);
                g.descend
                    .call(&mut store, (slot as i32, side as i32, dst as i32))
                    .unwrap();
                model.roots[dst] = model.roots[slot].and_then(|a| model.nodes[a].1[side]);
            }
            8 => {
                g.clear.call(&mut store, slot as i32).unwrap();
                model.roots[slot] = None;
            }
            _ => g.junk.call(&mut store, junk).unwrap(),
        }
        if step % 50 == 49 {
            store.gc();
            assert_eq!(
                store.gc_stats().objects,
                model.reachable(),
                "seed {seed}, step {step}: the heap holds what the model reaches"
            );
            for _ in 0..8 {
                let (s, path, len) = (rng.below(16) as usize, rng.next(), rng.below(12) as u32);
                let got = g
                    .walk
                    .call(&mut store, (s as i32, path as i64, len as i32))
                    .unwrap();
                assert_eq!(got, model.walk(s, path, len), "seed {seed}, step {step}");
            }
        }
    }
    store.gc_stats().collections - (steps / 50) as u64
}

#[test]
fn random_object_graphs_survive_collections_exactly() {
    let seeds = if cfg!(miri) { 1 } else { 10 };
    let mut automatic = 0;
    for seed in 0..seeds {
        let steps = if cfg!(miri) { 100 } else { 2_000 };
        // Enough garbage between the steps that collections also start by themselves.
        automatic += run(seed, steps, if cfg!(miri) { 1 } else { 200 });
    }
    assert!(automatic > 0 || cfg!(miri));
}
