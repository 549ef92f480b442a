;; (s2) f32x4 kernel: 4x4 matrix times 512 vec4s, renormalised, per round.
;; Each vertex v is transformed r = m0*v.x + m1*v.y + m2*v.z + m3*v.w (lanes
;; broadcast with i8x16.shuffle, as compiled C does), scaled by
;; 1/sqrt(r.r + 1) (a horizontal sum by two shuffles), clamped to [-1, 1] with
;; min/max, nudged by a constant and stored back; an f32x4 accumulator sums
;; the stored vectors. The matrix changes every round. Returns the raw bits
;; of a weighted sum of the accumulators (engines must agree bit for bit).
;; Operators: v128 load/store/const, i8x16.shuffle, f32x4 add/sub/mul/div/
;; sqrt/min/max/splat/convert_i32x4_s, i32x4.splat, i64x2.extract_lane.
(module
  (memory 1)
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $r i32)
    (local $v v128) (local $t v128) (local $acc v128) (local $rf v128)
    (local $m0 v128) (local $m1 v128) (local $m2 v128) (local $m3 v128)
    (local $sum i64)
    ;; vertex i = ((i % 7) - 3, (i % 5) - 2, (i % 3) - 1, 4) * 0.25
    (block $d0 (loop $l0
      (br_if $d0 (i32.ge_u (local.get $i) (i32.const 512)))
      (v128.store (i32.shl (local.get $i) (i32.const 4))
        (f32x4.mul
          (f32x4.convert_i32x4_s
            (i32x4.sub
              (i32x4.replace_lane 3
                (i32x4.replace_lane 2
                  (i32x4.replace_lane 1
                    (i32x4.splat (i32.rem_u (local.get $i) (i32.const 7)))
                    (i32.rem_u (local.get $i) (i32.const 5)))
                  (i32.rem_u (local.get $i) (i32.const 3)))
                (i32.const 4))
              (v128.const i32x4 3 2 1 0)))
          (f32x4.splat (f32.const 0.25))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l0)))
    (block $d1 (loop $l1
      (br_if $d1 (i32.ge_u (local.get $r) (local.get $n)))
      ;; the matrix: a fixed one plus 1/64 of the round number mod 16 on the diagonal
      (local.set $rf (f32x4.mul (f32x4.convert_i32x4_s (i32x4.splat (i32.and (local.get $r) (i32.const 15))))
                                (f32x4.splat (f32.const 0.015625))))
      (local.set $m0 (f32x4.add (v128.const f32x4 0.8 0.3 -0.2 0.1) (local.get $rf)))
      (local.set $m1 (f32x4.sub (v128.const f32x4 -0.3 0.9 0.25 -0.05) (local.get $rf)))
      (local.set $m2 (f32x4.add (v128.const f32x4 0.15 -0.2 0.7 0.3) (local.get $rf)))
      (local.set $m3 (v128.const f32x4 0.05 0.1 -0.1 0.95))
      (local.set $acc (v128.const i64x2 0 0))
      (local.set $i (i32.const 0))
      (block $d2 (loop $l2
        (br_if $d2 (i32.ge_u (local.get $i) (i32.const 8192)))
        (local.set $v (v128.load (local.get $i)))
        ;; r = m0*x + m1*y + m2*z + m3*w
        (local.set $t
          (f32x4.add
            (f32x4.add
              (f32x4.mul (local.get $m0) (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3 (local.get $v) (local.get $v)))
              (f32x4.mul (local.get $m1) (i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7 (local.get $v) (local.get $v))))
            (f32x4.add
              (f32x4.mul (local.get $m2) (i8x16.shuffle 8 9 10 11 8 9 10 11 8 9 10 11 8 9 10 11 (local.get $v) (local.get $v)))
              (f32x4.mul (local.get $m3) (i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15 (local.get $v) (local.get $v))))))
        ;; v = t * t, then the horizontal sum in every lane
        (local.set $v (f32x4.mul (local.get $t) (local.get $t)))
        (local.set $v (f32x4.add (local.get $v)
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
        (local.set $v (f32x4.add (local.get $v)
          (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $v) (local.get $v))))
        ;; t / sqrt(t.t + 1), clamped, nudged
        (local.set $t
          (f32x4.add
            (f32x4.min
              (f32x4.max
                (f32x4.div (local.get $t) (f32x4.sqrt (f32x4.add (local.get $v) (v128.const f32x4 1 1 1 1))))
                (v128.const f32x4 -1 -1 -1 -1))
              (v128.const f32x4 1 1 1 1))
            (v128.const f32x4 0.001 -0.002 0.003 0.0)))
        (v128.store (local.get $i) (local.get $t))
        (local.set $acc (f32x4.add (local.get $acc) (local.get $t)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $l2)))
      ;; fold the accumulator's bits into the checksum
      (local.set $sum
        (i64.add
          (i64.mul (local.get $sum) (i64.const 0x100000001b3))
          (i64.xor (i64x2.extract_lane 0 (local.get $acc))
                   (i64.rotl (i64x2.extract_lane 1 (local.get $acc)) (i64.const 29)))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $l1)))
    (local.get $sum)))
