;; `gc_arrays` (GC): every iteration makes an array of 16 rows, each a fresh mutable i32
;; array of 256 elements (`array.new`), turns row 0 into weighted prefix sums
;; (`array.get`/`array.set`), copies shifted runs of it into the other rows (`array.copy`),
;; and folds all 4,096 elements into a checksum: array allocation, element access and bulk
;; copies, with an array of references holding the rows.
(module
  (type $ints (array (mut i32)))
  (type $rows (array (mut (ref null $ints))))
  (func (export "run") (param $n i32) (result i64)
    (local $it i32) (local $acc i64) (local $rows (ref null $rows))
    (local $a (ref null $ints)) (local $b (ref null $ints)) (local $i i32) (local $j i32)
    (loop $outer
      (local.set $rows (array.new_default $rows (i32.const 16)))
      (local.set $i (i32.const 0))
      (loop $make
        (array.set $rows (local.get $rows) (local.get $i)
          (array.new $ints (i32.add (local.get $it) (local.get $i)) (i32.const 256)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $make (i32.lt_u (local.get $i) (i32.const 16))))
      (local.set $a (array.get $rows (local.get $rows) (i32.const 0)))
      (local.set $i (i32.const 1))
      (loop $prefix
        (array.set $ints (local.get $a) (local.get $i)
          (i32.add (array.get $ints (local.get $a) (i32.sub (local.get $i) (i32.const 1)))
                   (i32.mul (array.get $ints (local.get $a) (local.get $i)) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $prefix (i32.lt_u (local.get $i) (i32.const 256))))
      (local.set $i (i32.const 1))
      (loop $copy
        (local.set $b (array.get $rows (local.get $rows) (local.get $i)))
        (array.copy $ints $ints (local.get $b) (local.get $i) (local.get $a) (i32.const 0)
          (i32.sub (i32.const 256) (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $copy (i32.lt_u (local.get $i) (i32.const 16))))
      (local.set $i (i32.const 0))
      (loop $rowsum
        (local.set $b (array.get $rows (local.get $rows) (local.get $i)))
        (local.set $j (i32.const 0))
        (loop $elems
          (local.set $acc
            (i64.add (i64.mul (local.get $acc) (i64.const 3))
              (i64.extend_i32_u (array.get $ints (local.get $b) (local.get $j)))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $elems (i32.lt_u (local.get $j) (i32.const 256))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $rowsum (i32.lt_u (local.get $i) (i32.const 16))))
      (local.set $it (i32.add (local.get $it) (i32.const 1)))
      (br_if $outer (i32.lt_u (local.get $it) (local.get $n))))
    (local.get $acc)))
