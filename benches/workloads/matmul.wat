;; (h) Dense f64 matrix multiply C = A * B of n x n row-major matrices.
;; A at 0, B at 8n^2, C at 16n^2 (memory grown as needed). Returns the
;; raw bits of a weighted sum of C, so engines must agree bit for bit
;; (Wasm float arithmetic is deterministic apart from NaN payloads).
(module
  (memory 1)
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $j i32) (local $k i32) (local $nn8 i32) (local $need i32)
    (local $a i32) (local $b i32) (local $c i32) (local $row i32)
    (local $s f64) (local $total f64)
    (local.set $nn8 (i32.shl (i32.mul (local.get $n) (local.get $n)) (i32.const 3)))
    (local.set $need (i32.shr_u (i32.add (i32.mul (local.get $nn8) (i32.const 3)) (i32.const 0xffff)) (i32.const 16)))
    (if (i32.gt_u (local.get $need) (memory.size))
      (then (drop (memory.grow (i32.sub (local.get $need) (memory.size))))))
    (local.set $b (local.get $nn8))
    (local.set $c (i32.shl (local.get $nn8) (i32.const 1)))
    ;; A[i][j] = ((i*j) % 7 + 1) / 8,  B[i][j] = ((i + 2j) % 5) - 1.5
    (local.set $i (i32.const 0))
    (block $di (loop $li
      (br_if $di (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $j (i32.const 0))
      (block $dj (loop $lj
        (br_if $dj (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $a (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 3)))
        (f64.store (local.get $a)
          (f64.mul (f64.convert_i32_u (i32.add (i32.rem_u (i32.mul (local.get $i) (local.get $j)) (i32.const 7)) (i32.const 1)))
                   (f64.const 0.125)))
        (f64.store (i32.add (local.get $b) (local.get $a))
          (f64.sub (f64.convert_i32_u (i32.rem_u (i32.add (local.get $i) (i32.shl (local.get $j) (i32.const 1))) (i32.const 5)))
                   (f64.const 1.5)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $lj)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $li)))
    ;; C = A * B (i-j-k order; inner loop walks a row of A and a column of B)
    (local.set $i (i32.const 0))
    (block $di2 (loop $li2
      (br_if $di2 (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $row (i32.shl (i32.mul (local.get $i) (local.get $n)) (i32.const 3)))
      (local.set $j (i32.const 0))
      (block $dj2 (loop $lj2
        (br_if $dj2 (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $s (f64.const 0))
        (local.set $a (local.get $row))
        (local.set $k (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3))))
        (block $dk (loop $lk
          (br_if $dk (i32.ge_u (local.get $a) (i32.add (local.get $row) (i32.shl (local.get $n) (i32.const 3)))))
          (local.set $s (f64.add (local.get $s) (f64.mul (f64.load (local.get $a)) (f64.load (local.get $k)))))
          (local.set $a (i32.add (local.get $a) (i32.const 8)))
          (local.set $k (i32.add (local.get $k) (i32.shl (local.get $n) (i32.const 3))))
          (br $lk)))
        (f64.store (i32.add (i32.add (local.get $c) (local.get $row)) (i32.shl (local.get $j) (i32.const 3))) (local.get $s))
        (local.set $total (f64.add (f64.mul (local.get $total) (f64.const 0.999)) (local.get $s)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $lj2)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $li2)))
    (i64.reinterpret_f64 (local.get $total))))
