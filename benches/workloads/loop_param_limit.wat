;; A loop parameter counted up and compared with a limit: the value is the
;; loop's parameter, is kept in a local, and is tested against another local.
(module
  (func $count (param $n i32) (result i32)
    (local $i i32)
    (i32.const 0)
    (loop $l (param i32) (result i32)
      (i32.const 1)
      (i32.add)
      (local.tee $i)
      (local.get $i)
      (local.get $n)
      (i32.lt_u)
      (br_if $l)))
  (func (export "run") (param $n i32) (result i64)
    (i64.extend_i32_u (call $count (local.get $n)))))
