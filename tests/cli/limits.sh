# limits.sh - command-line tests of the limit options of `weft run` (--fuel, --timeout,
# --max-memory, --max-table-elements, --max-call-depth, --max-stack, --max-handles) on a core
# module (tests/cli/limits.wat), a WASI 0.2 command component (tests/cli/limits-component.wat)
# and the exports of a component called with --invoke (tests/cli/limits-invoke.wat,
# tests/cli/async.wat): each limit hit prints its own message and exits with its own status
# (`weft --help`).
# Sourced by tests/run-cli-tests (helpers expect, has, ok, bad; variables WEFT, OUT, TESTS).

echo "== weft run limits"
expect limits-help 0 "$WEFT" run --help && has limits-help "$OUT/limits-help.out" "--max-table-elements" &&
    ok "weft run --help documents the limits"
expect limits-help-codes 0 "$WEFT" --help && has limits-help-codes "$OUT/limits-help-codes.out" "124" &&
    has limits-help-codes "$OUT/limits-help-codes.out" "--fuel" && ok "weft --help lists the limits' exit statuses"

if command -v wat2wasm >/dev/null 2>&1 && wat2wasm "$TESTS/cli/limits.wat" -o "$OUT/limits.wasm" 2>"$OUT/limits.build.err"; then
    L="$OUT/limits.wasm"
    expect lim-fuel 120 "$WEFT" run --fuel 10000 "$L" && has lim-fuel "$OUT/lim-fuel.err" "out of fuel" &&
        ok "--fuel: out of fuel, exit 120"
    expect lim-timeout 124 "$WEFT" run --timeout 200ms "$L" &&
        has lim-timeout "$OUT/lim-timeout.err" "time limit reached" && ok "--timeout: time limit, exit 124"
    expect lim-depth 121 "$WEFT" run --max-call-depth 100 --invoke rec "$L" &&
        has lim-depth "$OUT/lim-depth.err" "call stack limit reached" && ok "--max-call-depth: exit 121"
    expect lim-stack 121 "$WEFT" run --max-stack 4K --invoke rec "$L" &&
        has lim-stack "$OUT/lim-stack.err" "call stack limit reached" && ok "--max-stack: exit 121"
    expect lim-mem-grow 0 "$WEFT" run --max-memory 128K --invoke grow "$L" 4 &&
        has lim-mem-grow "$OUT/lim-mem-grow.out" "-1" && ok "--max-memory: memory.grow past it fails (-1)"
    expect lim-mem-ok 0 "$WEFT" run --max-memory=128K --invoke grow "$L" 1 &&
        has lim-mem-ok "$OUT/lim-mem-ok.out" "1" && ok "--max-memory: growth up to it succeeds"
    expect lim-mem-oom 122 "$WEFT" run --max-memory 256K --invoke oom "$L" &&
        has lim-mem-oom "$OUT/lim-mem-oom.err" "memory limit reached" &&
        ok "--max-memory: a guest failing at the limit exits 122"
    expect lim-mem-start 122 "$WEFT" run --max-memory 32K "$L" &&
        has lim-mem-start "$OUT/lim-mem-start.err" "memory limit reached" &&
        ok "--max-memory: a memory that starts larger is refused, exit 122"
    expect lim-table-grow 0 "$WEFT" run --max-table-elements 10 --invoke tgrow "$L" 10 &&
        has lim-table-grow "$OUT/lim-table-grow.out" "-1" && ok "--max-table-elements: table.grow past it fails"
    expect lim-table-ok 0 "$WEFT" run --max-table-elements 10 --invoke tgrow "$L" 9 &&
        has lim-table-ok "$OUT/lim-table-ok.out" "1" && ok "--max-table-elements: growth up to it succeeds"
    expect lim-table-start 119 "$WEFT" run --max-table-elements 4 "$L" &&
        has lim-table-start "$OUT/lim-table-start.err" "table limit reached: a table starts above" &&
        ok "--max-table-elements: a table that starts larger is refused, exit 119"
    expect lim-table-oom 119 "$WEFT" run --max-table-elements 20 --invoke toom "$L" &&
        has lim-table-oom "$OUT/lim-table-oom.err" "table.grow request(s) refused at --max-table-elements 20" &&
        ok "--max-table-elements: a guest failing at the limit exits 119"
    expect lim-table-zero 2 "$WEFT" run --max-table-elements 0 "$L" &&
        has lim-table-zero "$OUT/lim-table-zero.err" "bad value" && ok "--max-table-elements 0 is refused (exit 2)"
    expect lim-bad 2 "$WEFT" run --fuel lots "$L" && has lim-bad "$OUT/lim-bad.err" "bad value" &&
        ok "a bad limit value exits 2"
    expect lim-novalue 2 "$WEFT" run --timeout && has lim-novalue "$OUT/lim-novalue.err" "needs a value" &&
        ok "a limit option without its value exits 2"
else
    echo "  SKIP limits on core modules: wat2wasm not found"
fi

ROOT=$(cd "$TESTS/.." && pwd)
if ! command -v node >/dev/null 2>&1 || [ ! -d "$ROOT/node_modules/@bytecodealliance/jco-transpile" ]; then
    echo "  SKIP limits on components: node or node_modules (scripts/install-node-deps) missing"
    return 0 2>/dev/null || exit 0
fi
LC="$OUT/limits-component.wasm"
if ! node "$ROOT/bench/component/wat2wasm.mjs" "$TESTS/cli/limits-component.wat" "$LC" 2>"$OUT/limits-component.build.err"; then
    bad "build limits-component.wasm" "$(head -c 300 "$OUT/limits-component.build.err")"
    return 0 2>/dev/null || exit 0
fi
expect limc-fuel 120 "$WEFT" run --fuel 10000 "$LC" && has limc-fuel "$OUT/limc-fuel.err" "out of fuel" &&
    ok "component --fuel: exit 120"
expect limc-timeout 124 "$WEFT" run --timeout 0.2 "$LC" && has limc-timeout "$OUT/limc-timeout.err" "time limit reached" &&
    ok "component --timeout: exit 124"
expect limc-depth 121 "$WEFT" run --max-call-depth 50 --timeout 10 "$LC" &&
    has limc-depth "$OUT/limc-depth.err" "call stack limit reached" && ok "component --max-call-depth: exit 121"
expect limc-stack 121 "$WEFT" run --max-stack 4K --timeout 10 "$LC" &&
    has limc-stack "$OUT/limc-stack.err" "call stack limit reached" && ok "component --max-stack: exit 121"
expect limc-mem 122 "$WEFT" run --max-memory 64K "$LC" && has limc-mem "$OUT/limc-mem.err" "memory limit reached" &&
    ok "component --max-memory: a memory that starts larger is refused, exit 122"

# The same limits on components called with --invoke (the exports of limits-invoke.wat).
LI="$OUT/limits-invoke.wasm"
if ! node "$ROOT/bench/component/wat2wasm.mjs" "$TESTS/cli/limits-invoke.wat" "$LI" 2>"$OUT/limits-invoke.build.err"; then
    bad "build limits-invoke.wasm" "$(head -c 300 "$OUT/limits-invoke.build.err")"
    return 0 2>/dev/null || exit 0
fi
expect limi-fuel 120 "$WEFT" run --fuel 10000 --invoke 'spin()' "$LI" &&
    has limi-fuel "$OUT/limi-fuel.err" "out of fuel" && ok "--invoke on a component, --fuel: exit 120"
expect limi-timeout 124 "$WEFT" run --timeout 200ms --invoke 'spin()' "$LI" &&
    has limi-timeout "$OUT/limi-timeout.err" "time limit reached" && ok "--invoke, --timeout: exit 124"
expect limi-depth 121 "$WEFT" run --max-call-depth 100 --invoke 'rec()' "$LI" &&
    has limi-depth "$OUT/limi-depth.err" "call stack limit reached" && ok "--invoke, --max-call-depth: exit 121"
expect limi-stack 121 "$WEFT" run --max-stack 4K --invoke 'rec()' "$LI" &&
    has limi-stack "$OUT/limi-stack.err" "call stack limit reached" && ok "--invoke, --max-stack: exit 121"
expect limi-mem-grow 0 "$WEFT" run --max-memory 128K --invoke 'grow(4)' "$LI" &&
    has limi-mem-grow "$OUT/limi-mem-grow.out" "-1" && ok "--invoke, --max-memory: memory.grow past it fails"
expect limi-mem-ok 0 "$WEFT" run --max-memory 128K --invoke 'grow(1)' "$LI" &&
    has limi-mem-ok "$OUT/limi-mem-ok.out" "1" && ok "--invoke, --max-memory: growth up to it succeeds"
expect limi-mem-start 122 "$WEFT" run --max-memory 32K --invoke 'grow(1)' "$LI" &&
    has limi-mem-start "$OUT/limi-mem-start.err" "memory limit reached" &&
    ok "--invoke, --max-memory: a memory that starts larger is refused, exit 122"
expect limi-table-grow 0 "$WEFT" run --max-table-elements 10 --invoke 'tgrow(3)' "$LI" &&
    has limi-table-grow "$OUT/limi-table-grow.out" "-1" && ok "--invoke, --max-table-elements: table.grow past it fails"
expect limi-table-ok 0 "$WEFT" run --max-table-elements 10 --invoke 'tgrow(2)' "$LI" &&
    has limi-table-ok "$OUT/limi-table-ok.out" "8" && ok "--invoke, --max-table-elements: growth up to it succeeds"
expect limi-table-start 119 "$WEFT" run --max-table-elements 4 --invoke 'tgrow(1)' "$LI" &&
    has limi-table-start "$OUT/limi-table-start.err" "table limit reached: a table starts above" &&
    ok "--invoke, --max-table-elements: a table that starts larger is refused, exit 119"
expect limi-table-oom 119 "$WEFT" run --max-table-elements 100 --invoke 'toom()' "$LI" &&
    has limi-table-oom "$OUT/limi-table-oom.err" "table.grow request(s) refused at --max-table-elements 100" &&
    ok "--invoke, --max-table-elements: a guest failing at the limit exits 119"
A="$OUT/async.wasm"
if [ -f "$A" ]; then
    expect limi-handles 123 "$WEFT" run --max-handles 2 --invoke 'pair(7)' "$A" &&
        has limi-handles "$OUT/limi-handles.err" "async handle limit reached" &&
        ok "--invoke of an async export, --max-handles: exit 123"
fi
