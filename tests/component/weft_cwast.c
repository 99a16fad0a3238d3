/* weft_cwast.c - the test program build/weft-cwast: runs one Component Model test script
 * (converted by tests/component/wast2json.mjs) with the runner of `weft wast`
 * (src/cli/wast_component.c), printing its result line.
 *
 * Usage: weft-cwast [-v] [--name NAME] [--expected-failures FILE] SCRIPT.json
 * (tests/component/run runs one such process per script.)
 * Exit status: 0 iff there was no unexpected failure; 2 for a usage or input error. */
#include "cli/wast_common.h"

int main(int argc, char **argv)
{
    return weft__wast_single_main(argc, argv, true);
}
