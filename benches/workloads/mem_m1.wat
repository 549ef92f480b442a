;; mem32.wat over memory 1 of a two-memory module (multi-memory): the same
;; kernel, instruction for instruction, every load and store naming memory
;; $m1; memory $m0 exists (one page) but is never touched. See mem32.wat.
(module
  (memory $m0 1)
  (memory $m1 1)
  (func (export "run") (param $n i32) (result i64)
    (local $r i32) (local $p i32) (local $end i32) (local $src i32)
    (local $v i32) (local $acc i64)
    ;; clear A, B, D and C: the copies read what earlier rounds (or calls)
    ;; wrote, so start from a known state
    (local.set $p (i32.const 0))
    (loop $l0
      (i64.store $m1 (local.get $p) (i64.const 0))
      (local.set $p (i32.add (local.get $p) (i32.const 8)))
      (br_if $l0 (i32.lt_u (local.get $p) (i32.const 20480))))
    (local.set $r (i32.const 0))
    (block $done (loop $round
      (br_if $done (i32.ge_u (local.get $r) (local.get $n)))
      ;; 1. memset
      (local.set $v (local.get $r))
      (local.set $p (i32.and (local.get $r) (i32.const 1023)))
      (local.set $end (i32.add (local.get $p) (i32.const 4096)))
      (loop $l1
        (i32.store8 $m1 (local.get $p) (local.get $v))
        (local.set $v (i32.add (local.get $v) (i32.const 3)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br_if $l1 (i32.lt_u (local.get $p) (local.get $end))))
      ;; 2. byte copy A -> B
      (local.set $src (i32.and (i32.mul (local.get $r) (i32.const 7)) (i32.const 1023)))
      (local.set $p (i32.const 0))
      (loop $l2
        (i32.store8 $m1 offset=8192 (local.get $p)
          (i32.load8_u $m1 (i32.add (local.get $src) (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br_if $l2 (i32.lt_u (local.get $p) (i32.const 4096))))
      ;; 3. word copy B -> C
      (local.set $p (i32.const 0))
      (loop $l3
        (i64.store $m1 offset=16384 (local.get $p) (i64.load $m1 offset=8192 (local.get $p)))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br_if $l3 (i32.lt_u (local.get $p) (i32.const 4096))))
      ;; 4. mixed widths C -> D
      (local.set $p (i32.const 0))
      (loop $l4
        (i32.store $m1 offset=12288 (local.get $p)
          (i32.add
            (i32.xor
              (i32.load $m1 offset=16384 (local.get $p))
              (i32.rotl (i32.load16_s $m1 offset=16386 (local.get $p)) (i32.const 5)))
            (i32.load8_u $m1 offset=16387 (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br_if $l4 (i32.lt_u (local.get $p) (i32.const 4096))))
      ;; 5. checksum
      (local.set $acc
        (i64.add
          (i64.mul (local.get $acc) (i64.const 31))
          (i64.xor
            (i64.load $m1 offset=16384
              (i32.and (i32.mul (local.get $r) (i32.const 8)) (i32.const 4088)))
            (i64.load32_u $m1 offset=12288
              (i32.and (i32.mul (local.get $r) (i32.const 12)) (i32.const 4092))))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $round)))
    (local.get $acc)))
