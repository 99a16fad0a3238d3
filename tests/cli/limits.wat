;; limits.wat - a core module for the `weft run` limit options (tests/cli/limits.sh): an endless
;; loop, an endless recursion, memory and table growth; its second table starts with 8 elements.
(module
  (memory (export "memory") 1)
  (table 1 funcref)
  (table 8 funcref)
  (func $loop (export "loop") (loop $l (br $l)))
  (func $rec (export "rec") (call $rec))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "tgrow") (param i32) (result i32) (table.grow 0 (ref.null func) (local.get 0)))
  ;; grows one page at a time, as an allocator would, and traps when growth is refused
  (func (export "oom") (loop $l (br_if $l (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
    unreachable)
  ;; the same with the table
  (func (export "toom")
    (loop $l (br_if $l (i32.ne (table.grow 0 (ref.null func) (i32.const 1)) (i32.const -1))))
    unreachable)
  (func (export "_start") (call $loop)))
