;; async_host.wat - the component that async_host.c runs. It imports, in WIT:
;;
;;   interface example:demo/timer { sleep: async func(ms: u32) -> u32; }
;;
;; and exports two async functions, both lifted `async` (stackful: each task blocks in
;; waitable-set.wait without holding the instance, so several run at once):
;;
;;   run: async func(id: u32, ms: u32) -> u32      sleeps `ms` through the host's timer, then
;;                                                 returns id * 1000 + what sleep returned
;;   sum: async func(nums: stream<u32>) -> u64     reads the stream until the writer drops it
;;                                                 and returns the sum of the numbers
(component
  (import "example:demo/timer" (instance $timer
    (export "sleep" (func async (param "ms" u32) (result u32)))))
  (type $ST (stream u32))

  (core module $Libc (memory (export "mem") 1))
  (core instance $libc (instantiate $Libc))

  (core func $sleep (canon lower (func $timer "sleep") async (memory (core memory $libc "mem"))))
  (core func $ws.new (canon waitable-set.new))
  (core func $ws.wait (canon waitable-set.wait (memory (core memory $libc "mem"))))
  (core func $ws.drop (canon waitable-set.drop))
  (core func $join (canon waitable.join))
  (core func $subtask.drop (canon subtask.drop))
  (core func $return.u32 (canon task.return (result u32)))
  (core func $return.u64 (canon task.return (result u64)))
  (core func $stream.read (canon stream.read $ST async (memory (core memory $libc "mem"))))
  (core func $stream.drop (canon stream.drop-readable $ST))

  (core module $Main
    (import "libc" "mem" (memory 1))
    (import "host" "sleep" (func $sleep (param i32 i32) (result i32)))
    (import "host" "ws.new" (func $ws.new (result i32)))
    (import "host" "ws.wait" (func $ws.wait (param i32 i32) (result i32)))
    (import "host" "ws.drop" (func $ws.drop (param i32)))
    (import "host" "join" (func $join (param i32 i32)))
    (import "host" "subtask.drop" (func $subtask.drop (param i32)))
    (import "host" "return.u32" (func $return.u32 (param i32)))
    (import "host" "return.u64" (func $return.u64 (param i64)))
    (import "host" "stream.read" (func $stream.read (param i32 i32 i32) (result i32)))
    (import "host" "stream.drop" (func $stream.drop (param i32)))

    ;; Waits for one event of waitable `w` in a set of its own; returns the event's payload.
    ;; Each caller passes its own 16 bytes of scratch memory at $evp.
    (func $wait_for (param $w i32) (param $evp i32) (result i32)
      (local $ws i32)
      (local.set $ws (call $ws.new))
      (call $join (local.get $w) (local.get $ws))
      (drop (call $ws.wait (local.get $ws) (local.get $evp)))
      (call $join (local.get $w) (i32.const 0))
      (call $ws.drop (local.get $ws))
      (i32.load offset=4 (local.get $evp)))

    (func (export "run") (param $id i32) (param $ms i32)
      (local $retp i32) (local $r i32)
      ;; result and scratch slots of this task: 64 + id * 32
      (local.set $retp (i32.add (i32.const 64) (i32.shl (local.get $id) (i32.const 5))))
      (local.set $r (call $sleep (local.get $ms) (local.get $retp)))
      (if (i32.ne (i32.and (local.get $r) (i32.const 0xf)) (i32.const 2 (; RETURNED ;)))
        (then
          ;; the host has not answered yet: wait for the subtask to resolve
          (if (i32.ne (call $wait_for (i32.shr_u (local.get $r) (i32.const 4))
                                      (i32.add (local.get $retp) (i32.const 8)))
                      (i32.const 2 (; RETURNED ;)))
            (then unreachable))
          (call $subtask.drop (i32.shr_u (local.get $r) (i32.const 4)))))
      (call $return.u32 (i32.add (i32.mul (local.get $id) (i32.const 1000))
                                 (i32.load (local.get $retp)))))

    (func (export "sum") (param $s i32)
      (local $r i32) (local $n i32) (local $i i32) (local $total i64)
      (loop $more
        ;; read up to 16 numbers into 4096..4160
        (local.set $r (call $stream.read (local.get $s) (i32.const 4096) (i32.const 16)))
        (if (i32.eq (local.get $r) (i32.const -1 (; BLOCKED ;)))
          (then (local.set $r (call $wait_for (local.get $s) (i32.const 32)))))
        (local.set $n (i32.shr_u (local.get $r) (i32.const 4)))
        (local.set $i (i32.const 0))
        (block $done
          (loop $add
            (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
            (local.set $total (i64.add (local.get $total)
              (i64.extend_i32_u (i32.load offset=4096 (i32.shl (local.get $i) (i32.const 2))))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $add)))
        ;; COMPLETED (0): read again; DROPPED (1): the writer is done
        (br_if $more (i32.eqz (i32.and (local.get $r) (i32.const 0xf)))))
      (call $stream.drop (local.get $s))
      (call $return.u64 (local.get $total))))

  (core instance $main (instantiate $Main
    (with "libc" (instance $libc))
    (with "host" (instance
      (export "sleep" (func $sleep))
      (export "ws.new" (func $ws.new))
      (export "ws.wait" (func $ws.wait))
      (export "ws.drop" (func $ws.drop))
      (export "join" (func $join))
      (export "subtask.drop" (func $subtask.drop))
      (export "return.u32" (func $return.u32))
      (export "return.u64" (func $return.u64))
      (export "stream.read" (func $stream.read))
      (export "stream.drop" (func $stream.drop))))))

  (func (export "run") async (param "id" u32) (param "ms" u32) (result u32)
    (canon lift (core func $main "run") async))
  (func (export "sum") async (param "nums" $ST) (result u64)
    (canon lift (core func $main "sum") async))
)
