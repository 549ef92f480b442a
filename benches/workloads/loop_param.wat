;; A loop whose counter is its parameter (multi-value block parameters): the
;; shape of the `counter-param` kernel of wasmi's benchmark suite. The value
;; goes round as the loop's parameter, its own exit test, and its result.
(module
  (func $count (param $n i32) (result i32)
    (local.get $n)
    (loop $l (param i32) (result i32)
      (i32.const 1)
      (i32.sub)
      (local.tee $n)
      (local.get $n)
      (br_if $l)))
  ;; Counts down from n, then adds n back: n (0 for n <= 0 runs one step).
  (func (export "run") (param $n i32) (result i64)
    (i64.add
      (i64.extend_i32_u (call $count (local.get $n)))
      (i64.extend_i32_u (local.get $n)))))
