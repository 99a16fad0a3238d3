/* main.c - the `weft` command: dispatch to the subcommands, --help and --version. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static void usage(FILE *f)
{
    fputs("Usage: weft <command> [options]\n"
          "\n"
          "Commands:\n"
          "  run [options] FILE [ARGS...]   run a WebAssembly (wasm32-wasip1) command module or\n"
          "                                 a WASI 0.2 command component; --invoke calls one\n"
          "                                 export (of a component: --invoke 'NAME(ARGS)',\n"
          "                                 arguments and result in WAVE)\n"
          "  validate FILE                  decode and validate a module or component; prints\n"
          "                                 \"valid\"\n"
          "  wit FILE                       print a component's world (imports, exports, their\n"
          "                                 interfaces, types and functions) as WIT\n"
          "  inspect FILE                   describe a module or component: kind, sections,\n"
          "                                 imports and exports with types, counts, canon defs\n"
          "  wast FILE.json|FILE.wast|FOLDER  run WebAssembly spec test scripts (core and\n"
          "                                 Component Model); a line per script, then\n"
          "                                 \"N passed, N failed\"\n"
          "Each command takes -h/--help.\n"
          "\n"
          "Options:\n"
          "  -h, --help       show this help (`weft run --help` for the run options)\n"
          "  -V, --version    show the version\n"
          "\n"
          "Exit status:\n"
          "  0      success (`run`: the guest returned from _start or exited with 0)\n"
          "  N      `run`: the guest's own status from proc_exit(N) (low 8 bits)\n"
          "  1      `validate`, `wit`, `inspect`: FILE is malformed or invalid (`wit`: or not a\n"
          "         component)\n"
          "  2      bad command line (also a malformed --invoke call: the error names the\n"
          "         character where it is)\n"
          "  3      a file or directory could not be read or opened\n"
          "  4      `run`: the module or component is malformed or invalid\n"
          "  5      `run`: link error (unknown import, no _start or --invoke export)\n"
          "  1      `wast`: a check failed unexpectedly (2: a script cannot be read or converted)\n"
          "  119    `run`: table limit reached (--max-table-elements)\n"
          "  120    `run`: out of fuel (--fuel)\n"
          "  121    `run`: call stack exhausted (--max-call-depth, --max-stack or their defaults)\n"
          "  122    `run`: memory limit reached (--max-memory)\n"
          "  123    `run`: async task or handle limit reached (--max-tasks, --max-handles)\n"
          "  124    `run`: time limit reached (--timeout)\n"
          "  125    the runtime failed (for example out of memory)\n"
          "  134    the guest trapped; the trap and a backtrace are printed on stderr\n"
          "A guest can exit with any of these statuses itself. Errors are printed on stderr\n"
          "as \"weft: FILE: WHAT\" with the byte offset (files) or character (WAVE) of the\n"
          "problem.\n",
          f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return WEFT_CLI_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        usage(stdout);
        return WEFT_CLI_OK;
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
        printf("weft %s\n", WEFT_VERSION);
        return WEFT_CLI_OK;
    }
    if (!strcmp(cmd, "run")) return weft__cli_run(argc - 2, argv + 2);
    if (!strcmp(cmd, "validate")) return weft__cli_validate(argc - 2, argv + 2);
    if (!strcmp(cmd, "wit")) return weft__cli_wit(argc - 2, argv + 2);
    if (!strcmp(cmd, "inspect")) return weft__cli_inspect(argc - 2, argv + 2);
    if (!strcmp(cmd, "wast")) return weft__cli_wast(argc - 2, argv + 2);
    fprintf(stderr, "weft: unknown command '%s' (try 'weft --help')\n", cmd);
    return WEFT_CLI_USAGE;
}
