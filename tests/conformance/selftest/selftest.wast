;; The runner's own test: every assertion marked FAIL at the end of its line must be reported
;; as failing by weft-wast, and every other one must pass (see tests/conformance/selftest/run).

(module $M
  (global (export "g") i32 (i32.const 42))
  (global (export "gm") (mut i64) (i64.const -1))
  (memory (export "mem") 1)
  (table (export "tab") 2 funcref)
  (func (export "id_i32") (param i32) (result i32) (local.get 0))
  (func (export "id_i64") (param i64) (result i64) (local.get 0))
  (func (export "id_f32") (param f32) (result f32) (local.get 0))
  (func (export "id_f64") (param f64) (result f64) (local.get 0))
  (func (export "id_v128") (param v128) (result v128) (local.get 0))
  (func (export "id_ext") (param externref) (result externref) (local.get 0))
  (func (export "fref") (result funcref) (ref.func 0))
  (func (export "fnull") (result funcref) (ref.null func))
  (func (export "two") (result i32 i64) (i32.const 1) (i64.const 2))
  (func (export "none"))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func $rec (export "rec") (call $rec))
  (func (export "unreachable") (unreachable))
  (func (export "nan_canon_f32") (result f32) (f32.const nan))
  (func (export "nan_arith_f32") (result f32) (f32.const nan:0x600000))
  (func (export "nan_sig_f32") (result f32) (f32.const nan:0x200000))
  (func (export "nan_canon_f64") (result f64) (f64.const -nan))
  (func (export "nan_arith_f64") (result f64) (f64.const nan:0xc000000000001))
  (func (export "lanes") (result v128) (v128.const f32x4 nan nan:0x400001 1.5 -0))
)
(register "M" $M)

(assert_return (invoke "id_i32" (i32.const -1)) (i32.const 0xffffffff))
(assert_return (invoke "id_i32" (i32.const 7)) (i32.const 8)) ;; FAIL
(assert_return (invoke "id_i64" (i64.const -9223372036854775808)) (i64.const 0x8000000000000000))
(assert_return (invoke "id_f32" (f32.const -0)) (f32.const -0))
(assert_return (invoke "id_f32" (f32.const -0)) (f32.const 0)) ;; FAIL
(assert_return (invoke "id_f32" (f32.const nan:0x1234)) (f32.const nan:0x1234))
(assert_return (invoke "id_f64" (f64.const 0x1.fffffffffffffp+1023)) (f64.const 0x1.fffffffffffffp+1023))
(assert_return (invoke "id_f64" (f64.const 1)) (f64.const 1.0000000000000002)) ;; FAIL
(assert_return (invoke "nan_canon_f32") (f32.const nan:canonical))
(assert_return (invoke "nan_canon_f32") (f32.const nan:arithmetic))
(assert_return (invoke "nan_arith_f32") (f32.const nan:arithmetic))
(assert_return (invoke "nan_arith_f32") (f32.const nan:canonical)) ;; FAIL
(assert_return (invoke "nan_sig_f32") (f32.const nan:arithmetic)) ;; FAIL
(assert_return (invoke "id_f32" (f32.const 1)) (f32.const nan:arithmetic)) ;; FAIL
(assert_return (invoke "nan_canon_f64") (f64.const nan:canonical))
(assert_return (invoke "nan_arith_f64") (f64.const nan:arithmetic))
(assert_return (invoke "nan_arith_f64") (f64.const nan:canonical)) ;; FAIL
(assert_return (invoke "id_v128" (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 255))
               (v128.const i16x8 0x0100 0x0302 0x0504 0x0706 0x0908 0x0b0a 0x0d0c 0xff0e))
(assert_return (invoke "id_v128" (v128.const i64x2 1 -1)) (v128.const i32x4 1 0 -1 -1))
(assert_return (invoke "id_v128" (v128.const i64x2 1 -1)) (v128.const i32x4 1 0 -1 0)) ;; FAIL
(assert_return (invoke "lanes") (v128.const f32x4 nan:canonical nan:arithmetic 1.5 -0))
(assert_return (invoke "lanes") (v128.const f32x4 nan:canonical nan:canonical 1.5 -0)) ;; FAIL
(assert_return (invoke "lanes") (v128.const f32x4 nan:canonical nan:arithmetic 1.5 0)) ;; FAIL
(assert_return (invoke "id_v128" (v128.const f64x2 -0 nan)) (v128.const f64x2 -0 nan:canonical))
(assert_return (invoke "id_ext" (ref.extern 0)) (ref.extern 0))
(assert_return (invoke "id_ext" (ref.extern 7)) (ref.extern 7))
(assert_return (invoke "id_ext" (ref.extern 7)) (ref.extern 8)) ;; FAIL
(assert_return (invoke "id_ext" (ref.extern 0)) (ref.null extern)) ;; FAIL
(assert_return (invoke "id_ext" (ref.null extern)) (ref.null extern))
(assert_return (invoke "fref") (ref.func))
(assert_return (invoke "fnull") (ref.null func))
(assert_return (invoke "fnull") (ref.func)) ;; FAIL
(assert_return (invoke "fref") (ref.null func)) ;; FAIL
(assert_return (invoke "two") (i32.const 1) (i64.const 2))
(assert_return (invoke "two") (i32.const 1) (i64.const 3)) ;; FAIL
(assert_return (invoke "two") (i32.const 1)) ;; FAIL
(assert_return (invoke "none"))
(assert_return (invoke "div" (i32.const 1) (i32.const 0)) (i32.const 0)) ;; FAIL
(assert_return (invoke "missing")) ;; FAIL
(assert_return (get "g") (i32.const 42))
(assert_return (get $M "gm") (i64.const -1))
(assert_return (get "g") (i32.const 43)) ;; FAIL
(invoke "none")
(invoke "unreachable") ;; FAIL

(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide")
(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer overflow") ;; FAIL
(assert_trap (invoke "div" (i32.const 1) (i32.const 1)) "integer divide by zero") ;; FAIL
(assert_trap (invoke "unreachable") "unreachable")
(assert_exhaustion (invoke "rec") "call stack exhausted")
(assert_exhaustion (invoke "none") "call stack exhausted") ;; FAIL
(assert_exhaustion (invoke "unreachable") "call stack exhausted") ;; FAIL

(assert_invalid (module (func (result i32))) "type mismatch")
(assert_invalid (module (func)) "type mismatch") ;; FAIL
(assert_invalid (module binary "\00asm") "type mismatch") ;; FAIL
(assert_malformed (module binary "\00asm") "unexpected end")
(assert_malformed (module binary "\00asm\01\00\00\00") "unexpected end") ;; FAIL
(assert_malformed (module quote "(func") "unexpected token")

(module $N
  (import "spectest" "print_i32" (func $p (param i32)))
  (import "spectest" "print_i64" (func (param i64)))
  (import "spectest" "print_f32" (func (param f32)))
  (import "spectest" "print_f64" (func (param f64)))
  (import "spectest" "print_i32_f32" (func (param i32 f32)))
  (import "spectest" "print_f64_f64" (func (param f64 f64)))
  (import "spectest" "print" (func))
  (import "spectest" "global_i32" (global $gi i32))
  (import "spectest" "global_i64" (global $gl i64))
  (import "spectest" "global_f32" (global $gf f32))
  (import "spectest" "global_f64" (global $gd f64))
  (import "spectest" "table" (table 10 20 funcref))
  (import "spectest" "memory" (memory 1 2))
  (import "M" "g" (global $mg i32))
  (func (export "gi") (result i32) (global.get $gi))
  (func (export "gl") (result i64) (global.get $gl))
  (func (export "gf") (result f32) (global.get $gf))
  (func (export "gd") (result f64) (global.get $gd))
  (func (export "mg") (result i32) (call $p (global.get $mg)) (global.get $mg))
)
(assert_return (invoke "gi") (i32.const 666))
(assert_return (invoke "gl") (i64.const 666))
(assert_return (invoke "gf") (f32.const 666.6))
(assert_return (invoke "gd") (f64.const 666.6))
(assert_return (invoke "mg") (i32.const 42))
(assert_return (invoke $M "id_i32" (i32.const 3)) (i32.const 3))
(assert_return (invoke $N "gi") (i32.const 666))

(assert_unlinkable (module (import "M" "nothing" (func))) "unknown import")
(assert_unlinkable (module (import "nowhere" "g" (func))) "unknown import")
(assert_unlinkable (module (import "M" "g" (func))) "incompatible import type")
(assert_unlinkable (module (import "M" "g" (global i64))) "incompatible import type")
(assert_unlinkable (module (import "M" "g" (global i32))) "incompatible import type") ;; FAIL
(assert_trap (module (func $s unreachable) (start $s)) "unreachable")
(assert_trap (module (func $s) (start $s)) "unreachable") ;; FAIL
(assert_trap (module (memory 1) (data (i32.const 65536) "x")) "out of bounds memory access")
(assert_trap (module (memory 1) (data (i32.const 65536) "x")) "unreachable") ;; FAIL
(module (import "nowhere" "x" (func))) ;; FAIL
(assert_return (invoke "gi") (i32.const 666)) ;; FAIL
