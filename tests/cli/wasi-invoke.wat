;; wasi-invoke.wat - a component that imports WASI 0.2 (the monotonic clock and the command's
;; arguments are not needed: the clock's resolution and a time reading) and exports functions
;; for `weft run --invoke`: the component runner links its WASI imports before the call.
(component
  (import "wasi:clocks/monotonic-clock@0.2.0" (instance $clock
    (export "resolution" (func (result u64)))
    (export "now" (func (result u64)))))
  (core func $resolution (canon lower (func $clock "resolution")))
  (core func $now (canon lower (func $clock "now")))
  (core module $m
    (import "clock" "resolution" (func $resolution (result i64)))
    (import "clock" "now" (func $now (result i64)))
    ;; 1 when the clock has a resolution and moves forward (or stays) between two readings.
    (func (export "clock-ok") (result i32)
      (local $t i64)
      (local.set $t (call $now))
      (i32.and
        (i64.gt_u (call $resolution) (i64.const 0))
        (i64.ge_u (call $now) (local.get $t)))))
  (core instance $i (instantiate $m
    (with "clock" (instance (export "resolution" (func $resolution)) (export "now" (func $now))))))
  (func (export "clock-ok") (result bool) (canon lift (core func $i "clock-ok"))))
