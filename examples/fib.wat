;; Naive recursive Fibonacci: a small call-heavy benchmark.
;;   baton run examples/fib.wat --invoke fib 30    # prints 832040
(module
  (func $fib (export "fib") (param $n i64) (result i64)
    (if (result i64) (i64.lt_u (local.get $n) (i64.const 2))
      (then (local.get $n))
      (else
        (i64.add
          (call $fib (i64.sub (local.get $n) (i64.const 1)))
          (call $fib (i64.sub (local.get $n) (i64.const 2)))))))
)
