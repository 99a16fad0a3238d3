;; calls.wat - the component-call benchmark (bench/component/README.md).
;;
;; One outer component instantiates $B (the callee: f(s: string) -> u32 lifted twice, with
;; string-encoding=utf8 and =utf16; g(l: list<u32>) -> list<u32>; h(a: u32, b: u32) -> u32)
;; and $A (the caller), linking A's imports to B's exports. A's core code loops N times over
;; the lowered imports, so the measured loop runs in wasm; "base" runs the same loop over a
;; plain core call to measure the loop's own cost. Every realloc returns a fixed address (no
;; post-return frees anything), so memory use stays flat over millions of calls.
(component
  (component $B
    (core module $M
      (memory (export "mem") 1)
      ;; A fixed buffer at 4096 (room for 4 KiB of UTF-8 as 8 KiB of UTF-16); a shrink or
      ;; grow of it (the transcoding's second realloc, CanonicalABI.md store_string) keeps it.
      (func (export "realloc") (param $old i32) (param $osize i32) (param $align i32)
            (param $nsize i32) (result i32)
        (if (local.get $old) (then (return (local.get $old))))
        (i32.const 4096))
      ;; f: the string's length in code units.
      (func (export "f") (param $ptr i32) (param $len i32) (result i32)
        (local.get $len))
      ;; g: the list itself (ptr, len) through the return area at 0.
      (func (export "g") (param $ptr i32) (param $len i32) (result i32)
        (i32.store (i32.const 0) (local.get $ptr))
        (i32.store (i32.const 4) (local.get $len))
        (i32.const 0))
      (func (export "h") (param $a i32) (param $b i32) (result i32)
        (i32.add (local.get $a) (local.get $b)))
    )
    (core instance $m (instantiate $M))
    (func (export "f8") (param "s" string) (result u32)
      (canon lift (core func $m "f") string-encoding=utf8
        (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
    (func (export "f16") (param "s" string) (result u32)
      (canon lift (core func $m "f") string-encoding=utf16
        (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
    (func (export "g") (param "l" (list u32)) (result (list u32))
      (canon lift (core func $m "g")
        (memory (core memory $m "mem")) (realloc (core func $m "realloc"))))
    (func (export "h") (param "a" u32) (param "b" u32) (result u32)
      (canon lift (core func $m "h")))
  )

  (component $A
    (import "f8" (func $f8 (param "s" string) (result u32)))
    (import "f16" (func $f16 (param "s" string) (result u32)))
    (import "g" (func $g (param "l" (list u32)) (result (list u32))))
    (core module $Libc
      (memory (export "mem") 2)
      ;; Results (g's list) land at 65536.
      (func (export "realloc") (param $old i32) (param $osize i32) (param $align i32)
            (param $nsize i32) (result i32)
        (if (local.get $old) (then (return (local.get $old))))
        (i32.const 65536))
    )
    (core instance $libc (instantiate $Libc))
    (core func $f8' (canon lower (func $f8) string-encoding=utf8
      (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
    (core func $f16' (canon lower (func $f16) string-encoding=utf8
      (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
    (core func $g' (canon lower (func $g)
      (memory (core memory $libc "mem")) (realloc (core func $libc "realloc"))))
    (core module $Main
      (import "" "mem" (memory 2))
      (import "" "f8" (func $f8 (param i32 i32) (result i32)))
      (import "" "f16" (func $f16 (param i32 i32) (result i32)))
      (import "" "g" (func $g (param i32 i32 i32)))
      ;; The argument buffer is at 16 (a string of `len` 'a's or `len` u32s); g's return area
      ;; is at 8.
      (func $local (param $ptr i32) (param $len i32) (result i32)
        (local.get $len))
      (func $fill (param $len i32)
        (memory.fill (i32.const 16) (i32.const 0x61) (local.get $len)))
      ;; Each loop returns the sum of the results so that a wrong call shows in the checksum.
      (func (export "base") (param $n i32) (param $len i32) (result i32)
        (local $sum i32)
        (call $fill (local.get $len))
        (block $done
          (loop $next
            (br_if $done (i32.eqz (local.get $n)))
            (local.set $sum (i32.add (local.get $sum)
              (call $local (i32.const 16) (local.get $len))))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (br $next)))
        (local.get $sum))
      (func (export "run-f8") (param $n i32) (param $len i32) (result i32)
        (local $sum i32)
        (call $fill (local.get $len))
        (block $done
          (loop $next
            (br_if $done (i32.eqz (local.get $n)))
            (local.set $sum (i32.add (local.get $sum)
              (call $f8 (i32.const 16) (local.get $len))))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (br $next)))
        (local.get $sum))
      (func (export "run-f16") (param $n i32) (param $len i32) (result i32)
        (local $sum i32)
        (call $fill (local.get $len))
        (block $done
          (loop $next
            (br_if $done (i32.eqz (local.get $n)))
            (local.set $sum (i32.add (local.get $sum)
              (call $f16 (i32.const 16) (local.get $len))))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (br $next)))
        (local.get $sum))
      ;; `len` u32 elements; the sum adds the returned length.
      (func (export "run-g") (param $n i32) (param $len i32) (result i32)
        (local $sum i32)
        (call $fill (i32.shl (local.get $len) (i32.const 2)))
        (block $done
          (loop $next
            (br_if $done (i32.eqz (local.get $n)))
            (call $g (i32.const 16) (local.get $len) (i32.const 8))
            (local.set $sum (i32.add (local.get $sum) (i32.load (i32.const 12))))
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (br $next)))
        (local.get $sum))
    )
    (core instance $main (instantiate $Main (with "" (instance
      (export "mem" (memory $libc "mem"))
      (export "f8" (func $f8'))
      (export "f16" (func $f16'))
      (export "g" (func $g'))
    ))))
    (func (export "base") (param "n" u32) (param "len" u32) (result u32)
      (canon lift (core func $main "base")))
    (func (export "run-f8") (param "n" u32) (param "len" u32) (result u32)
      (canon lift (core func $main "run-f8")))
    (func (export "run-f16") (param "n" u32) (param "len" u32) (result u32)
      (canon lift (core func $main "run-f16")))
    (func (export "run-g") (param "n" u32) (param "len" u32) (result u32)
      (canon lift (core func $main "run-g")))
  )

  (instance $b (instantiate $B))
  (instance $a (instantiate $A
    (with "f8" (func $b "f8"))
    (with "f16" (func $b "f16"))
    (with "g" (func $b "g"))
  ))
  (export "base" (func $a "base"))
  (export "run-f8" (func $a "run-f8"))
  (export "run-f16" (func $a "run-f16"))
  (export "run-g" (func $a "run-g"))
  (export "h" (func $b "h"))
)
