;; limits-invoke.wat - a component for the `weft run` limit options with --invoke
;; (tests/cli/limits.sh): its exports loop, recurse, grow the memory or the table of its core
;; module, whose table starts with 8 elements.
;;
;;   spin: func()                   loops forever
;;   rec: func()                    recurses forever
;;   grow: func(pages: u32) -> s32  memory.grow (1 page to start with)
;;   tgrow: func(n: u32) -> s32     table.grow (8 elements to start with)
;;   toom: func()                   grows the table one element at a time until refused,
;;                                  then traps
(component
  (core module $M
    (memory 1)
    (table 8 funcref)
    (func (export "spin") (loop $l (br $l)))
    (func $rec (export "rec") (call $rec))
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "tgrow") (param i32) (result i32)
      (table.grow 0 (ref.null func) (local.get 0)))
    (func (export "toom")
      (loop $l (br_if $l (i32.ne (table.grow 0 (ref.null func) (i32.const 1)) (i32.const -1))))
      unreachable))
  (core instance $m (instantiate $M))
  (func (export "spin") (canon lift (core func $m "spin")))
  (func (export "rec") (canon lift (core func $m "rec")))
  (func (export "grow") (param "pages" u32) (result s32) (canon lift (core func $m "grow")))
  (func (export "tgrow") (param "n" u32) (result s32) (canon lift (core func $m "tgrow")))
  (func (export "toom") (canon lift (core func $m "toom")))
)
