;; `gc_trees` (GC): every iteration builds a binary tree of depth 10 (2,047 structures, each
;; with two nullable references to its children and an i32) and folds it into a checksum
;; through `struct.get`s: allocation, field reads and calls, as in binary-trees. (Baton has
;; no collector yet: every tree stays in the store until it is dropped.)
(module
  (type $node (struct (field $left (ref null $node)) (field $right (ref null $node))
                      (field $v i32)))
  (func $make (param $d i32) (param $v i32) (result (ref $node))
    (if (result (ref $node)) (i32.eqz (local.get $d))
      (then (struct.new $node (ref.null $node) (ref.null $node) (local.get $v)))
      (else
        (struct.new $node
          (call $make (i32.sub (local.get $d) (i32.const 1))
                      (i32.shl (local.get $v) (i32.const 1)))
          (call $make (i32.sub (local.get $d) (i32.const 1))
                      (i32.or (i32.shl (local.get $v) (i32.const 1)) (i32.const 1)))
          (local.get $v)))))
  (func $check (param $t (ref null $node)) (result i64)
    (if (result i64) (ref.is_null (local.get $t))
      (then (i64.const 0))
      (else
        (i64.add (i64.extend_i32_u (struct.get $node $v (local.get $t)))
          (i64.add
            (i64.mul (call $check (struct.get $node $left (local.get $t))) (i64.const 3))
            (call $check (struct.get $node $right (local.get $t))))))))
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $acc i64)
    (loop $l
      (local.set $acc
        (i64.add (i64.rotl (local.get $acc) (i64.const 7))
          (call $check (call $make (i32.const 10) (i32.add (local.get $i) (i32.const 1))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc)))
