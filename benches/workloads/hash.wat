;; (i) i64 hashing over memory: per round, FNV-1a (64-bit) over a 4 KiB
;; buffer byte by byte, plus an xxHash64-style pass over the same buffer
;; eight bytes at a time (multiply, rotate, multiply). The buffer is
;; filled from an LCG first and one word is perturbed after every round.
(module
  (memory 1)
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $r i32) (local $x i64) (local $fnv i64) (local $xx i64) (local $acc i64)
    ;; fill 4 KiB with 64-bit LCG output
    (local.set $x (i64.const 0x853c49e6748fea9b))
    (block $d0 (loop $l0
      (br_if $d0 (i32.ge_u (local.get $i) (i32.const 4096)))
      (local.set $x (i64.add (i64.mul (local.get $x) (i64.const 6364136223846793005)) (i64.const 1442695040888963407)))
      (i64.store (local.get $i) (local.get $x))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br $l0)))
    (block $done (loop $round
      (br_if $done (i32.ge_u (local.get $r) (local.get $n)))
      ;; FNV-1a 64
      (local.set $fnv (i64.const 0xcbf29ce484222325))
      (local.set $i (i32.const 0))
      (block $d1 (loop $l1
        (br_if $d1 (i32.ge_u (local.get $i) (i32.const 4096)))
        (local.set $fnv
          (i64.mul (i64.xor (local.get $fnv) (i64.load8_u (local.get $i)))
                   (i64.const 0x100000001b3)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l1)))
      ;; xxHash64-like word loop
      (local.set $xx (i64.add (i64.extend_i32_u (local.get $r)) (i64.const 0x27d4eb2f165667c5)))
      (local.set $i (i32.const 0))
      (block $d2 (loop $l2
        (br_if $d2 (i32.ge_u (local.get $i) (i32.const 4096)))
        (local.set $xx
          (i64.mul
            (i64.rotl
              (i64.add (local.get $xx) (i64.mul (i64.load (local.get $i)) (i64.const 0xc2b2ae3d27d4eb4f)))
              (i64.const 31))
            (i64.const 0x9e3779b185ebca87)))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $l2)))
      ;; avalanche and fold
      (local.set $xx (i64.xor (local.get $xx) (i64.shr_u (local.get $xx) (i64.const 33))))
      (local.set $acc (i64.add (i64.rotl (local.get $acc) (i64.const 5)) (i64.xor (local.get $fnv) (local.get $xx))))
      ;; perturb one word so the next round hashes different data
      (i64.store (i32.and (i32.mul (local.get $r) (i32.const 8)) (i32.const 4088)) (local.get $acc))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $round)))
    (local.get $acc)))
