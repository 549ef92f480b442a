;; (a) Dispatch-heavy integer loop: a mix of cheap i32/i64 arithmetic,
;; shifts, rotates, compares and `select`, with every value kept in locals.
;; There is almost no memory traffic and no calls, so the time is dominated
;; by instruction dispatch.
(module
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $a i32) (local $b i32) (local $c i64) (local $d i64)
    (local.set $a (i32.const 0x12345678))
    (local.set $b (i32.const 0x09abcdef))
    (local.set $c (i64.const 0x0123456789abcdef))
    (block $done
      (loop $top
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        ;; xorshift32 on $a
        (local.set $a (i32.xor (local.get $a) (i32.shl (local.get $a) (i32.const 13))))
        (local.set $a (i32.xor (local.get $a) (i32.shr_u (local.get $a) (i32.const 17))))
        (local.set $a (i32.xor (local.get $a) (i32.shl (local.get $a) (i32.const 5))))
        ;; LCG on $b
        (local.set $b (i32.add (i32.mul (local.get $b) (i32.const 1664525)) (i32.const 1013904223)))
        ;; fold both into the 64-bit accumulators
        (local.set $c (i64.add (local.get $c) (i64.extend_i32_u (i32.xor (local.get $a) (local.get $b)))))
        (local.set $c (i64.rotl (local.get $c) (i64.const 7)))
        (local.set $d
          (i64.add (local.get $d)
            (select
              (i64.sub (local.get $c) (local.get $d))
              (i64.mul (local.get $c) (i64.const 3))
              (i32.lt_u (local.get $a) (local.get $b)))))
        ;; an unsigned division and remainder by a never-zero divisor
        (local.set $d
          (i64.xor (local.get $d)
            (i64.extend_i32_u
              (i32.add
                (i32.div_u (local.get $a) (i32.or (i32.and (local.get $b) (i32.const 0xff)) (i32.const 1)))
                (i32.rem_u (local.get $b) (i32.const 1000))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $top)))
    ;; $d often tracks $c closely (select picks c - d), so fold it in
    ;; rotated rather than xor-ing the two (which would cancel out)
    (i64.add (local.get $c) (i64.rotl (local.get $d) (i64.const 17)))))
