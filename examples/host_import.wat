;; host_import.wat - the component that host_import.c runs. It imports, in WIT:
;;
;;   interface example:demo/log { log: func(msg: string); }
;;   interface example:demo/counters {
;;     resource counter {
;;       constructor(start: u32);
;;       increment: func(by: u32) -> u32;   // the new value
;;     }
;;   }
;;
;; and exports run(n: u32) -> u32 (makes a counter, increments it n times, drops it),
;; bump(c: borrow<counter>) -> u32 (increments the host's counter by 10) and
;; consume(c: own<counter>) (drops the host's counter: its destructor runs in the host).
(component
  (import "example:demo/log" (instance $log
    (export "log" (func (param "msg" string)))))
  (import "example:demo/counters" (instance $counters
    (export "counter" (type $counter (sub resource)))
    (export "[constructor]counter" (func (param "start" u32) (result (own $counter))))
    (export "[method]counter.increment"
      (func (param "self" (borrow $counter)) (param "by" u32) (result u32)))))
  (alias export $counters "counter" (type $counter))

  (core module $Libc
    (memory (export "mem") 1)
    (data (i32.const 0) "run: made a counter")
    (data (i32.const 32) "run: dropping the counter"))
  (core instance $libc (instantiate $Libc))

  (core func $new (canon lower (func $counters "[constructor]counter")))
  (core func $increment (canon lower (func $counters "[method]counter.increment")))
  (core func $drop (canon resource.drop $counter))
  (core func $log (canon lower (func $log "log") (memory (core memory $libc "mem"))))

  (core module $Main
    (import "libc" "mem" (memory 1))
    (import "host" "new" (func $new (param i32) (result i32)))
    (import "host" "increment" (func $increment (param i32 i32) (result i32)))
    (import "host" "drop" (func $drop (param i32)))
    (import "host" "log" (func $log (param i32 i32)))
    (func (export "run") (param $n i32) (result i32)
      (local $h i32) (local $v i32)
      (local.set $h (call $new (i32.const 100)))   ;; an own handle in this instance
      (call $log (i32.const 0) (i32.const 19))
      (block $done
        (loop $next
          (br_if $done (i32.eqz (local.get $n)))
          (local.set $v (call $increment (local.get $h) (i32.const 1)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $next)))
      (call $log (i32.const 32) (i32.const 25))
      (call $drop (local.get $h))                  ;; the host's destructor runs here
      (local.get $v))
    ;; A borrow received from the caller must be dropped before returning
    ;; (CanonicalABI.md: "borrow handles still remain at the end of the call").
    (func (export "bump") (param $h i32) (result i32)
      (local $v i32)
      (local.set $v (call $increment (local.get $h) (i32.const 10)))
      (call $drop (local.get $h))
      (local.get $v))
    (func (export "consume") (param $h i32)
      (call $drop (local.get $h))))
  (core instance $main (instantiate $Main
    (with "libc" (instance $libc))
    (with "host" (instance
      (export "new" (func $new))
      (export "increment" (func $increment))
      (export "drop" (func $drop))
      (export "log" (func $log))))))

  (func (export "run") (param "n" u32) (result u32)
    (canon lift (core func $main "run")))
  (func (export "bump") (param "c" (borrow $counter)) (result u32)
    (canon lift (core func $main "bump")))
  (func (export "consume") (param "c" (own $counter))
    (canon lift (core func $main "consume")))
)
