(component
  (core module $m (func (export "f") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2))))
  (core instance $i (instantiate $m))
  (func (export "double") (param "x" u32) (result u32) (canon lift (core func $i "f"))))
(assert_return (invoke "double" (u32.const 21)) (u32.const 42))
(assert_return (invoke "double" (u32.const 1)) (u32.const 3)) ;; fails on purpose
