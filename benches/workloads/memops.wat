;; (g) memset/memcpy-style byte loops: per round, a byte-wise memset of
;; 4 KiB, a byte-wise memcpy of 4 KiB and a word-wise (i64) copy of 4 KiB,
;; at shifting offsets. Exercises loads/stores with bounds checks.
;; Region A = [0, 8192), B = [8192, 12288), C = [16384, 20480).
(module
  (memory 1)
  (func (export "run") (param $n i32) (result i64)
    (local $r i32) (local $i i32) (local $src i32) (local $dst i32) (local $acc i64)
    ;; clear region A first: the copies below read bytes the memsets of
    ;; earlier rounds (or earlier calls) wrote, so start from a known state
    (block $d0 (loop $l0
      (br_if $d0 (i32.ge_u (local.get $i) (i32.const 8192)))
      (i64.store (local.get $i) (i64.const 0))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br $l0)))
    (block $done (loop $round
      (br_if $done (i32.ge_u (local.get $r) (local.get $n)))
      ;; memset(A + (r & 1023), r, 4096), one byte at a time
      (local.set $dst (i32.and (local.get $r) (i32.const 1023)))
      (local.set $i (i32.const 0))
      (block $d1 (loop $l1
        (br_if $d1 (i32.ge_u (local.get $i) (i32.const 4096)))
        (i32.store8 (i32.add (local.get $dst) (local.get $i)) (i32.add (local.get $r) (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l1)))
      ;; memcpy(B, A + ((r * 7) & 1023), 4096), one byte at a time
      (local.set $src (i32.and (i32.mul (local.get $r) (i32.const 7)) (i32.const 1023)))
      (local.set $i (i32.const 0))
      (block $d2 (loop $l2
        (br_if $d2 (i32.ge_u (local.get $i) (i32.const 4096)))
        (i32.store8 offset=8192 (local.get $i)
          (i32.load8_u (i32.add (local.get $src) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l2)))
      ;; memcpy(C, B, 4096), eight bytes at a time
      (local.set $i (i32.const 0))
      (block $d3 (loop $l3
        (br_if $d3 (i32.ge_u (local.get $i) (i32.const 4096)))
        (i64.store offset=16384 (local.get $i) (i64.load offset=8192 (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $l3)))
      ;; fold a word of C that moves with the round into the checksum
      (local.set $acc
        (i64.add (i64.mul (local.get $acc) (i64.const 31))
          (i64.load offset=16384 (i32.and (i32.mul (local.get $r) (i32.const 8)) (i32.const 4088)))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $round)))
    (local.get $acc)))
