;; primes.wat - the component of `make demo`: an async export that streams its results to
;; whoever calls it, and a second component linked to the first. In WIT:
;;
;;   primes:       async func(limit: u32) -> stream<u32>   every prime <= limit, as a stream
;;   count-primes: async func(limit: u32) -> future<u32>   how many there are, as a future
;;
;; Two nested components make it up, composed by the outer one:
;;
;;   $Primes  exports `primes`. Lifted `async` with a callback: the task returns the readable
;;            end of a new stream at once, then writes the primes into the stream's writable
;;            end a batch at a time. When the reader is not ready the write blocks; the
;;            callback then returns WAIT on a waitable set holding the writable end, and the
;;            instance is free for other tasks until the reader takes some of the batch. A
;;            reader with a smaller buffer takes part of a batch (a partial write): the rest
;;            is written again.
;;   $Count   imports `primes` (satisfied by $Primes' export) and exports `count-primes`.
;;            Lifted `async` without a callback (stackful): it returns a future at once, calls
;;            `primes`, reads the stream three numbers at a time with blocking reads (only its
;;            own task waits), then writes the count into the future.
;;
;; Canonical ABI codes used below (CanonicalABI.md):
;;   callback results  EXIT = 0, YIELD = 1, WAIT = 2 | (waitable-set << 4)
;;   events            STREAM_WRITE = 3 (payload: copy result)
;;   copy results      BLOCKED = -1, else (count << 4) | COMPLETED 0 / DROPPED 1 / CANCELLED 2
;;   stream.new        i64: readable end in the low 32 bits, writable end in the high 32 bits
;;
;; Build: node bench/component/wat2wasm.mjs demo/primes.wat primes.wasm
;; Run:   weft run primes.wasm --invoke 'primes(50)'
(component
  ;; ======================================================================================
  ;; $Primes: async func(limit: u32) -> stream<u32>, callback-lifted
  ;; ======================================================================================
  (component $Primes
    (type $ST (stream u32))

    (core module $Memory (memory (export "mem") 1))
    (core instance $memory (instantiate $Memory))

    (core module $Producer
      (import "" "mem" (memory 1))
      (import "" "stream.new" (func $stream.new (result i64)))
      (import "" "stream.write" (func $stream.write (param i32 i32 i32) (result i32)))
      (import "" "stream.drop-writable" (func $stream.drop-writable (param i32)))
      (import "" "task.return" (func $task.return (param i32)))
      (import "" "waitable-set.new" (func $waitable-set.new (result i32)))
      (import "" "waitable-set.drop" (func $waitable-set.drop (param i32)))
      (import "" "waitable.join" (func $waitable.join (param i32 i32)))
      (import "" "context.get" (func $context.get (result i32)))
      (import "" "context.set" (func $context.set (param i32)))

      ;; Each task keeps its state in a 64-byte record of linear memory, found again in the
      ;; callback through the task's context slot 0 (several tasks may be in flight at once):
      ;;   +0 limit   +4 next candidate   +8 writable end   +12 waitable set
      ;;   +16 primes in the batch   +20 primes of the batch written so far
      ;;   +24 the batch: up to 8 u32
      (global $free (mut i32) (i32.const 0))  ;; freed records, linked through their +0
      (global $top (mut i32) (i32.const 64))  ;; the next never-used record

      (func $alloc (result i32)
        (local $r i32)
        (if (global.get $free)
          (then
            (local.set $r (global.get $free))
            (global.set $free (i32.load (local.get $r)))
            (return (local.get $r))))
        (local.set $r (global.get $top))
        (global.set $top (i32.add (local.get $r) (i32.const 64)))
        (local.get $r))

      (func $is_prime (param $n i32) (result i32)
        (local $d i32)
        (if (i32.lt_u (local.get $n) (i32.const 2)) (then (return (i32.const 0))))
        (local.set $d (i32.const 2))
        (block $done
          (loop $try
            (br_if $done (i32.gt_u (i32.mul (local.get $d) (local.get $d)) (local.get $n)))
            (if (i32.eqz (i32.rem_u (local.get $n) (local.get $d))) (then (return (i32.const 0))))
            (local.set $d (i32.add (local.get $d) (i32.const 1)))
            (br $try)))
        (i32.const 1))

      ;; Computes the next batch (up to 8 primes from the next candidate up to the limit).
      (func $fill (param $st i32)
        (local $n i32) (local $c i32)
        (local.set $c (i32.load offset=4 (local.get $st)))
        (block $full
          (loop $next
            (br_if $full (i32.eq (local.get $n) (i32.const 8)))
            (br_if $full (i32.gt_u (local.get $c) (i32.load (local.get $st))))
            (br_if $full (i32.eqz (local.get $c))) ;; wrapped past 0xffffffff
            (if (call $is_prime (local.get $c))
              (then
                (i32.store offset=24 (i32.add (local.get $st) (i32.shl (local.get $n) (i32.const 2)))
                                     (local.get $c))
                (local.set $n (i32.add (local.get $n) (i32.const 1)))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $next)))
        (i32.store offset=4 (local.get $st) (local.get $c))
        (i32.store offset=16 (local.get $st) (local.get $n))
        (i32.store offset=20 (local.get $st) (i32.const 0)))

      ;; Accounts for a finished write (its copy result): the count of primes it moved is
      ;; added to the batch's progress. Returns 0 when the reader dropped its end.
      (func $wrote (param $st i32) (param $result i32) (result i32)
        (i32.store offset=20 (local.get $st)
          (i32.add (i32.load offset=20 (local.get $st))
                   (i32.shr_u (local.get $result) (i32.const 4))))
        (i32.eqz (i32.and (local.get $result) (i32.const 0xf)))) ;; COMPLETED

      ;; The end of the task: dropping the writable end tells the reader there is no more
      ;; (its next read reports DROPPED); the set and the record are released.
      (func $finish (param $st i32) (result i32)
        (call $stream.drop-writable (i32.load offset=8 (local.get $st)))
        (call $waitable-set.drop (i32.load offset=12 (local.get $st)))
        (i32.store (local.get $st) (global.get $free))
        (global.set $free (local.get $st))
        (i32.const 0)) ;; EXIT

      ;; Writes until a write blocks (then WAIT for the reader) or the primes run out (EXIT).
      (func $pump (param $st i32) (result i32)
        (local $done i32) (local $n i32) (local $r i32)
        (loop $next
          (local.set $done (i32.load offset=20 (local.get $st)))
          (local.set $n (i32.load offset=16 (local.get $st)))
          (if (i32.eq (local.get $done) (local.get $n))
            (then
              (call $fill (local.get $st))
              (if (i32.eqz (i32.load offset=16 (local.get $st)))
                (then (return (call $finish (local.get $st)))))
              (local.set $done (i32.const 0))
              (local.set $n (i32.load offset=16 (local.get $st)))))
          ;; stream.write (async): offers the rest of the batch. A reader already waiting
          ;; takes what fits in its buffer now; otherwise the write is BLOCKED and stays
          ;; registered until a reader comes, which the waitable set will report.
          (local.set $r (call $stream.write
            (i32.load offset=8 (local.get $st))
            (i32.add (i32.add (local.get $st) (i32.const 24)) (i32.shl (local.get $done) (i32.const 2)))
            (i32.sub (local.get $n) (local.get $done))))
          (if (i32.eq (local.get $r) (i32.const -1))
            (then
              (return (i32.or (i32.const 2) ;; WAIT
                              (i32.shl (i32.load offset=12 (local.get $st)) (i32.const 4))))))
          (if (i32.eqz (call $wrote (local.get $st) (local.get $r)))
            (then (return (call $finish (local.get $st)))))
          (br $next))
        (unreachable))

      ;; The export's core function: runs first, with the flat arguments.
      (func (export "primes") (param $limit i32) (result i32)
        (local $st i32) (local $ends i64) (local $ws i32)
        (local.set $st (call $alloc))
        ;; context.set: the task's own slot, which the callback reads back
        (call $context.set (local.get $st))
        (i32.store (local.get $st) (local.get $limit))
        (i32.store offset=4 (local.get $st) (i32.const 2))
        (i32.store offset=16 (local.get $st) (i32.const 0))
        (i32.store offset=20 (local.get $st) (i32.const 0))
        ;; stream.new: a fresh stream<u32>, both ends in this instance's handle table
        (local.set $ends (call $stream.new))
        (i32.store offset=8 (local.get $st) (i32.wrap_i64 (i64.shr_u (local.get $ends) (i64.const 32))))
        ;; task.return: the result (the readable end, which moves to the caller) is
        ;; delivered now; the task goes on producing after returning
        (call $task.return (i32.wrap_i64 (local.get $ends)))
        ;; waitable-set.new + waitable.join: the set the callback loop waits on, holding the
        ;; writable end, whose finished writes arrive as STREAM_WRITE events
        (local.set $ws (call $waitable-set.new))
        (i32.store offset=12 (local.get $st) (local.get $ws))
        (call $waitable.join (i32.load offset=8 (local.get $st)) (local.get $ws))
        (call $pump (local.get $st)))

      ;; The callback: called with each event of the set the task waits on.
      (func (export "primes-cb") (param $event i32) (param $index i32) (param $payload i32) (result i32)
        (local $st i32)
        (local.set $st (call $context.get))
        (if (i32.ne (local.get $event) (i32.const 3)) (then unreachable)) ;; STREAM_WRITE
        (if (i32.eqz (call $wrote (local.get $st) (local.get $payload)))
          (then (return (call $finish (local.get $st)))))
        (call $pump (local.get $st)))
    )

    ;; The canon built-ins the producer imports:
    ;;   stream.new / stream.write / stream.drop-writable  for stream<u32>; the write is
    ;;     `async` (returns BLOCKED rather than blocking) and reads the values from memory
    ;;   task.return             delivers the result (here a stream handle: one i32)
    ;;   waitable-set.new/drop, waitable.join   the set the callback loop waits on
    ;;   context.get/set         per-task storage of one i32
    (canon stream.new $ST (core func $stream.new))
    (canon stream.write $ST async (memory (core memory $memory "mem")) (core func $stream.write))
    (canon stream.drop-writable $ST (core func $stream.drop-writable))
    (canon task.return (result $ST) (core func $task.return))
    (canon waitable-set.new (core func $waitable-set.new))
    (canon waitable-set.drop (core func $waitable-set.drop))
    (canon waitable.join (core func $waitable.join))
    (canon context.get i32 0 (core func $context.get))
    (canon context.set i32 0 (core func $context.set))
    (core instance $producer (instantiate $Producer (with "" (instance
      (export "mem" (memory $memory "mem"))
      (export "stream.new" (func $stream.new))
      (export "stream.write" (func $stream.write))
      (export "stream.drop-writable" (func $stream.drop-writable))
      (export "task.return" (func $task.return))
      (export "waitable-set.new" (func $waitable-set.new))
      (export "waitable-set.drop" (func $waitable-set.drop))
      (export "waitable.join" (func $waitable.join))
      (export "context.get" (func $context.get))
      (export "context.set" (func $context.set))))))

    ;; canon lift ... async (callback ...): the core function returns a callback code
    ;; instead of the result; EXIT ends the task, WAIT parks it until an event
    (func (export "primes") async (param "limit" u32) (result $ST)
      (canon lift (core func $producer "primes") async
        (callback (core func $producer "primes-cb"))))
  )

  ;; ======================================================================================
  ;; $Count: async func(limit: u32) -> future<u32>, stackful, calling $Primes
  ;; ======================================================================================
  (component $Count
    (import "primes" (func $primes async (param "limit" u32) (result (stream u32))))
    (type $ST (stream u32))
    (type $FT (future u32))

    (core module $Memory (memory (export "mem") 1))
    (core instance $memory (instantiate $Memory))

    (core module $Counter
      (import "" "mem" (memory 1))
      (import "" "primes" (func $primes (param i32) (result i32)))
      (import "" "stream.read" (func $stream.read (param i32 i32 i32) (result i32)))
      (import "" "stream.drop-readable" (func $stream.drop-readable (param i32)))
      (import "" "future.new" (func $future.new (result i64)))
      (import "" "future.write" (func $future.write (param i32 i32) (result i32)))
      (import "" "future.drop-writable" (func $future.drop-writable (param i32)))
      (import "" "task.return" (func $task.return (param i32)))

      (func (export "count-primes") (param $limit i32)
        (local $ends i64) (local $s i32) (local $r i32) (local $total i32)
        ;; future.new: the future the caller gets at once and is told the count through
        (local.set $ends (call $future.new))
        (call $task.return (i32.wrap_i64 (local.get $ends)))
        ;; The imported `primes` (lowered synchronously: this task waits until it returns
        ;; its stream, which it does before producing anything)
        (local.set $s (call $primes (local.get $limit)))
        ;; stream.read (synchronous): waits for at most 3 primes; a batch of the producer
        ;; is thus taken in several parts
        (loop $more
          (local.set $r (call $stream.read (local.get $s) (i32.const 64) (i32.const 3)))
          (local.set $total (i32.add (local.get $total) (i32.shr_u (local.get $r) (i32.const 4))))
          (br_if $more (i32.eqz (i32.and (local.get $r) (i32.const 0xf))))) ;; until DROPPED
        (call $stream.drop-readable (local.get $s))
        ;; future.write (synchronous): waits until the reader takes the value
        (i32.store (i32.const 16) (local.get $total))
        (drop (call $future.write (i32.wrap_i64 (i64.shr_u (local.get $ends) (i64.const 32)))
                                  (i32.const 16)))
        (call $future.drop-writable (i32.wrap_i64 (i64.shr_u (local.get $ends) (i64.const 32)))))
    )

    (canon lower (func $primes) (core func $primes'))
    (canon stream.read $ST (memory (core memory $memory "mem")) (core func $stream.read))
    (canon stream.drop-readable $ST (core func $stream.drop-readable))
    (canon future.new $FT (core func $future.new))
    (canon future.write $FT (memory (core memory $memory "mem")) (core func $future.write))
    (canon future.drop-writable $FT (core func $future.drop-writable))
    (canon task.return (result $FT) (core func $task.return))
    (core instance $counter (instantiate $Counter (with "" (instance
      (export "mem" (memory $memory "mem"))
      (export "primes" (func $primes'))
      (export "stream.read" (func $stream.read))
      (export "stream.drop-readable" (func $stream.drop-readable))
      (export "future.new" (func $future.new))
      (export "future.write" (func $future.write))
      (export "future.drop-writable" (func $future.drop-writable))
      (export "task.return" (func $task.return))))))

    ;; canon lift ... async without a callback: a stackful task, which may block in
    ;; synchronous built-ins (stream.read, future.write, the call of `primes`)
    (func (export "count-primes") async (param "limit" u32) (result $FT)
      (canon lift (core func $counter "count-primes") async))
  )

  ;; Linking: $Count's import is $Primes' export.
  (instance $primes (instantiate $Primes))
  (instance $count (instantiate $Count (with "primes" (func $primes "primes"))))
  (export "primes" (func $primes "primes"))
  (export "count-primes" (func $count "count-primes"))
)
