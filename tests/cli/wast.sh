# wast.sh - command-line tests of `weft wast` on core and component scripts (tests/cli/wast-*):
# .wast files (converted with wabt's wast2json / tests/component/wast2json.mjs), a converted
# .json script, a folder, and an expected-failures list. Sourced by tests/run-cli-tests, whose
# helpers (expect, has, ok, bad) and variables (WEFT, OUT, TESTS) it uses.

echo "== weft wast"
expect wast-help 0 "$WEFT" wast --help && has wast-help "$OUT/wast-help.out" "Usage: weft wast" &&
    has wast-help "$OUT/wast-help.out" "--expected-failures" && ok "weft wast --help"
expect wast-noarg 2 "$WEFT" wast && ok "weft wast without a script exits 2"
expect wast-badopt 2 "$WEFT" wast --frob "$TESTS/cli/wast-core.wast" && ok "weft wast --frob exits 2"
expect wast-missing 2 "$WEFT" wast "$OUT/no-such.wast" && ok "weft wast of a missing file exits 2"

last_is() { # last_is NAME FILE LINE: the last line of FILE is exactly LINE
    if [ "$(tail -n 1 "$2")" = "$3" ]; then return 0; fi
    bad "$1" "last line '$(tail -n 1 "$2")', expected '$3'"
    return 1
}

if command -v wast2json >/dev/null 2>&1; then
    expect wast-core 1 "$WEFT" wast "$TESTS/cli/wast-core.wast" &&
        has wast-core "$OUT/wast-core.out" "FAIL wast-core.wast  (3 passed, 1 failed)" &&
        last_is wast-core "$OUT/wast-core.out" "3 passed, 1 failed" &&
        ok "weft wast FILE.wast (core): a result line, then 'N passed, N failed', exit 1"
    expect wast-core-v 1 "$WEFT" wast -v "$TESTS/cli/wast-core.wast" &&
        has wast-core-v "$OUT/wast-core-v.out" "wast-core.wast:4: assert_return" &&
        ok "weft wast -v names the failing check and its line"
    expect wast-core-x 0 "$WEFT" wast --expected-failures "$TESTS/cli/wast-expected.txt" \
        "$TESTS/cli/wast-core.wast" &&
        has wast-core-x "$OUT/wast-core-x.out" "expected failures: 1; unexpected failures: 0" &&
        last_is wast-core-x "$OUT/wast-core-x.out" "3 passed, 1 failed" &&
        ok "weft wast --expected-failures: a listed failure is expected, exit 0"
    mkdir -p "$OUT/wast-json"
    if wast2json "$TESTS/cli/wast-core.wast" -o "$OUT/wast-json/wast-core.json" 2>"$OUT/wast-json.err"; then
        expect wast-json 1 "$WEFT" wast "$OUT/wast-json/wast-core.json" &&
            has wast-json "$OUT/wast-json.out" "FAIL wast-core.wast" &&
            last_is wast-json "$OUT/wast-json.out" "3 passed, 1 failed" && ok "weft wast FILE.json (core)"
        # The test program of tests/conformance/run is the same runner.
        if [ -x "$(dirname "$WEFT")/weft-wast" ]; then
            expect wast-prog 1 "$(dirname "$WEFT")/weft-wast" "$OUT/wast-json/wast-core.json" &&
                [ "$(cat "$OUT/wast-prog.out")" = "$(grep '^FAIL' "$OUT/wast-json.out")" ] &&
                ok "build/weft-wast prints the same result line"
        fi
    else
        bad wast-json "wast2json failed: $(head -c 200 "$OUT/wast-json.err")"
    fi
else
    echo "  SKIP weft wast on core scripts: wast2json (wabt) not found"
fi

ROOT=$(cd "$TESTS/.." && pwd)
if ! command -v node >/dev/null 2>&1 || [ ! -d "$ROOT/node_modules/@bytecodealliance/jco-transpile" ]; then
    echo "  SKIP weft wast on component scripts: node or node_modules (scripts/install-node-deps) missing"
    expect wast-nonode 2 env WEFT_WAST2JSON_MJS="$OUT/none.mjs" "$WEFT" wast "$TESTS/cli/wast-component.wast" &&
        has wast-nonode "$OUT/wast-nonode.err" "wast2json.mjs" && ok "weft wast without the converter: a clear error, exit 2"
    return 0 2>/dev/null || exit 0
fi
expect wast-comp 1 "$WEFT" wast "$TESTS/cli/wast-component.wast" &&
    has wast-comp "$OUT/wast-comp.out" "FAIL wast-component.wast (2 passed, 1 failed)" &&
    last_is wast-comp "$OUT/wast-comp.out" "2 passed, 1 failed" && ok "weft wast FILE.wast (component)"
expect wast-nomjs 2 env WEFT_WAST2JSON_MJS="$OUT/none.mjs" "$WEFT" wast "$TESTS/cli/wast-component.wast" &&
    has wast-nomjs "$OUT/wast-nomjs.err" "converter" && ok "weft wast without the converter: a clear error, exit 2"
mkdir -p "$OUT/wast-folder/sub"
cp "$TESTS/cli/wast-core.wast" "$OUT/wast-folder/sub/"
cp "$TESTS/cli/wast-component.wast" "$OUT/wast-folder/"
if command -v wast2json >/dev/null 2>&1; then
    expect wast-folder 0 "$WEFT" wast --expected-failures "$TESTS/cli/wast-expected.txt" "$OUT/wast-folder" &&
        has wast-folder "$OUT/wast-folder.out" "PASS wast-component.wast" &&
        has wast-folder "$OUT/wast-folder.out" "PASS sub/wast-core.wast" &&
        has wast-folder "$OUT/wast-folder.out" "expected failures: 2; unexpected failures: 0" &&
        last_is wast-folder "$OUT/wast-folder.out" "5 passed, 2 failed" &&
        ok "weft wast FOLDER (core and component scripts) with an expected-failures list"
fi
