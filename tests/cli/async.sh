# async.sh - command-line tests of `weft run --invoke` on async exports: the demo component
# (demo/primes.wat: a callback-lifted producer streaming primes, and a stackful consumer linked
# to it returning a future) and tests/cli/async.wat (a stream and a future in one result,
# streams of streams, traps inside a task, deadlocks). Sourced by tests/run-cli-tests, whose helpers (expect, has,
# ok, bad) and variables (WEFT, OUT, TESTS) it uses; the components are built with the
# project's pinned text parser (node + node_modules).

echo "== async exports on the command line (--invoke streams and futures)"
ROOT=$(cd "$TESTS/.." && pwd)
if ! command -v node >/dev/null 2>&1 || [ ! -d "$ROOT/node_modules/@bytecodealliance/jco-transpile" ]; then
    echo "  SKIP async --invoke tests: node or node_modules (scripts/install-node-deps) missing"
    return 0 2>/dev/null || exit 0
fi
P="$OUT/primes.wasm"
A="$OUT/async.wasm"
for pair in "$ROOT/demo/primes.wat:$P" "$TESTS/cli/async.wat:$A"; do
    if ! node "$ROOT/bench/component/wat2wasm.mjs" "${pair%%:*}" "${pair#*:}" 2>"$OUT/async.build.err"; then
        bad "build $(basename "${pair#*:}")" "$(head -c 300 "$OUT/async.build.err")"
        return 0 2>/dev/null || exit 0
    fi
done

# ainvoke NAME FILE 'CALL' WANT_STATUS 'EXPECTED STDOUT' [STDERR_LINE...] : the exact output,
# line by line, and the lines stderr must hold.
ainvoke() {
    local name=$1 file=$2 call=$3 status=$4 want=$5
    shift 5
    expect "$name" "$status" "$WEFT" run --invoke "$call" "$file" || return 1
    if [ "$(cat "$OUT/$name.out")" != "$want" ]; then
        bad "$name" "--invoke $call printed: $(head -c 300 "$OUT/$name.out")"
        return 1
    fi
    local line
    for line in "$@"; do has "$name" "$OUT/$name.err" "$line" || return 1; done
    ok "--invoke $call: $(wc -l <"$OUT/$name.out") line(s) as expected, exit $status${1:+, $1}"
}
nl='
'
ainvoke as-primes "$P" 'primes(50)' 0 \
    "2${nl}3${nl}5${nl}7${nl}11${nl}13${nl}17${nl}19${nl}23${nl}29${nl}31${nl}37${nl}41${nl}43${nl}47${nl}stream(1)"
ainvoke as-primes-empty "$P" 'primes(1)' 0 "stream(1)"
ainvoke as-count "$P" 'count-primes(1000)' 0 "168${nl}future(1)"
ainvoke as-count-zero "$P" 'count-primes(0)' 0 "0${nl}future(1)"
ainvoke as-pair "$A" 'pair(7)' 0 \
    "stream(1): 7${nl}stream(1): 14${nl}stream(1): 21${nl}future(2): \"done\"${nl}(stream(1), future(2))"

# Streams in stream elements are read too, numbered on, each line naming its stream.
ainvoke as-nest "$A" 'nest(7)' 0 \
    "stream(1): stream(2)${nl}stream(1): stream(3)${nl}stream(2): 7${nl}stream(3): 14${nl}stream(1)"
expect as-take 2 "$WEFT" run --invoke 'take(stream(1))' "$A" &&
    has as-take "$OUT/as-take.err" "parameter 1 holds a stream or future" &&
    ok "--invoke of a function taking a stream says it is not supported (exit 2)"

# A long stream: 9592 primes below 100000 arrive in many reads (64 elements at most each).
if expect as-primes-long 0 "$WEFT" run --invoke 'primes(100000)' "$P" &&
    [ "$(wc -l <"$OUT/as-primes-long.out")" -eq 9593 ] &&
    [ "$(tail -n 2 "$OUT/as-primes-long.out" | tr '\n' ' ')" = "99991 stream(1) " ]; then
    ok "--invoke primes(100000) streams 9592 primes"
elif [ -f "$OUT/as-primes-long.out" ]; then
    bad as-primes-long "$(wc -l <"$OUT/as-primes-long.out") lines, ends $(tail -n 2 "$OUT/as-primes-long.out" | tr '\n' ' ')"
fi

# Traps inside the task: what was streamed before is printed, then the trap (exit 134).
ainvoke as-boom "$A" 'boom(3)' 134 "1${nl}2${nl}3" "weft: trap: unreachable"
# boom(0) traps right after returning, inside weft_task_start: the real reason is shown
# (weft_task_error of a task whose instance trapped after it returned).
ainvoke as-boom0 "$A" 'boom(0)' 134 "" "weft: trap: unreachable"
# Deadlocks: a stream nobody writes, a task waiting for a future nobody writes.
ainvoke as-mute "$A" 'mute()' 134 "" \
    "weft: trap: deadlock detected: event loop cannot make further progress" \
    "the host was reading stream(1) of the result"
ainvoke as-stuck "$A" 'stuck()' 134 "" \
    "weft: trap: deadlock detected: event loop cannot make further progress"

expect as-wit 0 "$WEFT" wit "$P" &&
    has as-wit "$OUT/as-wit.out" "export primes: async func(limit: u32) -> stream<u32>;" &&
    has as-wit "$OUT/as-wit.out" "export count-primes: async func(limit: u32) -> future<u32>;" &&
    ok "weft wit of the demo component shows its async exports"
