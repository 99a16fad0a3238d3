// Preloaded (node --import) by tests/wasi2/run around `jco embed` and `jco componentize`: the
// wasm-tools build inside the pinned jco reaches the host file system through the preview 2
// shim, which starts with no preopened directory (the commands then fail with "No such file
// or directory"); this gives every copy of the shim the root.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const root = new URL('../../node_modules/@bytecodealliance/', import.meta.url).pathname;
const shim = 'preview2-shim/dist/nodejs/filesystem.js';
for (const p of [`${root}jco-transpile/node_modules/@bytecodealliance/${shim}`,
                 `${root}jco/node_modules/@bytecodealliance/${shim}`, `${root}${shim}`]) {
    if (!existsSync(p)) continue;
    const { _setPreopens } = await import(pathToFileURL(p).href);
    if (_setPreopens) _setPreopens({ '/': '/' });
}
