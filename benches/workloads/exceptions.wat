;; `exceptions` (exception handling): every iteration calls three frames deep; the
;; innermost throws in three of four iterations (payload: an i64). The middle frame
;; catches with `catch_ref`, adds to the payload's effect, and rethrows the same exception
;; with `throw_ref` (what C++ cleanups do); the outermost catches with `catch` and folds
;; the payload into the checksum. One iteration in four returns normally. (`run` resets
;; the global it counts in, so that every call returns the same checksum.)
(module
  (tag $e (param i64))
  (global $hits (mut i64) (i64.const 0))
  (func $leaf (param $x i32) (param $acc i64) (result i64)
    (if (i32.and (local.get $x) (i32.const 3))
      (then (throw $e (i64.add (local.get $acc) (i64.extend_i32_u (local.get $x))))))
    (i64.mul (local.get $acc) (i64.const 31)))
  (func $middle (param $x i32) (param $acc i64) (result i64)
    (local $exn exnref)
    (block $cleanup (result i64 exnref)
      (return (try_table (result i64) (catch_ref $e $cleanup)
        (call $leaf (local.get $x) (i64.rotl (local.get $acc) (i64.const 5))))))
    (local.set $exn)
    (global.set $hits (i64.add (global.get $hits) (i64.const 1)))
    (drop)
    (throw_ref (local.get $exn)))
  (func $outer (param $x i32) (param $acc i64) (result i64)
    (i64.xor (call $middle (local.get $x) (local.get $acc)) (i64.const 0x9e3779b97f4a7c15)))
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $x i32) (local $acc i64)
    (global.set $hits (i64.const 0))
    (local.set $x (i32.const 7))
    (local.set $acc (i64.const 1))
    (block $done
      (loop $top
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1103515245)) (i32.const 12345)))
        (local.set $acc
          (block $caught (result i64)
            (try_table (result i64) (catch $e $caught)
              (call $outer (i32.shr_u (local.get $x) (i32.const 16)) (local.get $acc)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $top)))
    (i64.add (local.get $acc) (global.get $hits))))
