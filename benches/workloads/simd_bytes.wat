;; (s1) SIMD integer kernel over byte buffers: per round, for each 16-byte
;; chunk of A (bytes 0..4096) and B (4096..8192), the sum of absolute
;; differences (sub_sat_u both ways + or, widened pairwise to i32x4) and a
;; blend written back to A (avgr_u where a > b, else add_sat_u, xor the
;; difference shifted left); B is stirred with i16x8 mul/add and min/max.
;; The buffers start as LCG bytes. Returns a hash of every round's SAD lanes.
;; Operators: v128 load/store, i8x16 sub_sat_u/add_sat_u/avgr_u/gt_u/min_u/
;; max_u/add/shl/splat, i16x8 extadd_pairwise/mul/add/splat, i32x4
;; extadd_pairwise/add/extract_lane, v128 or/xor/bitselect.
(module
  (memory 1)
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $r i32) (local $x i32)
    (local $a v128) (local $b v128) (local $d v128) (local $na v128)
    (local $acc v128) (local $k v128) (local $sum i64)
    ;; A and B: LCG bytes, four at a time
    (local.set $x (i32.const 12345))
    (block $d0 (loop $l0
      (br_if $d0 (i32.ge_u (local.get $i) (i32.const 8192)))
      (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1664525)) (i32.const 1013904223)))
      (i32.store (local.get $i) (local.get $x))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l0)))
    (local.set $r (i32.const 0))
    (block $d1 (loop $l1
      (br_if $d1 (i32.ge_u (local.get $r) (local.get $n)))
      (local.set $k (i8x16.splat (i32.add (i32.mul (local.get $r) (i32.const 7)) (i32.const 3))))
      (local.set $acc (v128.const i64x2 0 0))
      (local.set $i (i32.const 0))
      (block $d2 (loop $l2
        (br_if $d2 (i32.ge_u (local.get $i) (i32.const 4096)))
        (local.set $a (v128.load (local.get $i)))
        (local.set $b (v128.load offset=4096 (local.get $i)))
        ;; |a - b| per byte
        (local.set $d (v128.or (i8x16.sub_sat_u (local.get $a) (local.get $b))
                               (i8x16.sub_sat_u (local.get $b) (local.get $a))))
        ;; SAD, widened pairwise to i32 lanes
        (local.set $acc (i32x4.add (local.get $acc)
          (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $d)))))
        ;; A := (a > b ? avgr(a, b) : add_sat(a, k)) ^ (d << 1)
        (local.set $na
          (v128.xor
            (v128.bitselect (i8x16.avgr_u (local.get $a) (local.get $b))
                            (i8x16.add_sat_u (local.get $a) (local.get $k))
                            (i8x16.gt_u (local.get $a) (local.get $b)))
            (i8x16.shl (local.get $d) (i32.const 1))))
        (v128.store (local.get $i) (local.get $na))
        ;; B := b * 0x9e37 + max(min(b, a'), k) (i16 lanes, then bytes)
        (v128.store offset=4096 (local.get $i)
          (i8x16.add
            (i16x8.add (i16x8.mul (local.get $b) (i16x8.splat (i32.const 0x9e37)))
                       (local.get $na))
            (i8x16.max_u (i8x16.min_u (local.get $b) (local.get $na)) (local.get $k))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $l2)))
      ;; fold the four SAD lanes into the hash
      (local.set $sum
        (i64.add
          (i64.mul (local.get $sum) (i64.const 0x100000001b3))
          (i64.extend_i32_u
            (i32.xor
              (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32.shl (i32x4.extract_lane 1 (local.get $acc)) (i32.const 7)))
              (i32.add (i32.shl (i32x4.extract_lane 2 (local.get $acc)) (i32.const 14)) (i32.shl (i32x4.extract_lane 3 (local.get $acc)) (i32.const 21)))))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $l1)))
    (local.get $sum)))
