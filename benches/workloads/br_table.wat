;; (b) A `br_table` state machine: an 8-state automaton driven by a
;; pseudo-random input symbol per step. Each state does a little work and
;; computes the next state, so every iteration is one unpredictable
;; multi-way branch.
(module
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $state i32) (local $x i32) (local $in i32) (local $acc i64)
    (local.set $x (i32.const 1))
    (block $done
      (loop $top
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1103515245)) (i32.const 12345)))
        (local.set $in (i32.and (i32.shr_u (local.get $x) (i32.const 16)) (i32.const 7)))
        (block $next
          (block $s7 (block $s6 (block $s5 (block $s4
          (block $s3 (block $s2 (block $s1 (block $s0
            (br_table $s0 $s1 $s2 $s3 $s4 $s5 $s6 $s7 $s0 (local.get $state)))
            ;; state 0: count, go to in+1
            (local.set $acc (i64.add (local.get $acc) (i64.const 1)))
            (local.set $state (i32.and (i32.add (local.get $in) (i32.const 1)) (i32.const 7)))
            (br $next))
            ;; state 1: shift the input in
            (local.set $acc (i64.add (i64.shl (local.get $acc) (i64.const 1)) (i64.extend_i32_u (local.get $in))))
            (local.set $state (select (i32.const 2) (i32.const 0) (i32.and (local.get $in) (i32.const 1))))
            (br $next))
            ;; state 2
            (local.set $acc (i64.xor (local.get $acc) (i64.const 0x5bd1e995)))
            (local.set $state (i32.xor (local.get $in) (i32.const 5)))
            (br $next))
            ;; state 3
            (local.set $acc (i64.mul (local.get $acc) (i64.const 31)))
            (local.set $state (i32.const 4))
            (br $next))
            ;; state 4: only small inputs move on
            (local.set $acc (i64.sub (local.get $acc) (i64.extend_i32_u (local.get $in))))
            (local.set $state (select (i32.const 5) (i32.const 7) (i32.lt_u (local.get $in) (i32.const 4))))
            (br $next))
            ;; state 5
            (local.set $acc (i64.rotl (local.get $acc) (i64.const 13)))
            (local.set $state (i32.and (i32.mul (local.get $in) (i32.const 3)) (i32.const 7)))
            (br $next))
            ;; state 6
            (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (local.get $x))))
            (local.set $state (i32.const 1))
            (br $next))
          ;; state 7
          (local.set $acc (i64.xor (local.get $acc) (i64.shr_u (local.get $acc) (i64.const 29))))
          (local.set $state (i32.sub (i32.const 7) (local.get $in))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $top)))
    (i64.add (local.get $acc) (i64.extend_i32_u (local.get $state)))))
