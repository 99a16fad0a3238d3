;; core_embed.wat - the core module that core_embed.c runs.
(module
  ;; log(ptr, len): the host prints len bytes of memory at ptr.
  (import "host" "log" (func $log (param i32 i32)))
  ;; ask(x) -> y: the host answers later (the call suspends until it does).
  (import "host" "ask" (func $ask (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "hello from wasm")

  (func (export "hello") (call $log (i32.const 0) (i32.const 15)))

  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))

  ;; down(n): n nested calls, then a trap at the bottom.
  (func $down (export "down") (param $n i32)
    (if (i32.eqz (local.get $n)) (then unreachable))
    (call $down (i32.sub (local.get $n) (i32.const 1))))

  ;; spin: an endless loop, stopped only by fuel, a deadline or an interrupt.
  (func (export "spin") (loop $l (br $l)))

  (func (export "twice") (param $x i32) (result i32)
    (i32.mul (call $ask (local.get $x)) (i32.const 2))))
