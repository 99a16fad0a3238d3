/* wasi2_build.c - compiles the WASI 0.2 host of src/wasi/p2/ into the library as one unit,
 * because the build collects the sources of src/wasi/ but not of its subfolders. The p2 files
 * keep their static names distinct so that they also build one by one; once the build lists
 * the p2 folder's sources itself, this file must go (each symbol would be defined twice). */
#include "wasi/p2/wasi2_cli.c"
#include "wasi/p2/wasi2_clocks.c"
#include "wasi/p2/wasi2_ctx.c"
#include "wasi/p2/wasi2_fs.c"
#include "wasi/p2/wasi2_fs_path.c"
#include "wasi/p2/wasi2_link.c"
#include "wasi/p2/wasi2_poll.c"
#include "wasi/p2/wasi2_streams.c"
#include "wasi/p2/wasi2_val.c"
