# components.sh - command-line tests of `weft wit`, `weft inspect`, `weft validate` and
# `weft run --invoke 'NAME(ARGS)'` on components. Sourced by tests/run-cli-tests, whose helpers
# (expect, has, ok, bad) and variables (WEFT, OUT, TESTS) it uses. The test component is built
# from tests/cli/values.wat with the project's pinned text parser (node + node_modules).

echo "== components on the command line (wit, inspect, --invoke)"
expect wit-help 0 "$WEFT" wit --help && has wit-help "$OUT/wit-help.out" "Usage: weft wit FILE" &&
    ok "weft wit --help"
expect inspect-help 0 "$WEFT" inspect --help &&
    has inspect-help "$OUT/inspect-help.out" "Usage: weft inspect FILE" && ok "weft inspect --help"
expect help-cmds 0 "$WEFT" --help && has help-cmds "$OUT/help-cmds.out" "wit FILE" &&
    has help-cmds "$OUT/help-cmds.out" "inspect FILE" && ok "weft --help lists wit and inspect"
expect run-help-invoke 0 "$WEFT" run --help && has run-help-invoke "$OUT/run-help-invoke.out" "WAVE" &&
    ok "weft run --help documents --invoke 'NAME(ARGS)'"
expect wit-noarg 2 "$WEFT" wit && ok "weft wit without FILE exits 2"
expect wit-badopt 2 "$WEFT" wit --frob && has wit-badopt "$OUT/wit-badopt.err" "unknown option" &&
    ok "weft wit --frob exits 2"
expect inspect-noarg 2 "$WEFT" inspect && ok "weft inspect without FILE exits 2"
expect wit-missing 3 "$WEFT" wit "$OUT/does-not-exist.wasm" && ok "weft wit of a missing file exits 3"
expect inspect-missing 3 "$WEFT" inspect "$OUT/does-not-exist.wasm" && ok "weft inspect of a missing file exits 3"
expect inspect-garbage 1 "$WEFT" inspect "$OUT/garbage.wasm" && ok "weft inspect of a malformed file exits 1"
printf '\0asm\r\0\1\0\7\1' >"$OUT/bad-component.wasm"
expect wit-bad 1 "$WEFT" wit "$OUT/bad-component.wasm" && has wit-bad "$OUT/wit-bad.err" "offset" &&
    ok "weft wit of a malformed component exits 1 with the offset"

if [ -f "$OUT/add.wasm" ]; then
    expect inspect-core 0 "$WEFT" inspect "$OUT/add.wasm" &&
        has inspect-core "$OUT/inspect-core.out" "kind: core module" &&
        has inspect-core "$OUT/inspect-core.out" '"add" (func (param i32 i32) (result i32))' &&
        has inspect-core "$OUT/inspect-core.out" "functions 1 (0 imported)" &&
        has inspect-core "$OUT/inspect-core.out" "code           offset 0x" && ok "weft inspect of a core module"
    expect wit-core 1 "$WEFT" wit "$OUT/add.wasm" && has wit-core "$OUT/wit-core.err" "not a component" &&
        ok "weft wit of a core module exits 1"
fi

ROOT=$(cd "$TESTS/.." && pwd)
if ! command -v node >/dev/null 2>&1 || [ ! -d "$ROOT/node_modules/@bytecodealliance/jco-transpile" ]; then
    echo "  SKIP component tests: node or node_modules (scripts/install-node-deps) missing"
    return 0 2>/dev/null || exit 0
fi
C="$OUT/values.wasm"
if ! node "$ROOT/bench/component/wat2wasm.mjs" "$TESTS/cli/values.wat" "$C" 2>"$OUT/values.build.err"; then
    bad "build values.wasm" "$(head -c 300 "$OUT/values.build.err")"
    return 0 2>/dev/null || exit 0
fi

expect validate-component 0 "$WEFT" validate "$C" && has validate-component "$OUT/validate-component.out" "valid" &&
    ok "weft validate of a component"

expect wit-values 0 "$WEFT" wit "$C"
if cmp -s "$TESTS/cli/values.wit" "$OUT/wit-values.out"; then
    ok "weft wit prints the world and its interfaces (tests/cli/values.wit)"
else
    bad "wit-values" "output differs: diff $TESTS/cli/values.wit $OUT/wit-values.out"
    diff "$TESTS/cli/values.wit" "$OUT/wit-values.out" | head -20
fi
# The world part is what `jco wit` (wasm-tools) prints, when that is available.
if timeout 60 node "$ROOT/node_modules/@bytecodealliance/jco/src/jco.js" wit "$C" >"$OUT/values.jco.wit" 2>/dev/null ||
    timeout 60 npx --prefix "$ROOT" jco wit "$C" >"$OUT/values.jco.wit" 2>/dev/null; then
    n=$(wc -l <"$OUT/values.jco.wit")
    if head -n "$n" "$OUT/wit-values.out" | diff -q - "$OUT/values.jco.wit" >/dev/null; then
        ok "weft wit's world equals jco wit's ($n lines)"
    else
        bad "wit-vs-jco" "world differs from jco wit: $(head -n "$n" "$OUT/wit-values.out" | diff - "$OUT/values.jco.wit" | head -5)"
    fi
fi

expect inspect-component 0 "$WEFT" inspect "$C" &&
    has inspect-component "$OUT/inspect-component.out" "kind: component" &&
    has inspect-component "$OUT/inspect-component.out" "core module    offset 0x000008" &&
    has inspect-component "$OUT/inspect-component.out" '"example:demo/math" instance (1 exports)' &&
    has inspect-component "$OUT/inspect-component.out" "nested core modules 1" &&
    has inspect-component "$OUT/inspect-component.out" "canon definitions: 15" &&
    has inspect-component "$OUT/inspect-component.out" "canon lift (core func 9) (type 13) (memory 2) (realloc 10): func(name: string) -> string" &&
    ok "weft inspect of a component (sections, exports, counts, canon definitions)"

# invoke NAME 'CALL' 'EXPECTED OUTPUT'
invoke() {
    if expect "$1" 0 "$WEFT" run --invoke "$2" "$C" && [ "$(cat "$OUT/$1.out")" = "$3" ]; then
        ok "--invoke $2 -> $3"
    elif [ -f "$OUT/$1.out" ] && [ "$(cat "$OUT/$1.out")" != "$3" ]; then
        bad "$1" "--invoke $2 printed '$(cat "$OUT/$1.out")', expected '$3'"
    fi
}
invoke inv-add 'add(40, 2)' '42'
invoke inv-s64 'id-s64(-9223372036854775808)' '-9223372036854775808'
invoke inv-f64 'id-f64(6.022e+23)' '602200000000000000000000'
invoke inv-f64-neg0 'id-f64(-0)' '-0'
invoke inv-f64-nan 'id-f64(nan)' 'nan'
invoke inv-char "id-char('\\u{1F44B}')" "'👋'"
invoke inv-bool 'id-bool(true)' 'true'
invoke inv-greet 'greet("héllo\t\"wave\"\n")' '"héllo\t\"wave\"\n"'
invoke inv-list 'id-list([1, 2, 3,])' '[1, 2, 3]'
invoke inv-list-empty 'id-list([])' '[]'
invoke inv-opt 'id-option(7)' 'some(7)'
invoke inv-opt-none 'id-option(none)' 'none'
invoke inv-opt-omitted 'id-option()' 'none'
invoke inv-res-ok 'id-result(5)' 'ok(5)'
invoke inv-res-err 'id-result(err("bad"))' 'err("bad")'
invoke inv-point 'example:demo/types#id-point({y: -2, x: 1})' '{x: 1, y: -2}'
invoke inv-enum 'example:demo/types#id-color(%ok)' '%ok'
invoke inv-flags 'example:demo/types#id-perms({exec, read})' '{read, exec}'
invoke inv-variant 'example:demo/types#id-shape(circle(1.5))' 'circle(1.5)'
invoke inv-variant2 'example:demo/types#id-shape(empty)' 'empty'
invoke inv-nested 'example:demo/math#plus(2, 3)' '5'

expect inv-trap 134 "$WEFT" run --invoke 'boom()' "$C" && has inv-trap "$OUT/inv-trap.err" "weft: trap:" &&
    ok "--invoke of a trapping export exits 134"
expect inv-missing-arg 2 "$WEFT" run --invoke 'add(1)' "$C" &&
    has inv-missing-arg "$OUT/inv-missing-arg.err" "missing argument 2 (\`b: u32\`)" &&
    has inv-missing-arg "$OUT/inv-missing-arg.err" "(at character 5)" && ok "--invoke with a missing argument exits 2"
expect inv-bad-arg 2 "$WEFT" run --invoke 'add(1, "x")' "$C" &&
    has inv-bad-arg "$OUT/inv-bad-arg.err" "argument 2 (\`b\`): expected u32 value" &&
    has inv-bad-arg "$OUT/inv-bad-arg.err" "(at character 7)" &&
    has inv-bad-arg "$OUT/inv-bad-arg.err" "         ^" && ok "--invoke with a mistyped argument names it, its character and a caret"
expect inv-surrogate 2 "$WEFT" run --invoke "id-char('\\u{D800}')" "$C" &&
    has inv-surrogate "$OUT/inv-surrogate.err" "surrogate" && ok "--invoke rejects a surrogate char"
expect inv-range 2 "$WEFT" run --invoke 'id-option(256)' "$C" &&
    has inv-range "$OUT/inv-range.err" "out of range for u8" && ok "--invoke rejects an out-of-range u8"
expect inv-nofunc 5 "$WEFT" run --invoke 'nope()' "$C" &&
    has inv-nofunc "$OUT/inv-nofunc.err" "no exported function 'nope'" &&
    has inv-nofunc "$OUT/inv-nofunc.err" "example:demo/math#plus" && ok "--invoke of a missing export exits 5 and lists the exports"
expect inv-extra 2 "$WEFT" run --invoke 'add(1, 2)' "$C" 3 4 && ok "--invoke on a component with ARGS after FILE exits 2"

# A component importing WASI 0.2 is invoked with its WASI imports linked, as for a command.
WI="$OUT/wasi-invoke.wasm"
if node "$ROOT/bench/component/wat2wasm.mjs" "$TESTS/cli/wasi-invoke.wat" "$WI" 2>"$OUT/wasi-invoke.build.err"; then
    expect inv-wasi 0 "$WEFT" run --invoke 'clock-ok()' "$WI" &&
        [ "$(cat "$OUT/inv-wasi.out")" = "true" ] &&
        ok "--invoke on a component importing WASI 0.2 (monotonic clock) links it: true"
    # A synchronous export whose WASI call waits: suspended on the store's loop, not the thread.
    expect inv-wasi-block 0 "$WEFT" run --invoke 'sleep-ms(20)' "$WI" &&
        [ "$(cat "$OUT/inv-wasi-block.out")" -ge 20000000 ] 2>/dev/null &&
        ok "--invoke of an export blocking on a WASI 0.2 pollable: slept $(cat "$OUT/inv-wasi-block.out") ns"
else
    bad "build wasi-invoke.wasm" "$(head -c 300 "$OUT/wasi-invoke.build.err")"
fi
