;; limits-component.wat - a WASI 0.2 command component for the `weft run` limit options on
;; components (tests/cli/limits.sh): its wasi:cli/run recurses 5000 calls deep (below the
;; default call depth) and then loops forever; its core module has a memory of 2 pages.
(component
  (core module $M
    (memory 2)
    (func $down (param i32)
      (if (i32.eqz (local.get 0)) (then (loop $l (br $l))))
      (call $down (i32.sub (local.get 0) (i32.const 1))))
    (func (export "run") (result i32) (call $down (i32.const 5000)) (i32.const 0)))
  (core instance $m (instantiate $M))
  (func $run (result (result)) (canon lift (core func $m "run")))
  (instance $run-inst (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $run-inst))
)
