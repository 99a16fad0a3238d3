// hello.js - a JavaScript command component (jco componentize, tests/wasi2/run): prints its
// arguments and environment. World: hello.wit.
import { getArguments, getEnvironment } from 'wasi:cli/environment@0.2.12';
export const run = {
  run() {
    const args = getArguments();
    console.log(`hello from JS: ${args.length} args: ${JSON.stringify(args)}`);
    for (const [k, v] of getEnvironment()) console.log(`env ${k}=${v}`);
  }
};
