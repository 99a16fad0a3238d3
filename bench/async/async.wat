;; async.wat - the async-ABI benchmark (bench/async/README.md).
;;
;; One outer component instantiates $B (the callee) and $A (the caller, linking A's imports
;; to B's exports). Every loop runs in A's core code; the host calls A's exports once each:
;; - run-call(n): n `async`-lowered calls of B.f(x) -> x + 1, a callback-lifted function that
;;   calls task.return and returns EXIT at once (every call returns RETURNED); base(n) runs the
;;   same loop over a plain core call, subtracted by the driver.
;; - run-switch(n): starts B.waiter(n) and B.writer(n) (stackful tasks of one instance) and
;;   waits for both. The two tasks ping-pong through futures: each round, one side writes the
;;   future the other side is blocked reading (a synchronous future.read), then blocks
;;   reading a fresh future of its own, so every round is two task switches.
;; - run-yield(n): starts two B.yielder(n) tasks that call thread.yield n times each: every
;;   yield switches to the other task (a switch with one built-in call, for comparison).
;; - run-many(n): starts n tasks of B.block(f), each blocked in a synchronous future.read of
;;   its own future, then writes every future and waits until all n tasks returned.
;; - run-stream(n): creates a stream<u8>, passes its readable end to B.sink(s, n) and writes n
;;   chunks of 64 KiB from its memory with a synchronous stream.write; B reads each chunk
;;   into its own memory with a synchronous stream.read of 64 KiB, so every write is matched
;;   by one read and copied memory to memory. A stamps chunk i with i in its first and last
;;   four bytes; B returns the sum of both stamps over all chunks (n * (n - 1) mod 2^32).
(component
  (component $B
    ;; Page 1 is the 64 KiB buffer run-stream's chunks are read into.
    (core module $Mem (memory (export "mem") 2))
    (core instance $mem (instantiate $Mem))
    (type $FT (future))
    (core func $task.return.u32 (canon task.return (result u32)))
    (core func $task.return0 (canon task.return))
    (core func $future.new (canon future.new $FT))
    (core func $future.read (canon future.read $FT (memory (core memory $mem "mem"))))
    (core func $future.write (canon future.write $FT (memory (core memory $mem "mem"))))
    (core func $future.drop-readable (canon future.drop-readable $FT))
    (core func $future.drop-writable (canon future.drop-writable $FT))
    (core func $thread.yield (canon thread.yield))
    (type $ST (stream u8))
    (core func $stream.read (canon stream.read $ST (memory (core memory $mem "mem"))))
    (core func $stream.drop-readable (canon stream.drop-readable $ST))
    (core module $M
      (import "" "mem" (memory 2))
      (import "" "task.return.u32" (func $task.return.u32 (param i32)))
      (import "" "task.return0" (func $task.return0))
      (import "" "future.new" (func $future.new (result i64)))
      (import "" "future.read" (func $future.read (param i32 i32) (result i32)))
      (import "" "future.write" (func $future.write (param i32 i32) (result i32)))
      (import "" "future.drop-readable" (func $future.drop-readable (param i32)))
      (import "" "future.drop-writable" (func $future.drop-writable (param i32)))
      (import "" "thread.yield" (func $thread.yield (result i32)))
      (import "" "stream.read" (func $stream.read (param i32 i32 i32) (result i32)))
      (import "" "stream.drop-readable" (func $stream.drop-readable (param i32)))
      ;; The writable ends each side writes next (set by the other side).
      (global $wa (mut i32) (i32.const 0))
      (global $wb (mut i32) (i32.const 0))

      (func (export "f") (param $x i32) (result i32)
        (call $task.return.u32 (i32.add (local.get $x) (i32.const 1)))
        (i32.const 0 (; EXIT ;)))
      (func (export "f_cb") (param i32 i32 i32) (result i32)
        unreachable)

      ;; A fresh future: its writable end goes to the global `which` names (0: $wa, 1: $wb),
      ;; its readable end is returned.
      (func $fresh (param $which i32) (result i32)
        (local $p i64)
        (local.set $p (call $future.new))
        (if (local.get $which)
          (then (global.set $wb (i32.wrap_i64 (i64.shr_u (local.get $p) (i64.const 32)))))
          (else (global.set $wa (i32.wrap_i64 (i64.shr_u (local.get $p) (i64.const 32))))))
        (i32.wrap_i64 (local.get $p)))
      (func $wake (param $w i32)
        (if (i32.ne (call $future.write (local.get $w) (i32.const 0)) (i32.const 0 (; COMPLETED ;)))
          (then unreachable))
        (call $future.drop-writable (local.get $w)))
      (func $sleep (param $r i32)
        (if (i32.ne (call $future.read (local.get $r) (i32.const 0)) (i32.const 0 (; COMPLETED ;)))
          (then unreachable))
        (call $future.drop-readable (local.get $r)))

      (func (export "waiter") (param $n i32)
        (local $i i32)
        (loop $next
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          ;; $r := fresh; wake the writer (except before its first round); sleep on $r
          (call $sleep
            (block $r (result i32)
              (call $fresh (i32.const 0))
              (br_if $r (i32.eq (local.get $i) (i32.const 1)))
              (call $wake (global.get $wb))))
          (br_if $next (local.get $n)))
        (call $wake (global.get $wb))
        (call $task.return0))

      (func (export "writer") (param $n i32)
        (loop $next
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (call $sleep
            (block $r (result i32)
              (call $fresh (i32.const 1))
              (call $wake (global.get $wa))))
          (br_if $next (local.get $n)))
        (call $task.return0))

      (func (export "yielder") (param $n i32)
        (loop $next
          (drop (call $thread.yield))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br_if $next (local.get $n)))
        (call $task.return0))

      (func (export "block") (param $r i32)
        (call $sleep (local.get $r))
        (call $task.return0))

      ;; n synchronous reads of 64 KiB into page 1; each must copy all 65536 bytes (the result
      ;; is count << 4 | status). The status is COMPLETED (0), except that the last read may
      ;; report DROPPED (1) when A dropped its end before this task took the event.
      ;; Returns the sum of each chunk's two stamps.
      (func (export "sink") (param $r i32) (param $n i32)
        (local $sum i32) (local $res i32)
        (block $done
          (loop $next
            (br_if $done (i32.eqz (local.get $n)))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (local.set $res (call $stream.read (local.get $r) (i32.const 65536) (i32.const 65536)))
            (if (i32.eqz (local.get $n))
              (then (local.set $res (i32.and (local.get $res) (i32.const -2)))))
            (if (i32.ne (local.get $res) (i32.const 0x100000))
              (then unreachable))
            (local.set $sum (i32.add (local.get $sum)
              (i32.add (i32.load (i32.const 65536)) (i32.load (i32.const 131068)))))
            (br $next)))
        (call $stream.drop-readable (local.get $r))
        (call $task.return.u32 (local.get $sum)))
    )
    (core instance $m (instantiate $M (with "" (instance
      (export "task.return.u32" (func $task.return.u32))
      (export "task.return0" (func $task.return0))
      (export "future.new" (func $future.new))
      (export "future.read" (func $future.read))
      (export "future.write" (func $future.write))
      (export "future.drop-readable" (func $future.drop-readable))
      (export "future.drop-writable" (func $future.drop-writable))
      (export "thread.yield" (func $thread.yield))
      (export "stream.read" (func $stream.read))
      (export "stream.drop-readable" (func $stream.drop-readable))
      (export "mem" (memory $mem "mem"))))))
    (func (export "f") async (param "x" u32) (result u32)
      (canon lift (core func $m "f") async (callback (core func $m "f_cb"))))
    (func (export "waiter") async (param "n" u32)
      (canon lift (core func $m "waiter") async))
    (func (export "writer") async (param "n" u32)
      (canon lift (core func $m "writer") async))
    (func (export "yielder") async (param "n" u32)
      (canon lift (core func $m "yielder") async))
    (func (export "block") async (param "f" (future))
      (canon lift (core func $m "block") async))
    (func (export "sink") async (param "s" (stream u8)) (param "n" u32) (result u32)
      (canon lift (core func $m "sink") async))
  )

  (component $A
    (import "f" (func $f async (param "x" u32) (result u32)))
    (import "waiter" (func $waiter async (param "n" u32)))
    (import "writer" (func $writer async (param "n" u32)))
    (import "block" (func $block async (param "f" (future))))
    (import "yielder" (func $yielder async (param "n" u32)))
    (import "sink" (func $sink async (param "s" (stream u8)) (param "n" u32) (result u32)))
    ;; Page 1 is the 64 KiB buffer run-stream writes its chunks from.
    (core module $Mem (memory (export "mem") 2))
    (core instance $mem (instantiate $Mem))
    (type $FT (future))
    (core func $f' (canon lower (func $f) async (memory (core memory $mem "mem"))))
    (core func $waiter' (canon lower (func $waiter) async))
    (core func $writer' (canon lower (func $writer) async))
    (core func $block' (canon lower (func $block) async))
    (core func $yielder' (canon lower (func $yielder) async))
    (core func $sink' (canon lower (func $sink) async (memory (core memory $mem "mem"))))
    (type $ST (stream u8))
    (core func $stream.new (canon stream.new $ST))
    (core func $stream.write (canon stream.write $ST (memory (core memory $mem "mem"))))
    (core func $stream.drop-writable (canon stream.drop-writable $ST))
    (core func $future.new (canon future.new $FT))
    (core func $future.write (canon future.write $FT (memory (core memory $mem "mem"))))
    (core func $future.drop-writable (canon future.drop-writable $FT))
    (core func $waitable-set.new (canon waitable-set.new))
    (core func $waitable-set.wait (canon waitable-set.wait (memory (core memory $mem "mem"))))
    (core func $waitable.join (canon waitable.join))
    (core func $subtask.drop (canon subtask.drop))
    (core module $Main
      (import "" "mem" (memory 1))
      (import "" "f" (func $f (param i32 i32) (result i32)))
      (import "" "waiter" (func $waiter (param i32) (result i32)))
      (import "" "writer" (func $writer (param i32) (result i32)))
      (import "" "block" (func $block (param i32) (result i32)))
      (import "" "yielder" (func $yielder (param i32) (result i32)))
      (import "" "sink" (func $sink (param i32 i32 i32) (result i32)))
      (import "" "stream.new" (func $stream.new (result i64)))
      (import "" "stream.write" (func $stream.write (param i32 i32 i32) (result i32)))
      (import "" "stream.drop-writable" (func $stream.drop-writable (param i32)))
      (import "" "future.new" (func $future.new (result i64)))
      (import "" "future.write" (func $future.write (param i32 i32) (result i32)))
      (import "" "future.drop-writable" (func $future.drop-writable (param i32)))
      (import "" "waitable-set.new" (func $waitable-set.new (result i32)))
      (import "" "waitable-set.wait" (func $waitable-set.wait (param i32 i32) (result i32)))
      (import "" "waitable.join" (func $waitable.join (param i32 i32)))
      (import "" "subtask.drop" (func $subtask.drop (param i32)))
      (global $ws (mut i32) (i32.const 0))

      (func $local (param $x i32) (param $ret i32) (result i32)
        (i32.store (local.get $ret) (i32.add (local.get $x) (i32.const 1)))
        (i32.const 2))
      ;; Each loop returns the sum of the results so that a wrong call shows in the checksum.
      (func (export "base") (param $n i32) (result i32)
        (local $sum i32)
        (block $done
          (loop $next
            (br_if $done (i32.eqz (local.get $n)))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (if (i32.ne (call $local (local.get $n) (i32.const 8)) (i32.const 2))
              (then unreachable))
            (local.set $sum (i32.add (local.get $sum) (i32.load (i32.const 8))))
            (br $next)))
        (local.get $sum))
      (func (export "run-call") (param $n i32) (result i32)
        (local $sum i32)
        (block $done
          (loop $next
            (br_if $done (i32.eqz (local.get $n)))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (if (i32.ne (call $f (local.get $n) (i32.const 8)) (i32.const 2 (; RETURNED ;)))
              (then unreachable))
            (local.set $sum (i32.add (local.get $sum) (i32.load (i32.const 8))))
            (br $next)))
        (local.get $sum))

      ;; Joins a started subtask (status from an async lower) to the set; 1 if it is pending.
      (func $track (param $st i32) (result i32)
        (if (i32.eq (i32.and (local.get $st) (i32.const 0xf)) (i32.const 2 (; RETURNED ;)))
          (then (return (i32.const 0))))
        (call $waitable.join (i32.shr_u (local.get $st) (i32.const 4)) (global.get $ws))
        (i32.const 1))
      ;; Waits until `pending` subtasks in the set returned, dropping each.
      (func $drain (param $pending i32)
        (block $done
          (loop $next
            (br_if $done (i32.eqz (local.get $pending)))
            (if (i32.ne (call $waitable-set.wait (global.get $ws) (i32.const 0)) (i32.const 1 (; SUBTASK ;)))
              (then unreachable))
            (if (i32.eq (i32.load (i32.const 4)) (i32.const 2 (; RETURNED ;)))
              (then
                (call $subtask.drop (i32.load (i32.const 0)))
                (local.set $pending (i32.sub (local.get $pending) (i32.const 1)))))
            (br $next))))

      (func (export "run-switch") (param $n i32) (result i32)
        (local $pending i32)
        (if (i32.eqz (global.get $ws)) (then (global.set $ws (call $waitable-set.new))))
        (local.set $pending (call $track (call $waiter (local.get $n))))
        (local.set $pending (i32.add (local.get $pending) (call $track (call $writer (local.get $n)))))
        (call $drain (local.get $pending))
        (local.get $n))

      (func (export "run-yield") (param $n i32) (result i32)
        (local $pending i32)
        (if (i32.eqz (global.get $ws)) (then (global.set $ws (call $waitable-set.new))))
        (local.set $pending (call $track (call $yielder (local.get $n))))
        (local.set $pending (i32.add (local.get $pending) (call $track (call $yielder (local.get $n)))))
        (call $drain (local.get $pending))
        (local.get $n))

      ;; The writable ends are kept from address 64 on.
      (func (export "run-many") (param $n i32) (result i32)
        (local $i i32) (local $p i64) (local $pending i32)
        (if (i32.eqz (global.get $ws)) (then (global.set $ws (call $waitable-set.new))))
        (if (i32.lt_u (memory.size) (i32.add (i32.shr_u (local.get $n) (i32.const 14)) (i32.const 1)))
          (then (drop (memory.grow (i32.add (i32.shr_u (local.get $n) (i32.const 14)) (i32.const 1))))))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
            (local.set $p (call $future.new))
            (i32.store offset=64 (i32.shl (local.get $i) (i32.const 2))
              (i32.wrap_i64 (i64.shr_u (local.get $p) (i64.const 32))))
            (local.set $pending (i32.add (local.get $pending)
              (call $track (call $block (i32.wrap_i64 (local.get $p))))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $next)))
        (local.set $i (i32.const 0))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
            (if (i32.ne (call $future.write
                          (i32.load offset=64 (i32.shl (local.get $i) (i32.const 2))) (i32.const 0))
                        (i32.const 0 (; COMPLETED ;)))
              (then unreachable))
            (call $future.drop-writable (i32.load offset=64 (i32.shl (local.get $i) (i32.const 2))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $next)))
        (call $drain (local.get $pending))
        (local.get $pending))

      ;; B.sink's result goes to address 16 (0..7 hold waitable-set.wait's event payload).
      (func (export "run-stream") (param $n i32) (result i32)
        (local $p i64) (local $w i32) (local $i i32) (local $pending i32) (local $res i32)
        (if (i32.eqz (global.get $ws)) (then (global.set $ws (call $waitable-set.new))))
        (local.set $p (call $stream.new))
        (local.set $w (i32.wrap_i64 (i64.shr_u (local.get $p) (i64.const 32))))
        (local.set $pending
          (call $track (call $sink (i32.wrap_i64 (local.get $p)) (local.get $n) (i32.const 16))))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
            (i32.store (i32.const 65536) (local.get $i))
            (i32.store (i32.const 131068) (local.get $i))
            ;; synchronous: returns once B's read took all 65536 bytes (count << 4 | status);
            ;; COMPLETED, or for the last chunk DROPPED when B dropped its end before this
            ;; task took the event
            (local.set $res (call $stream.write (local.get $w) (i32.const 65536) (i32.const 65536)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (if (i32.eq (local.get $i) (local.get $n))
              (then (local.set $res (i32.and (local.get $res) (i32.const -2)))))
            (if (i32.ne (local.get $res) (i32.const 0x100000))
              (then unreachable))
            (br $next)))
        (call $stream.drop-writable (local.get $w))
        (call $drain (local.get $pending))
        (i32.load (i32.const 16)))
    )
    (core instance $main (instantiate $Main (with "" (instance
      (export "mem" (memory $mem "mem"))
      (export "f" (func $f'))
      (export "waiter" (func $waiter'))
      (export "writer" (func $writer'))
      (export "block" (func $block'))
      (export "yielder" (func $yielder'))
      (export "sink" (func $sink'))
      (export "stream.new" (func $stream.new))
      (export "stream.write" (func $stream.write))
      (export "stream.drop-writable" (func $stream.drop-writable))
      (export "future.new" (func $future.new))
      (export "future.write" (func $future.write))
      (export "future.drop-writable" (func $future.drop-writable))
      (export "waitable-set.new" (func $waitable-set.new))
      (export "waitable-set.wait" (func $waitable-set.wait))
      (export "waitable.join" (func $waitable.join))
      (export "subtask.drop" (func $subtask.drop))))))
    (func (export "base") (param "n" u32) (result u32) (canon lift (core func $main "base")))
    (func (export "run-call") (param "n" u32) (result u32)
      (canon lift (core func $main "run-call")))
    (func (export "run-switch") async (param "n" u32) (result u32)
      (canon lift (core func $main "run-switch")))
    (func (export "run-yield") async (param "n" u32) (result u32)
      (canon lift (core func $main "run-yield")))
    (func (export "run-many") async (param "n" u32) (result u32)
      (canon lift (core func $main "run-many")))
    (func (export "run-stream") async (param "n" u32) (result u32)
      (canon lift (core func $main "run-stream")))
  )

  (instance $b (instantiate $B))
  (instance $a (instantiate $A
    (with "f" (func $b "f"))
    (with "waiter" (func $b "waiter"))
    (with "writer" (func $b "writer"))
    (with "block" (func $b "block"))
    (with "yielder" (func $b "yielder"))
    (with "sink" (func $b "sink"))))
  (func (export "base") (alias export $a "base"))
  (func (export "run-call") (alias export $a "run-call"))
  (func (export "run-switch") (alias export $a "run-switch"))
  (func (export "run-yield") (alias export $a "run-yield"))
  (func (export "run-many") (alias export $a "run-many"))
  (func (export "run-stream") (alias export $a "run-stream"))
)
