;; `gc_list` (GC): every iteration builds a linked list of 1,000 small structures (an i64 and
;; a mutable reference to the next), reverses it in place with `struct.set`, and folds it
;; into a checksum: many small, short-lived objects, pointer chasing and field writes. The
;; lists die at once, so a collector reclaims nearly everything it finds.
(module
  (type $cell (struct (field $v i64) (field $next (mut (ref null $cell)))))
  (func $build (param $len i32) (param $seed i64) (result (ref null $cell))
    (local $head (ref null $cell)) (local $i i32)
    (loop $l
      (local.set $head
        (struct.new $cell
          (i64.add (i64.mul (local.get $seed) (i64.extend_i32_u (local.get $i))) (i64.const 7))
          (local.get $head)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $len))))
    (local.get $head))
  (func $reverse (param $l (ref null $cell)) (result (ref null $cell))
    (local $prev (ref null $cell)) (local $next (ref null $cell))
    (block $done
      (loop $step
        (br_if $done (ref.is_null (local.get $l)))
        (local.set $next (struct.get $cell $next (local.get $l)))
        (struct.set $cell $next (local.get $l) (local.get $prev))
        (local.set $prev (local.get $l))
        (local.set $l (local.get $next))
        (br $step)))
    (local.get $prev))
  (func $fold (param $l (ref null $cell)) (result i64)
    (local $acc i64)
    (block $done
      (loop $step
        (br_if $done (ref.is_null (local.get $l)))
        (local.set $acc
          (i64.add (i64.mul (local.get $acc) (i64.const 31)) (struct.get $cell $v (local.get $l))))
        (local.set $l (struct.get $cell $next (local.get $l)))
        (br $step)))
    (local.get $acc))
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $acc i64)
    (loop $l
      (local.set $acc
        (i64.add (i64.rotl (local.get $acc) (i64.const 5))
          (call $fold (call $reverse
            (call $build (i32.const 1000) (i64.extend_i32_u (i32.add (local.get $i) (i32.const 1))))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc)))
