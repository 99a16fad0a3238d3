;; wasi-invoke.wat - a component that imports WASI 0.2 (the monotonic clock and a pollable;
;; the command's arguments are not needed) and exports functions for `weft run --invoke`: the
;; component runner links its WASI imports before the call.
;; - clock-ok(): the clock has a resolution and does not go back between two readings.
;; - sleep-ms(ms): blocks on a monotonic-clock pollable (a synchronous export whose WASI call
;;   waits: the guest is suspended on the store's loop), returns the nanoseconds it slept.
(component $C
  (import "wasi:io/poll@0.2.0" (instance $poll
    (export "pollable" (type $p (sub resource)))
    (export "[method]pollable.block" (func (param "self" (borrow $p))))))
  (alias export $poll "pollable" (type $pollable))
  (import "wasi:clocks/monotonic-clock@0.2.0" (instance $clock
    (alias outer $C $pollable (type $p))
    (export "pollable" (type $pe (eq $p)))
    (export "resolution" (func (result u64)))
    (export "now" (func (result u64)))
    (export "subscribe-duration" (func (param "when" u64) (result (own $pe))))))
  (core func $resolution (canon lower (func $clock "resolution")))
  (core func $now (canon lower (func $clock "now")))
  (core func $sub (canon lower (func $clock "subscribe-duration")))
  (core func $block (canon lower (func $poll "[method]pollable.block")))
  (core func $drop (canon resource.drop $pollable))
  (core module $m
    (import "clock" "resolution" (func $resolution (result i64)))
    (import "clock" "now" (func $now (result i64)))
    (import "clock" "subscribe-duration" (func $sub (param i64) (result i32)))
    (import "poll" "block" (func $block (param i32)))
    (import "poll" "drop" (func $drop (param i32)))
    ;; 1 when the clock has a resolution and moves forward (or stays) between two readings.
    (func (export "clock-ok") (result i32)
      (local $t i64)
      (local.set $t (call $now))
      (i32.and
        (i64.gt_u (call $resolution) (i64.const 0))
        (i64.ge_u (call $now) (local.get $t))))
    (func (export "sleep-ms") (param $ms i32) (result i64)
      (local $t i64) (local $p i32)
      (local.set $t (call $now))
      (local.set $p (call $sub (i64.mul (i64.extend_i32_u (local.get $ms)) (i64.const 1000000))))
      (call $block (local.get $p))
      (call $drop (local.get $p))
      (i64.sub (call $now) (local.get $t))))
  (core instance $i (instantiate $m
    (with "clock" (instance (export "resolution" (func $resolution)) (export "now" (func $now))
                            (export "subscribe-duration" (func $sub))))
    (with "poll" (instance (export "block" (func $block)) (export "drop" (func $drop))))))
  (func (export "clock-ok") (result bool) (canon lift (core func $i "clock-ok")))
  (func (export "sleep-ms") (param "ms" u32) (result u64) (canon lift (core func $i "sleep-ms"))))
