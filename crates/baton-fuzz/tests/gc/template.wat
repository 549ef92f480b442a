;; The GC operators wasm-smith rarely emits (its operands must happen to be on the stack
;; in order), in a fixed module whose exports take drawn `i32`/`i64`/`anyref` arguments:
;; `tests/wasmtime_gc.rs` (`template_module_agrees`) calls them on Baton and Wasmtime and
;; compares. Offsets and lengths are masked to 0..31 against arrays of 16 (and a data
;; segment of 20 bytes, an element segment of 5), so calls are in bounds about half the
;; time and trap with `ArrayOutOfBounds` otherwise. Results are checksums of the arrays
;; after the operation, so a wrong element shows.
(module
  (type $bytes (array (mut i8)))
  (type $shorts (array (mut i16)))
  (type $longs (array (mut i64)))
  (type $refs (array (mut anyref)))
  (type $frozen (array i32))
  (type $pt (sub (struct (field (mut i32)) (field (mut i8)))))
  (type $pt3 (sub $pt (struct (field (mut i32)) (field (mut i8)) (field (mut i64)))))
  (type $box (struct (field (mut anyref))))

  (data $d "\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10\80\ff\7f\fe")
  (data $once "\aa\bb\cc\dd")
  (elem $e anyref
    (item (ref.i31 (i32.const 1)))
    (item (struct.new $pt (i32.const 5) (i32.const 300)))
    (item (ref.null any))
    (item (array.new_fixed $bytes 1 (i32.const 7)))
    (item (ref.i31 (i32.const -1))))

  (global $g (export "g") (mut anyref) (ref.null any))
  (global $consts (export "consts") (ref $frozen)
    (array.new_fixed $frozen 3 (i32.const 1) (i32.add (i32.const 2) (i32.const 3)) (i32.const -7)))
  (table $t (export "t") 4 anyref)

  ;; What an anyref is, as a number: 0 null, 1 i31, 2 $pt3, 3 $pt, 4 other struct,
  ;; 5 array, 6 other (a converted host reference).
  (func $kind (param $r anyref) (result i32)
    (if (ref.is_null (local.get $r)) (then (return (i32.const 0))))
    (if (ref.test (ref i31) (local.get $r)) (then (return (i32.const 1))))
    (if (ref.test (ref $pt3) (local.get $r)) (then (return (i32.const 2))))
    (if (ref.test (ref $pt) (local.get $r)) (then (return (i32.const 3))))
    (if (ref.test (ref struct) (local.get $r)) (then (return (i32.const 4))))
    (if (ref.test (ref array) (local.get $r)) (then (return (i32.const 5))))
    (i32.const 6))

  (func $sum8 (param $a (ref $bytes)) (result i32)
    (local $i i32) (local $s i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (array.len (local.get $a))))
      (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 31))
        (i32.xor (array.get_s $bytes (local.get $a) (local.get $i))
                 (i32.shl (array.get_u $bytes (local.get $a) (local.get $i)) (i32.const 9)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.get $s))

  (func $sum16 (param $a (ref $shorts)) (result i32)
    (local $i i32) (local $s i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (array.len (local.get $a))))
      (local.set $s (i32.add (i32.mul (local.get $s) (i32.const 31))
        (i32.xor (array.get_s $shorts (local.get $a) (local.get $i))
                 (i32.shl (array.get_u $shorts (local.get $a) (local.get $i)) (i32.const 3)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.get $s))

  (func $sum64 (param $a (ref $longs)) (result i64)
    (local $i i32) (local $s i64)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (array.len (local.get $a))))
      (local.set $s (i64.add (i64.mul (local.get $s) (i64.const 31))
        (array.get $longs (local.get $a) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.get $s))

  ;; The kinds of an anyref array's elements, as base-7 digits.
  (func $kinds (param $a (ref $refs)) (result i64)
    (local $i i32) (local $s i64)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (array.len (local.get $a))))
      (local.set $s (i64.add (i64.mul (local.get $s) (i64.const 7))
        (i64.extend_i32_u (call $kind (array.get $refs (local.get $a) (local.get $i))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.get $s))

  (func $mask (param i32) (result i32) (i32.and (local.get 0) (i32.const 31)))

  ;; array.copy within one array (overlapping, either direction) or between two.
  (func (export "copy8") (param $dst i32) (param $src i32) (param $n i32) (param $same i32)
    (result i32 i32)
    (local $a (ref $bytes)) (local $b (ref $bytes))
    (local.set $a (array.new_data $bytes $d (i32.const 0) (i32.const 16)))
    (local.set $b (array.new_data $bytes $d (i32.const 4) (i32.const 16)))
    (array.copy $bytes $bytes
      (local.get $a) (call $mask (local.get $dst))
      (select (result (ref $bytes)) (local.get $a) (local.get $b) (i32.and (local.get $same) (i32.const 1)))
      (call $mask (local.get $src))
      (call $mask (local.get $n)))
    (call $sum8 (local.get $a))
    (call $sum8 (local.get $b)))

  (func (export "copy64") (param $dst i32) (param $src i32) (param $n i32) (param $v i64)
    (result i64)
    (local $a (ref $longs))
    (local.set $a (array.new $longs (local.get $v) (i32.const 16)))
    (array.set $longs (local.get $a) (i32.const 3) (i64.const -1))
    (array.set $longs (local.get $a) (i32.const 9) (i64.const 0x1234_5678_9abc))
    (array.copy $longs $longs
      (local.get $a) (call $mask (local.get $dst))
      (local.get $a) (call $mask (local.get $src))
      (call $mask (local.get $n)))
    (call $sum64 (local.get $a)))

  (func (export "fill16") (param $at i32) (param $v i32) (param $n i32) (result i32 i32)
    (local $a (ref $shorts))
    (local.set $a (array.new_default $shorts (i32.const 16)))
    (array.fill $shorts (local.get $a) (call $mask (local.get $at)) (local.get $v)
      (call $mask (local.get $n)))
    (call $sum16 (local.get $a))
    (array.get_s $shorts (local.get $a) (i32.and (local.get $at) (i32.const 15))))

  (func (export "init8") (param $at i32) (param $from i32) (param $n i32) (result i32)
    (local $a (ref $bytes))
    (local.set $a (array.new $bytes (i32.const -86) (i32.const 16)))
    (array.init_data $bytes $d (local.get $a) (call $mask (local.get $at))
      (call $mask (local.get $from)) (call $mask (local.get $n)))
    (call $sum8 (local.get $a)))

  (func (export "new_data16") (param $from i32) (param $n i32) (result i32)
    (call $sum16 (array.new_data $shorts $d (call $mask (local.get $from))
      (i32.and (local.get $n) (i32.const 15)))))

  ;; After `drop_once` drops the segment (when its argument is a multiple of 8; exports are
  ;; called in order), a non-empty `array.new_data` from it traps.
  (func (export "drop_once") (param $x i32) (result i32)
    (if (i32.eqz (i32.and (local.get $x) (i32.const 7))) (then (data.drop $once)))
    (i32.const 0))
  (func (export "once") (param $n i32) (result i32)
    (call $sum8 (array.new_data $bytes $once (i32.const 0) (i32.and (local.get $n) (i32.const 7)))))

  (func (export "refs") (param $at i32) (param $from i32) (param $n i32) (param $x anyref)
    (result i64 i64)
    (local $a (ref $refs))
    (local.set $a (array.new_elem $refs $e (i32.const 0) (i32.const 5)))
    (array.set $refs (local.get $a) (i32.const 2) (local.get $x))
    (array.init_elem $refs $e (local.get $a) (i32.and (local.get $at) (i32.const 7))
      (i32.and (local.get $from) (i32.const 7)) (i32.and (local.get $n) (i32.const 7)))
    (call $kinds (local.get $a))
    (array.copy $refs $refs (local.get $a) (i32.and (local.get $n) (i32.const 3))
      (local.get $a) (i32.and (local.get $from) (i32.const 3)) (i32.const 2))
    (call $kinds (local.get $a)))

  (func (export "new_elem") (param $from i32) (param $n i32) (result (ref $refs))
    (array.new_elem $refs $e (i32.and (local.get $from) (i32.const 7))
      (i32.and (local.get $n) (i32.const 7))))

  (func (export "struct") (param $x i32) (param $y i64) (param $sub i32)
    (result i32 i32 i32 i64 anyref)
    (local $p (ref $pt))
    (local.set $p
      (if (result (ref $pt)) (i32.and (local.get $sub) (i32.const 1))
        (then (struct.new $pt3 (local.get $x) (local.get $x) (local.get $y)))
        (else (struct.new $pt (local.get $x) (local.get $x)))))
    (struct.set $pt 1 (local.get $p) (i32.add (struct.get_u $pt 1 (local.get $p)) (i32.const 1)))
    (struct.set $pt 0 (local.get $p) (i32.mul (struct.get $pt 0 (local.get $p)) (i32.const 3)))
    (struct.get $pt 0 (local.get $p))
    (struct.get_s $pt 1 (local.get $p))
    (struct.get_u $pt 1 (local.get $p))
    ;; The third field through a cast: traps (`CastFailure`) on a plain $pt.
    (struct.get $pt3 2 (ref.cast (ref $pt3) (local.get $p)))
    (local.get $p))

  ;; br_on_cast and br_on_cast_fail down the hierarchy of an anyref: the kind found, or
  ;; the `i31`'s value.
  (func (export "classify") (param $r anyref) (result i32)
    (block $null
      (block $i31 (result (ref i31))
        (block $pt3 (result (ref $pt3))
          (block $notpt (result anyref)
            (br_on_cast $i31 anyref (ref i31) (local.get $r))
            (br_on_cast $pt3 anyref (ref $pt3))
            (br_on_cast_fail $notpt anyref (ref $pt))
            struct.get_s $pt 1
            (return (i32.add (i32.const 300))))
          (br_on_null $null)
          ref.as_non_null
          (return (i32.add (call $kind) (i32.const 100))))
        struct.get $pt3 0
        (return (i32.add (i32.const 200))))
      (return (i31.get_s)))
    (i32.const -1))

  (func (export "eq") (param $a i32) (param $b i32) (param $x anyref) (result i32 i32 i32 i32)
    (local $s (ref $pt))
    (local.set $s (struct.new_default $pt))
    (ref.eq (ref.i31 (local.get $a)) (ref.i31 (local.get $b)))
    (ref.eq (local.get $s) (local.get $s))
    (ref.eq (local.get $s) (struct.new_default $pt))
    (ref.eq (ref.cast eqref (local.get $x)) (ref.i31 (local.get $a))))

  (func (export "convert") (param $x externref) (param $y anyref) (result anyref externref i32)
    (any.convert_extern (local.get $x))
    (extern.convert_any (local.get $y))
    (call $kind (any.convert_extern (extern.convert_any (local.get $y)))))

  ;; Exported state the runner compares at the end: a global and a table of anyrefs.
  (func (export "keep") (param $what i32) (param $v i32)
    (local $r anyref)
    (local.set $r
      (block $done (result anyref)
        (drop (br_if $done (ref.i31 (local.get $v)) (i32.eq (i32.and (local.get $what) (i32.const 3)) (i32.const 0))))
        (drop (br_if $done (struct.new $box (global.get $g)) (i32.eq (i32.and (local.get $what) (i32.const 3)) (i32.const 1))))
        (drop (br_if $done (array.new $longs (i64.extend_i32_s (local.get $v)) (i32.const 2)) (i32.eq (i32.and (local.get $what) (i32.const 3)) (i32.const 2))))
        (ref.null any)))
    (global.set $g (local.get $r))
    (table.set $t (i32.and (local.get $v) (i32.const 3)) (local.get $r)))

  (func (export "read_consts") (param $i i32) (result i32 i32)
    (array.get $frozen (global.get $consts) (i32.and (local.get $i) (i32.const 3)))
    (array.len (global.get $consts))))
