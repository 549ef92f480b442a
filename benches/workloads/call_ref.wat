;; `call_ref` (typed function references): every iteration takes one of eight
;; function references from a typed table (`table.get`) pseudo-randomly and calls it,
;; the same calls as call_indirect.wat (same checksums), without the signature check.
(module
  (type $op (func (param i64 i32) (result i64)))
  (table $t 8 (ref null $op))
  (elem (table $t) (i32.const 0) (ref null $op) (ref.func $f0) (ref.func $f1) (ref.func $f2) (ref.func $f3) (ref.func $f4) (ref.func $f5) (ref.func $f6) (ref.func $f7))
  (func $f0 (type $op) (i64.add (local.get 0) (i64.extend_i32_u (local.get 1))))
  (func $f1 (type $op) (i64.sub (local.get 0) (i64.extend_i32_u (local.get 1))))
  (func $f2 (type $op) (i64.xor (local.get 0) (i64.extend_i32_s (local.get 1))))
  (func $f3 (type $op) (i64.rotl (local.get 0) (i64.extend_i32_u (local.get 1))))
  (func $f4 (type $op) (i64.mul (local.get 0) (i64.or (i64.extend_i32_u (local.get 1)) (i64.const 1))))
  (func $f5 (type $op) (i64.add (local.get 0) (i64.shl (i64.extend_i32_u (local.get 1)) (i64.const 17))))
  (func $f6 (type $op) (i64.xor (i64.shr_u (local.get 0) (i64.const 3)) (local.get 0)))
  (func $f7 (type $op) (i64.sub (i64.const 0x5555) (local.get 0)))
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $x i32) (local $acc i64)
    (local.set $x (i32.const 7))
    (local.set $acc (i64.const 1))
    (block $done
      (loop $top
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1103515245)) (i32.const 12345)))
        (local.set $acc
          (call_ref $op
            (local.get $acc)
            (local.get $x)
            (table.get $t (i32.and (i32.shr_u (local.get $x) (i32.const 16)) (i32.const 7)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $top)))
    (local.get $acc)))
