;; (f) Sieve of Eratosthenes over a byte array in linear memory.
;; `run(n)` sieves the numbers below `n` (growing memory as needed) and
;; returns the prime count in the high 32 bits and the low 32 bits of the
;; sum of all primes in the low half.
(module
  (memory 1)
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $j i32) (local $need i32) (local $count i64) (local $sum i64)
    ;; pages needed for n bytes, grown once (memory.grow is a no-op on re-runs)
    (local.set $need (i32.shr_u (i32.add (local.get $n) (i32.const 0xffff)) (i32.const 16)))
    (if (i32.gt_u (local.get $need) (memory.size))
      (then (drop (memory.grow (i32.sub (local.get $need) (memory.size))))))
    ;; mark everything as prime candidate (1)
    (local.set $i (i32.const 0))
    (block $d0 (loop $l0
      (br_if $d0 (i32.ge_u (local.get $i) (local.get $n)))
      (i32.store8 (local.get $i) (i32.const 1))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l0)))
    ;; cross off multiples
    (local.set $i (i32.const 2))
    (block $d1 (loop $l1
      (br_if $d1 (i32.ge_u (i32.mul (local.get $i) (local.get $i)) (local.get $n)))
      (if (i32.load8_u (local.get $i))
        (then
          (local.set $j (i32.mul (local.get $i) (local.get $i)))
          (block $d2 (loop $l2
            (br_if $d2 (i32.ge_u (local.get $j) (local.get $n)))
            (i32.store8 (local.get $j) (i32.const 0))
            (local.set $j (i32.add (local.get $j) (local.get $i)))
            (br $l2)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l1)))
    ;; count and sum
    (local.set $i (i32.const 2))
    (block $d3 (loop $l3
      (br_if $d3 (i32.ge_u (local.get $i) (local.get $n)))
      (if (i32.load8_u (local.get $i))
        (then
          (local.set $count (i64.add (local.get $count) (i64.const 1)))
          (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_u (local.get $i))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l3)))
    (i64.or (i64.shl (local.get $count) (i64.const 32))
            (i64.and (local.get $sum) (i64.const 0xffffffff)))))
