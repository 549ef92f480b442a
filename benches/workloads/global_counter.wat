;; A loop that counts in a mutable global: every step is a `global.get`, an
;; add and a `global.set`, and the exit test reads the global again.
(module
  (global $c (mut i32) (i32.const 0))
  (func $count (param $n i32) (result i32)
    (global.set $c (i32.const 0))
    (loop $l
      (global.set $c (i32.add (global.get $c) (i32.const 1)))
      (br_if $l (i32.lt_u (global.get $c) (local.get $n))))
    (global.get $c))
  (func (export "run") (param $n i32) (result i64)
    (i64.extend_i32_u (call $count (local.get $n)))))
