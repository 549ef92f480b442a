;; Loads and stores of every width over a 32-bit memory: the reference for
;; mem64.wat (the same kernel over a 64-bit memory, i64 addresses) and
;; mem_m1.wat (the same kernel over memory 1 of a two-memory module). The
;; three files are kept instruction for instruction in step: only the
;; address type (and, in mem_m1, the memory index) differs inside the loops.
;;
;; Per round (regions A = [0, 8192), B = [8192, 12288), D = [12288, 16384),
;; C = [16384, 20480)):
;;   1. memset(A + (r & 1023), r + 3k, 4096) one byte at a time (store8);
;;   2. memcpy(B, A + ((r * 7) & 1023), 4096) one byte at a time
;;      (load8_u, store8 offset=8192);
;;   3. memcpy(C, B, 4096) eight bytes at a time (i64 load/store at offsets);
;;   4. a mixed-width pass, one 32-bit word of D per word of C:
;;      D[p] = C[p] ^ rotl(load16_s(C + p + 2), 5) + load8_u(C + p + 3)
;;   5. folds a moving i64 of C and a moving load32_u of D into the checksum.
(module
  (memory 1)
  (func (export "run") (param $n i32) (result i64)
    (local $r i32) (local $p i32) (local $end i32) (local $src i32)
    (local $v i32) (local $acc i64)
    ;; clear A, B, D and C: the copies read what earlier rounds (or calls)
    ;; wrote, so start from a known state
    (local.set $p (i32.const 0))
    (loop $l0
      (i64.store (local.get $p) (i64.const 0))
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
        (i32.store8 (local.get $p) (local.get $v))
        (local.set $v (i32.add (local.get $v) (i32.const 3)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br_if $l1 (i32.lt_u (local.get $p) (local.get $end))))
      ;; 2. byte copy A -> B
      (local.set $src (i32.and (i32.mul (local.get $r) (i32.const 7)) (i32.const 1023)))
      (local.set $p (i32.const 0))
      (loop $l2
        (i32.store8 offset=8192 (local.get $p)
          (i32.load8_u (i32.add (local.get $src) (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br_if $l2 (i32.lt_u (local.get $p) (i32.const 4096))))
      ;; 3. word copy B -> C
      (local.set $p (i32.const 0))
      (loop $l3
        (i64.store offset=16384 (local.get $p) (i64.load offset=8192 (local.get $p)))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br_if $l3 (i32.lt_u (local.get $p) (i32.const 4096))))
      ;; 4. mixed widths C -> D
      (local.set $p (i32.const 0))
      (loop $l4
        (i32.store offset=12288 (local.get $p)
          (i32.add
            (i32.xor
              (i32.load offset=16384 (local.get $p))
              (i32.rotl (i32.load16_s offset=16386 (local.get $p)) (i32.const 5)))
            (i32.load8_u offset=16387 (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br_if $l4 (i32.lt_u (local.get $p) (i32.const 4096))))
      ;; 5. checksum
      (local.set $acc
        (i64.add
          (i64.mul (local.get $acc) (i64.const 31))
          (i64.xor
            (i64.load offset=16384
              (i32.and (i32.mul (local.get $r) (i32.const 8)) (i32.const 4088)))
            (i64.load32_u offset=12288
              (i32.and (i32.mul (local.get $r) (i32.const 12)) (i32.const 4092))))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $round)))
    (local.get $acc)))
