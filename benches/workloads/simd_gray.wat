;; (s3) SIMD shuffles, extension and narrowing: RGB -> gray over 2048 pixels
;; per round. Each 48-byte block (16 interleaved RGB pixels) is split into R,
;; G and B vectors by two i8x16.shuffle each, widened to i16 lanes
;; (extend_low/high_u), weighted (77 R + 150 G + 29 B + 128) >> 8, narrowed
;; back to bytes (narrow_i16x8_u), and passed through a 16-entry curve looked
;; up with i8x16.swizzle (avgr_u of the gray and curve[gray >> 4]). The gray
;; bytes go to their own buffer, are added into the block's middle 16 bytes
;; (so the next round sees a different image) and are summed (extadd_pairwise)
;; and hashed (i64x2 rotate + xor). The image starts as LCG bytes.
;; Returns a hash of every round's sums and hash lanes.
(module
  (memory 1)
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $p i32) (local $q i32) (local $r i32) (local $x i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128)
    (local $cr v128) (local $cg v128) (local $cb v128)
    (local $lo v128) (local $hi v128) (local $g v128)
    (local $acc v128) (local $h v128) (local $sum i64)
    ;; the image: 6144 bytes of LCG output at 0; the gray buffer is at 8192
    (local.set $x (i32.const 7))
    (block $d0 (loop $l0
      (br_if $d0 (i32.ge_u (local.get $i) (i32.const 6144)))
      (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1103515245)) (i32.const 12345)))
      (i32.store (local.get $i) (local.get $x))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l0)))
    (block $d1 (loop $l1
      (br_if $d1 (i32.ge_u (local.get $r) (local.get $n)))
      (local.set $acc (v128.const i64x2 0 0))
      (local.set $h (i64x2.splat (i64.extend_i32_u (local.get $r))))
      (local.set $p (i32.const 0))
      (local.set $q (i32.const 8192))
      (block $d2 (loop $l2
        (br_if $d2 (i32.ge_u (local.get $p) (i32.const 6144)))
        (local.set $v0 (v128.load (local.get $p)))
        (local.set $v1 (v128.load offset=16 (local.get $p)))
        (local.set $v2 (v128.load offset=32 (local.get $p)))
        ;; deinterleave
        (local.set $cr (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 17 20 23 26 29
          (i8x16.shuffle 0 3 6 9 12 15 18 21 24 27 30 0 0 0 0 0 (local.get $v0) (local.get $v1))
          (local.get $v2)))
        (local.set $cg (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 18 21 24 27 30
          (i8x16.shuffle 1 4 7 10 13 16 19 22 25 28 31 0 0 0 0 0 (local.get $v0) (local.get $v1))
          (local.get $v2)))
        (local.set $cb (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 16 19 22 25 28 31
          (i8x16.shuffle 2 5 8 11 14 17 20 23 26 29 0 0 0 0 0 0 (local.get $v0) (local.get $v1))
          (local.get $v2)))
        ;; (77 R + 150 G + 29 B + 128) >> 8 on i16 lanes, low and high halves
        (local.set $lo (i16x8.shr_u
          (i16x8.add
            (i16x8.add (i16x8.mul (i16x8.extend_low_i8x16_u (local.get $cr)) (v128.const i16x8 77 77 77 77 77 77 77 77))
                       (i16x8.mul (i16x8.extend_low_i8x16_u (local.get $cg)) (v128.const i16x8 150 150 150 150 150 150 150 150)))
            (i16x8.add (i16x8.mul (i16x8.extend_low_i8x16_u (local.get $cb)) (v128.const i16x8 29 29 29 29 29 29 29 29))
                       (v128.const i16x8 128 128 128 128 128 128 128 128)))
          (i32.const 8)))
        (local.set $hi (i16x8.shr_u
          (i16x8.add
            (i16x8.add (i16x8.mul (i16x8.extend_high_i8x16_u (local.get $cr)) (v128.const i16x8 77 77 77 77 77 77 77 77))
                       (i16x8.mul (i16x8.extend_high_i8x16_u (local.get $cg)) (v128.const i16x8 150 150 150 150 150 150 150 150)))
            (i16x8.add (i16x8.mul (i16x8.extend_high_i8x16_u (local.get $cb)) (v128.const i16x8 29 29 29 29 29 29 29 29))
                       (v128.const i16x8 128 128 128 128 128 128 128 128)))
          (i32.const 8)))
        (local.set $g (i8x16.narrow_i16x8_u (local.get $lo) (local.get $hi)))
        ;; the curve
        (local.set $g (i8x16.avgr_u (local.get $g)
          (i8x16.swizzle (v128.const i8x16 0 40 70 95 115 133 149 164 178 191 203 215 226 236 246 255)
                         (i8x16.shr_u (local.get $g) (i32.const 4)))))
        (v128.store (local.get $q) (local.get $g))
        (v128.store offset=16 (local.get $p) (i8x16.add (local.get $v1) (local.get $g)))
        ;; sums and hash
        (local.set $acc (i32x4.add (local.get $acc)
          (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $g)))))
        (local.set $h (v128.xor
          (v128.or (i64x2.shl (local.get $h) (i32.const 5)) (i64x2.shr_u (local.get $h) (i32.const 59)))
          (local.get $g)))
        (local.set $p (i32.add (local.get $p) (i32.const 48)))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (br $l2)))
      (local.set $sum
        (i64.add
          (i64.mul (local.get $sum) (i64.const 0x100000001b3))
          (i64.xor
            (i64.xor (i64x2.extract_lane 0 (local.get $h)) (i64.rotl (i64x2.extract_lane 1 (local.get $h)) (i64.const 17)))
            (i64.extend_i32_u
              (i32.add (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
                       (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc))))))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $l1)))
    (local.get $sum)))
