;; Iterative Fibonacci with its rotation written out (`t = a + b; a = b;
;; b = t`), a counter going up and an exit test that masks a comparison
;; (`(i != n) & 1`), as compilers emit for a `bool` kept in an integer.
(module
  (func $fib (param $n i32) (result i64)
    (local $a i64) (local $b i64) (local $t i64) (local $i i32)
    (local.set $b (i64.const 1))
    (block $done
      (loop $l
        (local.set $t (i64.add (local.get $a) (local.get $b)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $t))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.and (i32.ne (local.get $i) (local.get $n)) (i32.const 1)))))
    (local.get $a))
  (func (export "run") (param $n i32) (result i64)
    (call $fib (local.get $n))))
