;; call_exports.wat - the component that call_exports.c loads. Its exports, in WIT:
;;
;;   record point { x: s32, y: s32 }
;;   record stats { count: u32, total-bytes: u32, longest: string }
;;   greet: func(name: string) -> string;           // "Hello, NAME!"
;;   add-points: func(a: point, b: point) -> point;
;;   reverse: func(l: list<u32>) -> list<u32>;
;;   summarize: func(words: list<string>) -> stats;
;;   divide: func(a: u32, b: u32) -> u32;            // traps when b is 0
;;
;; The core module allocates with a bump allocator that never frees, so no post-return
;; function is needed. Aggregate results go through return areas at fixed addresses
;; (CanonicalABI.md "Flattening": more than one flat result is returned by pointer).
(component
  (core module $Impl
    (memory (export "mem") 1)
    (global $bump (mut i32) (i32.const 1024))
    (data (i32.const 0) "Hello, ")

    ;; realloc(old, old-size, align, new-size): grows in place never, copies always.
    (func $realloc (export "realloc")
          (param $old i32) (param $osize i32) (param $align i32) (param $nsize i32)
          (result i32)
      (local $p i32)
      ;; align the bump pointer up
      (local.set $p (i32.and (i32.add (global.get $bump) (i32.sub (local.get $align) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get $align))))
      (global.set $bump (i32.add (local.get $p) (local.get $nsize)))
      (if (i32.gt_u (global.get $bump) (i32.shl (memory.size) (i32.const 16)))
        (then (if (i32.eq (memory.grow (i32.const 1)) (i32.const -1)) (then unreachable))))
      (if (local.get $old)
        (then (memory.copy (local.get $p) (local.get $old)
                (select (local.get $osize) (local.get $nsize)
                        (i32.lt_u (local.get $osize) (local.get $nsize))))))
      (local.get $p))

    ;; greet(ptr, len) -> return area at 16: (ptr, len) of "Hello, " ++ name ++ "!"
    (func (export "greet") (param $ptr i32) (param $len i32) (result i32)
      (local $out i32)
      (local.set $out (call $realloc (i32.const 0) (i32.const 0) (i32.const 1)
                                     (i32.add (local.get $len) (i32.const 8))))
      (memory.copy (local.get $out) (i32.const 0) (i32.const 7))
      (memory.copy (i32.add (local.get $out) (i32.const 7)) (local.get $ptr) (local.get $len))
      (i32.store8 (i32.add (i32.add (local.get $out) (i32.const 7)) (local.get $len))
                  (i32.const 0x21))
      (i32.store (i32.const 16) (local.get $out))
      (i32.store (i32.const 20) (i32.add (local.get $len) (i32.const 8)))
      (i32.const 16))

    ;; add-points(ax, ay, bx, by) -> return area at 24: (x, y)
    (func (export "add-points") (param $ax i32) (param $ay i32) (param $bx i32) (param $by i32)
          (result i32)
      (i32.store (i32.const 24) (i32.add (local.get $ax) (local.get $bx)))
      (i32.store (i32.const 28) (i32.add (local.get $ay) (local.get $by)))
      (i32.const 24))

    ;; reverse(ptr, len) -> return area at 32: (ptr, len) of a reversed copy
    (func (export "reverse") (param $ptr i32) (param $len i32) (result i32)
      (local $out i32) (local $i i32)
      (local.set $out (call $realloc (i32.const 0) (i32.const 0) (i32.const 4)
                                     (i32.shl (local.get $len) (i32.const 2))))
      (block $done
        (loop $next
          (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
          (i32.store
            (i32.add (local.get $out)
                     (i32.shl (i32.sub (i32.sub (local.get $len) (local.get $i)) (i32.const 1))
                              (i32.const 2)))
            (i32.load (i32.add (local.get $ptr) (i32.shl (local.get $i) (i32.const 2)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $next)))
      (i32.store (i32.const 32) (local.get $out))
      (i32.store (i32.const 36) (local.get $len))
      (i32.const 32))

    ;; summarize(ptr, len) over (ptr, len) string pairs -> return area at 40:
    ;; (count, total-bytes, longest.ptr, longest.len)
    (func (export "summarize") (param $ptr i32) (param $len i32) (result i32)
      (local $i i32) (local $e i32) (local $total i32) (local $bp i32) (local $bl i32)
      (block $done
        (loop $next
          (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
          (local.set $e (i32.add (local.get $ptr) (i32.shl (local.get $i) (i32.const 3))))
          (local.set $total (i32.add (local.get $total) (i32.load offset=4 (local.get $e))))
          (if (i32.gt_u (i32.load offset=4 (local.get $e)) (local.get $bl))
            (then (local.set $bp (i32.load (local.get $e)))
                  (local.set $bl (i32.load offset=4 (local.get $e)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $next)))
      (i32.store (i32.const 40) (local.get $len))
      (i32.store (i32.const 44) (local.get $total))
      (i32.store (i32.const 48) (local.get $bp))
      (i32.store (i32.const 52) (local.get $bl))
      (i32.const 40))

    (func (export "divide") (param $a i32) (param $b i32) (result i32)
      (i32.div_u (local.get $a) (local.get $b)))
  )
  (core instance $impl (instantiate $Impl))

  (type $point' (record (field "x" s32) (field "y" s32)))
  (export $point "point" (type $point'))
  (type $stats' (record (field "count" u32) (field "total-bytes" u32) (field "longest" string)))
  (export $stats "stats" (type $stats'))

  (func (export "greet") (param "name" string) (result string)
    (canon lift (core func $impl "greet")
      (memory (core memory $impl "mem")) (realloc (core func $impl "realloc"))))
  (func (export "add-points") (param "a" $point) (param "b" $point) (result $point)
    (canon lift (core func $impl "add-points") (memory (core memory $impl "mem"))))
  (func (export "reverse") (param "l" (list u32)) (result (list u32))
    (canon lift (core func $impl "reverse")
      (memory (core memory $impl "mem")) (realloc (core func $impl "realloc"))))
  (func (export "summarize") (param "words" (list string)) (result $stats)
    (canon lift (core func $impl "summarize")
      (memory (core memory $impl "mem")) (realloc (core func $impl "realloc"))))
  (func (export "divide") (param "a" u32) (param "b" u32) (result u32)
    (canon lift (core func $impl "divide")))
)
