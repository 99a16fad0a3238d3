;; async_pair.wat - the component driven by fuzz/fuzz_async.c.
;;
;; Two components, $B and $A (A's import `take` is B's export), run one core interpreter
;; ($Interp, shared through an outer alias) over a program: a list<u8> argument. Each op byte
;; selects an async built-in (CanonicalABI.md "Canonical built-ins") and the next bytes its
;; operands; handles are kept in 16 slots (operand & 15) so that live handles are hit often,
;; buffers lie in a small scratch area. A's ops 28, 34 and 35 call B (B.take, stackful; B.take-cb,
;; callback-lifted; both lowered async, or B.take lowered synchronously) with two of its slots
;; as the stream and future and the next bytes of its program as B's program, so the two
;; components copy into each other's ends. A program has no loops: every run ends,
;; blocks forever (a deadlock trap) or traps.
(component
  (core module $Interp
    (import "" "mem" (memory 1))
    (import "" "stream.new" (func $stream.new (result i64)))
    (import "" "future.new" (func $future.new (result i64)))
    (import "" "stream.read" (func $stream.read (param i32 i32 i32) (result i32)))
    (import "" "stream.write" (func $stream.write (param i32 i32 i32) (result i32)))
    (import "" "future.read" (func $future.read (param i32 i32) (result i32)))
    (import "" "future.write" (func $future.write (param i32 i32) (result i32)))
    (import "" "stream.cancel-read" (func $stream.cancel-read (param i32) (result i32)))
    (import "" "stream.cancel-write" (func $stream.cancel-write (param i32) (result i32)))
    (import "" "future.cancel-read" (func $future.cancel-read (param i32) (result i32)))
    (import "" "future.cancel-write" (func $future.cancel-write (param i32) (result i32)))
    (import "" "stream.drop-readable" (func $stream.drop-readable (param i32)))
    (import "" "stream.drop-writable" (func $stream.drop-writable (param i32)))
    (import "" "future.drop-readable" (func $future.drop-readable (param i32)))
    (import "" "future.drop-writable" (func $future.drop-writable (param i32)))
    (import "" "waitable-set.new" (func $ws.new (result i32)))
    (import "" "waitable-set.wait" (func $ws.wait (param i32 i32) (result i32)))
    (import "" "waitable-set.poll" (func $ws.poll (param i32 i32) (result i32)))
    (import "" "waitable-set.drop" (func $ws.drop (param i32)))
    (import "" "waitable.join" (func $join (param i32 i32)))
    (import "" "subtask.cancel" (func $subtask.cancel (param i32) (result i32)))
    (import "" "subtask.drop" (func $subtask.drop (param i32)))
    (import "" "thread.yield" (func $thread.yield (result i32)))
    (import "" "context.get" (func $context.get (result i32)))
    (import "" "context.set" (func $context.set (param i32)))
    (import "" "backpressure.inc" (func $bp.inc))
    (import "" "backpressure.dec" (func $bp.dec))
    (import "" "error-context.new" (func $ec.new (param i32 i32) (result i32)))
    (import "" "error-context.drop" (func $ec.drop (param i32)))
    (import "" "task.return" (func $task.return))
    (import "" "take" (func $take (param i32 i32 i32 i32) (result i32)))
    (import "" "take-cb" (func $take-cb (param i32 i32 i32 i32) (result i32)))
    (import "" "take-sync" (func $take-sync (param i32 i32 i32 i32)))
    (import "" "stream.read-sync" (func $stream.read-sync (param i32 i32 i32) (result i32)))
    (import "" "stream.write-sync" (func $stream.write-sync (param i32 i32 i32) (result i32)))
    (import "" "future.read-sync" (func $future.read-sync (param i32 i32) (result i32)))
    (import "" "future.write-sync" (func $future.write-sync (param i32 i32) (result i32)))

    ;; Memory: 0..63 the 16 handle slots, 64..71 an event, 200..202 "err", 256..1279 the
    ;; scratch buffers, 2048.. the heap of `realloc` (the program).
    (data (i32.const 200) "err")
    (global $heap (mut i32) (i32.const 2048))
    (global $pc (mut i32) (i32.const 0))
    (global $end (mut i32) (i32.const 0))
    (global $last (mut i32) (i32.const 0))
    (global $returned (mut i32) (i32.const 0))
    (global $recent (mut i32) (i32.const 0))
    (global $cbn (mut i32) (i32.const 0))

    ;; A bump allocator: lifting the program copies it here.
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32) (local $need i32)
      (local.set $p (i32.and (i32.add (global.get $heap) (i32.const 7)) (i32.const -8)))
      (local.set $need (i32.add (local.get $p) (local.get 3)))
      (if (i32.gt_u (local.get $need) (i32.shl (memory.size) (i32.const 16)))
        (then
          (if (i32.eq (memory.grow (i32.add (i32.shr_u (local.get $need) (i32.const 16)) (i32.const 1)))
                      (i32.const -1))
            (then unreachable))))
      (global.set $heap (local.get $need))
      (local.get $p))

    ;; The next operand byte (0 past the end).
    (func $arg (result i32)
      (local $b i32)
      (if (i32.lt_u (global.get $pc) (global.get $end))
        (then (local.set $b (i32.load8_u (global.get $pc)))))
      (global.set $pc (i32.add (global.get $pc) (i32.const 1)))
      (local.get $b))
    ;; An empty slot stands for the handle stored last, so that fewer ops hit index 0.
    (func $slot (result i32)
      (local $h i32)
      (local.set $h (i32.load (i32.shl (i32.and (call $arg) (i32.const 15)) (i32.const 2))))
      (select (local.get $h) (global.get $recent) (local.get $h)))
    (func $set (param $v i32)
      (if (local.get $v) (then (global.set $recent (local.get $v))))
      (i32.store (i32.shl (i32.and (call $arg) (i32.const 15)) (i32.const 2)) (local.get $v)))
    ;; Two slots from a stream.new/future.new pair: readable, then writable.
    (func $pair (param $p i64)
      (call $set (i32.wrap_i64 (local.get $p)))
      (call $set (i32.wrap_i64 (i64.shr_u (local.get $p) (i64.const 32)))))
    (func $ptr (result i32)
      (i32.add (i32.const 256) (i32.shl (i32.and (call $arg) (i32.const 63)) (i32.const 3))))
    (func $len (result i32)
      (i32.and (call $arg) (i32.const 127)))

    ;; Ops 28, 34, 35: B.take (stackful), B.take-cb (callback lift), both lowered async, or
    ;; B.take lowered synchronously. Operands: stream slot, future slot, subtask slot, n, then
    ;; the callee's program (the next n bytes, skipped here).
    (func $call (param $which i32)
      (local $a i32) (local $b i32) (local $n i32) (local $d i32)
      (local.set $a (call $slot))
      (local.set $b (call $slot))
      (local.set $d (i32.shl (i32.and (call $arg) (i32.const 15)) (i32.const 2)))
      (local.set $n (call $arg))
      (if (i32.gt_u (i32.add (global.get $pc) (local.get $n)) (global.get $end))
        (then (local.set $n (i32.sub (global.get $end)
                                     (select (global.get $end) (global.get $pc)
                                             (i32.gt_u (global.get $pc) (global.get $end)))))))
      ;; the status goes to $last, the subtask (if any) to slot $d
      (if (i32.eq (local.get $which) (i32.const 2))
        (then (call $take-sync (local.get $a) (local.get $b) (global.get $pc) (local.get $n))
              (global.set $last (i32.const 2)))
        (else
          (global.set $last
            (if (result i32) (local.get $which)
              (then (call $take-cb (local.get $a) (local.get $b) (global.get $pc) (local.get $n)))
              (else (call $take (local.get $a) (local.get $b) (global.get $pc) (local.get $n)))))))
      (i32.store (local.get $d) (i32.shr_u (global.get $last) (i32.const 4)))
      (global.set $pc (i32.add (global.get $pc) (local.get $n))))

    (func $op (param $op i32)
      (local $a i32) (local $b i32) (local $n i32) (local $d i32)
      (block $done
      (block $35 (block $34 (block $33 (block $32 (block $31 (block $30 (block $29 (block $28 (block $27 (block $26
      (block $25 (block $24 (block $23 (block $22 (block $21 (block $20 (block $19 (block $18
      (block $17 (block $16 (block $15 (block $14 (block $13 (block $12 (block $11 (block $10
      (block $9 (block $8 (block $7 (block $6 (block $5 (block $4 (block $3 (block $2 (block $1
      (block $0
        (br_table $0 $1 $2 $3 $4 $5 $6 $7 $8 $9 $10 $11 $12 $13 $14 $15 $16 $17 $18 $19 $20
                  $21 $22 $23 $24 $25 $26 $27 $28 $29 $30 $31 $32 $33 $34 $35 $done (local.get $op)))
      (call $pair (call $stream.new)) (br $done))                                      ;; 0
      (call $pair (call $future.new)) (br $done))                                      ;; 1
      (global.set $last (call $stream.read (call $slot) (call $ptr) (call $len))) (br $done))
      (global.set $last (call $stream.write (call $slot) (call $ptr) (call $len))) (br $done))
      (global.set $last (call $future.read (call $slot) (call $ptr))) (br $done))       ;; 4
      (global.set $last (call $future.write (call $slot) (call $ptr))) (br $done))      ;; 5
      (global.set $last (call $stream.cancel-read (call $slot))) (br $done))            ;; 6
      (global.set $last (call $stream.cancel-write (call $slot))) (br $done))           ;; 7
      (global.set $last (call $future.cancel-read (call $slot))) (br $done))            ;; 8
      (global.set $last (call $future.cancel-write (call $slot))) (br $done))           ;; 9
      (call $stream.drop-readable (call $slot)) (br $done))                             ;; 10
      (call $stream.drop-writable (call $slot)) (br $done))                             ;; 11
      (call $future.drop-readable (call $slot)) (br $done))                             ;; 12
      (call $future.drop-writable (call $slot)) (br $done))                             ;; 13
      (call $set (call $ws.new)) (br $done))                                            ;; 14
      ;; 15, 16: the event's waitable goes to a slot, its code to $last
      (global.set $last (call $ws.wait (call $slot) (i32.const 64)))
      (call $set (i32.load (i32.const 64))) (br $done))
      (global.set $last (call $ws.poll (call $slot) (i32.const 64)))
      (call $set (i32.load (i32.const 64))) (br $done))
      (call $ws.drop (call $slot)) (br $done))                                          ;; 17
      ;; 18: join a waitable to a set, or (operand bit 4) remove it from its set
      (local.set $a (call $slot))
      (local.set $b (call $arg))
      (call $join (local.get $a)
        (if (result i32) (i32.and (local.get $b) (i32.const 16))
          (then (i32.const 0))
          (else (i32.load (i32.shl (i32.and (local.get $b) (i32.const 15)) (i32.const 2))))))
      (br $done))
      (global.set $last (call $subtask.cancel (call $slot))) (br $done))                ;; 19
      (call $subtask.drop (call $slot)) (br $done))                                     ;; 20
      (global.set $last (call $thread.yield)) (br $done))                               ;; 21
      (global.set $last (call $context.get)) (br $done))                                ;; 22
      (call $context.set (global.get $last)) (br $done))                                ;; 23
      (call $bp.inc) (br $done))                                                        ;; 24
      (call $bp.dec) (br $done))                                                        ;; 25
      (call $set (call $ec.new (i32.const 200) (i32.and (call $arg) (i32.const 3)))) (br $done))
      (call $ec.drop (call $slot)) (br $done))                                          ;; 27
      ;; 28: take(stream, future, the next n bytes as the callee's program) -> subtask slot
      (call $call (i32.const 0)) (br $done))
      (global.set $last (call $stream.read-sync (call $slot) (call $ptr) (call $len))) (br $done))
      (global.set $last (call $stream.write-sync (call $slot) (call $ptr) (call $len))) (br $done))
      (global.set $last (call $future.read-sync (call $slot) (call $ptr))) (br $done))  ;; 31
      (global.set $last (call $future.write-sync (call $slot) (call $ptr))) (br $done)) ;; 32
      ;; 33: return early (a second task.return traps); the program goes on after it
      (global.set $returned (i32.add (global.get $returned) (i32.const 1)))
      (call $task.return) (br $done))
      (call $call (i32.const 1)) (br $done))                                            ;; 34
      (call $call (i32.const 2)))                                                       ;; 35
    )

    (func $run (param $p i32) (param $len i32)
      (global.set $pc (local.get $p))
      (global.set $end (i32.add (local.get $p) (local.get $len)))
      (block $stop
        (loop $next
          (br_if $stop (i32.ge_u (global.get $pc) (global.get $end)))
          (call $op (i32.rem_u (call $arg) (i32.const 36)))
          (br $next)))
      (if (i32.eqz (global.get $returned)) (then (call $task.return))))
    (func (export "run") (param i32 i32) (call $run (local.get 0) (local.get 1)))
    (func (export "take") (param $s i32) (param $f i32) (param $p i32) (param $len i32)
      ;; the received ends start in slots 0 and 1
      (i32.store (i32.const 0) (local.get $s))
      (i32.store (i32.const 4) (local.get $f))
      (call $run (local.get $p) (local.get $len)))
    ;; The callback-lifted `take-cb`: the program runs in the first call, then the callback
    ;; answers YIELD once, then WAIT on the set in slot 14 (if any), then EXIT.
    (func $cb-code (result i32)
      (global.set $cbn (i32.add (global.get $cbn) (i32.const 1)))
      (if (i32.eq (global.get $cbn) (i32.const 1)) (then (return (i32.const 1 (; YIELD ;)))))
      (if (i32.and (i32.eq (global.get $cbn) (i32.const 2)) (i32.ne (i32.load (i32.const 56)) (i32.const 0)))
        (then (return (i32.or (i32.const 2 (; WAIT ;)) (i32.shl (i32.load (i32.const 56)) (i32.const 4))))))
      (i32.const 0 (; EXIT ;)))
    (func (export "take-cb") (param $s i32) (param $f i32) (param $p i32) (param $len i32) (result i32)
      (i32.store (i32.const 0) (local.get $s))
      (i32.store (i32.const 4) (local.get $f))
      (call $run (local.get $p) (local.get $len))
      (call $cb-code))
    (func (export "cb") (param i32 i32 i32) (result i32) (call $cb-code))
  )

  (component $B
    (core module $Mem (memory (export "mem") 1))
    (core instance $mem (instantiate $Mem))
    (alias outer 1 $Interp (core module $I))
    ;; B calls no one: its `take` op answers RETURNED at once.
    (core module $NoTake
      (func (export "take") (param i32 i32 i32 i32) (result i32) (i32.const 2))
      (func (export "take-sync") (param i32 i32 i32 i32)))
    (core instance $nt (instantiate $NoTake))
    (type $ST (stream u8))
    (type $FT (future u32))
    (core func $stream.new (canon stream.new $ST))
    (core func $future.new (canon future.new $FT))
    (core func $stream.read (canon stream.read $ST async (memory (core memory $mem "mem"))))
    (core func $stream.write (canon stream.write $ST async (memory (core memory $mem "mem"))))
    (core func $future.read (canon future.read $FT async (memory (core memory $mem "mem"))))
    (core func $future.write (canon future.write $FT async (memory (core memory $mem "mem"))))
    (core func $stream.read-sync (canon stream.read $ST (memory (core memory $mem "mem"))))
    (core func $stream.write-sync (canon stream.write $ST (memory (core memory $mem "mem"))))
    (core func $future.read-sync (canon future.read $FT (memory (core memory $mem "mem"))))
    (core func $future.write-sync (canon future.write $FT (memory (core memory $mem "mem"))))
    (core func $stream.cancel-read (canon stream.cancel-read $ST async))
    (core func $stream.cancel-write (canon stream.cancel-write $ST async))
    (core func $future.cancel-read (canon future.cancel-read $FT async))
    (core func $future.cancel-write (canon future.cancel-write $FT async))
    (core func $stream.drop-readable (canon stream.drop-readable $ST))
    (core func $stream.drop-writable (canon stream.drop-writable $ST))
    (core func $future.drop-readable (canon future.drop-readable $FT))
    (core func $future.drop-writable (canon future.drop-writable $FT))
    (core func $ws.new (canon waitable-set.new))
    (core func $ws.wait (canon waitable-set.wait (memory (core memory $mem "mem"))))
    (core func $ws.poll (canon waitable-set.poll (memory (core memory $mem "mem"))))
    (core func $ws.drop (canon waitable-set.drop))
    (core func $join (canon waitable.join))
    (core func $subtask.cancel (canon subtask.cancel async))
    (core func $subtask.drop (canon subtask.drop))
    (core func $thread.yield (canon thread.yield))
    (core func $context.get (canon context.get i32 0))
    (core func $context.set (canon context.set i32 0))
    (core func $bp.inc (canon backpressure.inc))
    (core func $bp.dec (canon backpressure.dec))
    (core func $ec.new (canon error-context.new (memory (core memory $mem "mem"))))
    (core func $ec.drop (canon error-context.drop))
    (core func $task.return (canon task.return))
    (core instance $i (instantiate $I (with "" (instance
      (export "mem" (memory $mem "mem"))
      (export "stream.new" (func $stream.new))
      (export "future.new" (func $future.new))
      (export "stream.read" (func $stream.read))
      (export "stream.write" (func $stream.write))
      (export "future.read" (func $future.read))
      (export "future.write" (func $future.write))
      (export "stream.read-sync" (func $stream.read-sync))
      (export "stream.write-sync" (func $stream.write-sync))
      (export "future.read-sync" (func $future.read-sync))
      (export "future.write-sync" (func $future.write-sync))
      (export "stream.cancel-read" (func $stream.cancel-read))
      (export "stream.cancel-write" (func $stream.cancel-write))
      (export "future.cancel-read" (func $future.cancel-read))
      (export "future.cancel-write" (func $future.cancel-write))
      (export "stream.drop-readable" (func $stream.drop-readable))
      (export "stream.drop-writable" (func $stream.drop-writable))
      (export "future.drop-readable" (func $future.drop-readable))
      (export "future.drop-writable" (func $future.drop-writable))
      (export "waitable-set.new" (func $ws.new))
      (export "waitable-set.wait" (func $ws.wait))
      (export "waitable-set.poll" (func $ws.poll))
      (export "waitable-set.drop" (func $ws.drop))
      (export "waitable.join" (func $join))
      (export "subtask.cancel" (func $subtask.cancel))
      (export "subtask.drop" (func $subtask.drop))
      (export "thread.yield" (func $thread.yield))
      (export "context.get" (func $context.get))
      (export "context.set" (func $context.set))
      (export "backpressure.inc" (func $bp.inc))
      (export "backpressure.dec" (func $bp.dec))
      (export "error-context.new" (func $ec.new))
      (export "error-context.drop" (func $ec.drop))
      (export "task.return" (func $task.return))
      (export "take" (func $nt "take"))
      (export "take-cb" (func $nt "take"))
      (export "take-sync" (func $nt "take-sync"))))))
    (func (export "take") async (param "s" (stream u8)) (param "f" (future u32))
                          (param "prog" (list u8))
      (canon lift (core func $i "take") async
        (memory (core memory $mem "mem")) (realloc (core func $i "realloc"))))
    (func (export "take-cb") async (param "s" (stream u8)) (param "f" (future u32))
                             (param "prog" (list u8))
      (canon lift (core func $i "take-cb") async (callback (core func $i "cb"))
        (memory (core memory $mem "mem")) (realloc (core func $i "realloc"))))
  )

  (component $A
    (import "take" (func $take async (param "s" (stream u8)) (param "f" (future u32))
                                     (param "prog" (list u8))))
    (import "take-cb" (func $take-cb async (param "s" (stream u8)) (param "f" (future u32))
                                           (param "prog" (list u8))))
    (core module $Mem (memory (export "mem") 1))
    (core instance $mem (instantiate $Mem))
    (alias outer 1 $Interp (core module $I))
    (type $ST (stream u8))
    (type $FT (future u32))
    (core func $take' (canon lower (func $take) async (memory (core memory $mem "mem"))))
    (core func $take-cb' (canon lower (func $take-cb) async (memory (core memory $mem "mem"))))
    (core func $take-sync' (canon lower (func $take) (memory (core memory $mem "mem"))))
    (core func $stream.new (canon stream.new $ST))
    (core func $future.new (canon future.new $FT))
    (core func $stream.read (canon stream.read $ST async (memory (core memory $mem "mem"))))
    (core func $stream.write (canon stream.write $ST async (memory (core memory $mem "mem"))))
    (core func $future.read (canon future.read $FT async (memory (core memory $mem "mem"))))
    (core func $future.write (canon future.write $FT async (memory (core memory $mem "mem"))))
    (core func $stream.read-sync (canon stream.read $ST (memory (core memory $mem "mem"))))
    (core func $stream.write-sync (canon stream.write $ST (memory (core memory $mem "mem"))))
    (core func $future.read-sync (canon future.read $FT (memory (core memory $mem "mem"))))
    (core func $future.write-sync (canon future.write $FT (memory (core memory $mem "mem"))))
    (core func $stream.cancel-read (canon stream.cancel-read $ST async))
    (core func $stream.cancel-write (canon stream.cancel-write $ST async))
    (core func $future.cancel-read (canon future.cancel-read $FT async))
    (core func $future.cancel-write (canon future.cancel-write $FT async))
    (core func $stream.drop-readable (canon stream.drop-readable $ST))
    (core func $stream.drop-writable (canon stream.drop-writable $ST))
    (core func $future.drop-readable (canon future.drop-readable $FT))
    (core func $future.drop-writable (canon future.drop-writable $FT))
    (core func $ws.new (canon waitable-set.new))
    (core func $ws.wait (canon waitable-set.wait (memory (core memory $mem "mem"))))
    (core func $ws.poll (canon waitable-set.poll (memory (core memory $mem "mem"))))
    (core func $ws.drop (canon waitable-set.drop))
    (core func $join (canon waitable.join))
    (core func $subtask.cancel (canon subtask.cancel async))
    (core func $subtask.drop (canon subtask.drop))
    (core func $thread.yield (canon thread.yield))
    (core func $context.get (canon context.get i32 0))
    (core func $context.set (canon context.set i32 0))
    (core func $bp.inc (canon backpressure.inc))
    (core func $bp.dec (canon backpressure.dec))
    (core func $ec.new (canon error-context.new (memory (core memory $mem "mem"))))
    (core func $ec.drop (canon error-context.drop))
    (core func $task.return (canon task.return))
    (core instance $i (instantiate $I (with "" (instance
      (export "mem" (memory $mem "mem"))
      (export "stream.new" (func $stream.new))
      (export "future.new" (func $future.new))
      (export "stream.read" (func $stream.read))
      (export "stream.write" (func $stream.write))
      (export "future.read" (func $future.read))
      (export "future.write" (func $future.write))
      (export "stream.read-sync" (func $stream.read-sync))
      (export "stream.write-sync" (func $stream.write-sync))
      (export "future.read-sync" (func $future.read-sync))
      (export "future.write-sync" (func $future.write-sync))
      (export "stream.cancel-read" (func $stream.cancel-read))
      (export "stream.cancel-write" (func $stream.cancel-write))
      (export "future.cancel-read" (func $future.cancel-read))
      (export "future.cancel-write" (func $future.cancel-write))
      (export "stream.drop-readable" (func $stream.drop-readable))
      (export "stream.drop-writable" (func $stream.drop-writable))
      (export "future.drop-readable" (func $future.drop-readable))
      (export "future.drop-writable" (func $future.drop-writable))
      (export "waitable-set.new" (func $ws.new))
      (export "waitable-set.wait" (func $ws.wait))
      (export "waitable-set.poll" (func $ws.poll))
      (export "waitable-set.drop" (func $ws.drop))
      (export "waitable.join" (func $join))
      (export "subtask.cancel" (func $subtask.cancel))
      (export "subtask.drop" (func $subtask.drop))
      (export "thread.yield" (func $thread.yield))
      (export "context.get" (func $context.get))
      (export "context.set" (func $context.set))
      (export "backpressure.inc" (func $bp.inc))
      (export "backpressure.dec" (func $bp.dec))
      (export "error-context.new" (func $ec.new))
      (export "error-context.drop" (func $ec.drop))
      (export "task.return" (func $task.return))
      (export "take" (func $take'))
      (export "take-cb" (func $take-cb'))
      (export "take-sync" (func $take-sync'))))))
    (func (export "run") async (param "prog" (list u8))
      (canon lift (core func $i "run") async
        (memory (core memory $mem "mem")) (realloc (core func $i "realloc"))))
  )

  (instance $b (instantiate $B))
  (instance $a (instantiate $A (with "take" (func $b "take")) (with "take-cb" (func $b "take-cb"))))
  (func (export "run") (alias export $a "run"))
)
