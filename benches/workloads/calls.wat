;; (d) Many small calls: a loop that calls a handful of tiny leaf and
;; non-leaf functions with several parameters each. Unlike fib the call
;; depth stays shallow; this is about per-call setup/teardown and argument
;; passing.
(module
  (func $rotmix (param $x i64) (param $k i32) (result i64)
    (i64.xor (i64.rotl (local.get $x) (i64.extend_i32_u (local.get $k)))
             (i64.const 0x9e3779b97f4a7c15)))
  (func $add3 (param $a i32) (param $b i32) (param $c i32) (result i32)
    (i32.add (i32.add (local.get $a) (local.get $b)) (local.get $c)))
  (func $lcg (param $x i32) (result i32)
    (i32.add (i32.mul (local.get $x) (i32.const 1103515245)) (i32.const 12345)))
  (func $step (param $acc i64) (param $x i32) (param $i i32) (result i64)
    (i64.add
      (call $rotmix (local.get $acc) (i32.and (local.get $x) (i32.const 63)))
      (i64.extend_i32_u (call $add3 (local.get $x) (local.get $i) (i32.const 7)))))
  (func $noop (param i32))
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $x i32) (local $acc i64)
    (local.set $x (i32.const 1))
    (block $done
      (loop $top
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $x (call $lcg (local.get $x)))
        (call $noop (local.get $x))
        (local.set $acc (call $step (local.get $acc) (local.get $x) (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $top)))
    (local.get $acc)))
