/* weft_wast.c - the test program build/weft-wast: runs one core spec test script (converted by
 * wast2json) with the runner of `weft wast` (src/cli/wast_core.c), printing its result line.
 *
 * Usage: weft-wast [-v] [--name NAME] [--expected-failures FILE] [--progress FILE] [--count]
 *                  [--wasm2] SCRIPT.json
 * (tests/conformance/run runs one such process per script, so that a crash costs one file.)
 * Exit status: 0 iff there was no unexpected failure; 2 for a usage or input error. */
#include "cli/wast_common.h"

int main(int argc, char **argv)
{
    return weft__wast_single_main(argc, argv, false);
}
