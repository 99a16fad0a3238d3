;; async.wat - async exports for the `weft run --invoke` tests (tests/cli/async.sh), next to
;; the demo component (demo/primes.wat). All are lifted `async` without a callback (stackful)
;; and block in synchronous built-ins. In WIT:
;;
;;   boom:  async func(n: u32) -> stream<u32>     writes 1..n one at a time, then traps
;;   pair:  async func(n: u32) -> tuple<stream<u32>, future<string>>
;;                                                writes n, 2n, 3n, then the future "done"
;;   mute:  async func() -> stream<u32>           returns a stream it never writes nor drops
;;   stuck: async func() -> u32                   waits for a future nobody writes
(component
  (type $ST (stream u32))
  (type $FT (future u32))
  (type $FS (future string))
  (type $PAIR (tuple $ST $FS))

  (core module $Memory (memory (export "mem") 1))
  (core instance $memory (instantiate $Memory))

  (core module $M
    (import "" "mem" (memory 1))
    (import "" "stream.new" (func $stream.new (result i64)))
    (import "" "stream.write" (func $stream.write (param i32 i32 i32) (result i32)))
    (import "" "stream.drop-writable" (func $stream.drop-writable (param i32)))
    (import "" "future.new" (func $future.new (result i64)))
    (import "" "future.read" (func $future.read (param i32 i32) (result i32)))
    (import "" "fs.new" (func $fs.new (result i64)))
    (import "" "fs.write" (func $fs.write (param i32 i32) (result i32)))
    (import "" "fs.drop-writable" (func $fs.drop-writable (param i32)))
    (import "" "return.stream" (func $return.stream (param i32)))
    (import "" "return.pair" (func $return.pair (param i32 i32)))
    (import "" "return.u32" (func $return.u32 (param i32)))
    (data (memory 0) (i32.const 256) "done")

    (func (export "boom") (param $n i32)
      (local $ends i64) (local $w i32) (local $i i32)
      (local.set $ends (call $stream.new))
      (local.set $w (i32.wrap_i64 (i64.shr_u (local.get $ends) (i64.const 32))))
      (call $return.stream (i32.wrap_i64 (local.get $ends)))
      (loop $next
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (if (i32.le_u (local.get $i) (local.get $n))
          (then
            (i32.store (i32.const 16) (local.get $i))
            (drop (call $stream.write (local.get $w) (i32.const 16) (i32.const 1)))
            (br $next))))
      unreachable)

    (func (export "pair") (param $n i32)
      (local $s i64) (local $f i64)
      (local.set $s (call $stream.new))
      (local.set $f (call $fs.new))
      (call $return.pair (i32.wrap_i64 (local.get $s)) (i32.wrap_i64 (local.get $f)))
      (i32.store (i32.const 32) (local.get $n))
      (i32.store (i32.const 36) (i32.mul (local.get $n) (i32.const 2)))
      (i32.store (i32.const 40) (i32.mul (local.get $n) (i32.const 3)))
      (drop (call $stream.write (i32.wrap_i64 (i64.shr_u (local.get $s) (i64.const 32)))
                                (i32.const 32) (i32.const 3)))
      (call $stream.drop-writable (i32.wrap_i64 (i64.shr_u (local.get $s) (i64.const 32))))
      ;; the string's (pointer, length) pair
      (i32.store (i32.const 64) (i32.const 256))
      (i32.store (i32.const 68) (i32.const 4))
      (drop (call $fs.write (i32.wrap_i64 (i64.shr_u (local.get $f) (i64.const 32))) (i32.const 64)))
      (call $fs.drop-writable (i32.wrap_i64 (i64.shr_u (local.get $f) (i64.const 32)))))

    (func (export "mute")
      (call $return.stream (i32.wrap_i64 (call $stream.new))))

    (func (export "stuck")
      (local $ends i64)
      (local.set $ends (call $future.new))
      (drop (call $future.read (i32.wrap_i64 (local.get $ends)) (i32.const 16)))
      (call $return.u32 (i32.const 0)))
  )

  (canon stream.new $ST (core func $stream.new))
  (canon stream.write $ST (memory (core memory $memory "mem")) (core func $stream.write))
  (canon stream.drop-writable $ST (core func $stream.drop-writable))
  (canon future.new $FT (core func $future.new))
  (canon future.read $FT (memory (core memory $memory "mem")) (core func $future.read))
  (canon future.new $FS (core func $fs.new))
  (canon future.write $FS (memory (core memory $memory "mem")) (core func $fs.write))
  (canon future.drop-writable $FS (core func $fs.drop-writable))
  (canon task.return (result $ST) (core func $return.stream))
  (canon task.return (result $PAIR) (core func $return.pair))
  (canon task.return (result u32) (core func $return.u32))
  (core instance $m (instantiate $M (with "" (instance
    (export "mem" (memory $memory "mem"))
    (export "stream.new" (func $stream.new))
    (export "stream.write" (func $stream.write))
    (export "stream.drop-writable" (func $stream.drop-writable))
    (export "future.new" (func $future.new))
    (export "future.read" (func $future.read))
    (export "fs.new" (func $fs.new))
    (export "fs.write" (func $fs.write))
    (export "fs.drop-writable" (func $fs.drop-writable))
    (export "return.stream" (func $return.stream))
    (export "return.pair" (func $return.pair))
    (export "return.u32" (func $return.u32))))))

  (func (export "boom") async (param "n" u32) (result $ST)
    (canon lift (core func $m "boom") async))
  (func (export "pair") async (param "n" u32) (result $PAIR)
    (canon lift (core func $m "pair") async))
  (func (export "mute") async (result $ST)
    (canon lift (core func $m "mute") async))
  (func (export "stuck") async (result u32)
    (canon lift (core func $m "stuck") async))
)
