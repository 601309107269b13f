// `node -r ts-node/register/transpile-only`, with each file's output kept on disk by content:
// the tests start Harmony's scripts and servers as child processes dozens of times a run, and
// transpiling the same sources again is most of a child's start-up (seconds on a busy machine).
// The output is ts-node's own (same options, same inline source map); only a repeat is skipped.
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const tsNode = require('ts-node');

const service = tsNode.create({ transpileOnly: true });
const directory = path.join(os.tmpdir(), `harmony-ts-node-${process.getuid?.() ?? 'user'}`);
fs.mkdirSync(directory, { recursive: true });
const version = [tsNode.VERSION, service.ts.version, JSON.stringify(service.config.options)].join();
const compile = service.compile;
/** Outputs read from the cache, for stack traces (ts-node maps only what it compiled itself). */
const fromCache = new Map();
require('@cspotcode/source-map-support').install({
  environment: 'node',
  retrieveFile: (fileName) => fromCache.get(fileName) ?? '',
});

service.compile = (code, fileName, lineOffset) => {
  const key = crypto.createHash('sha256').update(version).update(fileName).update(code);
  const file = path.join(directory, `${key.digest('hex')}.js`);
  try {
    const output = fs.readFileSync(file, 'utf8');
    fromCache.set(fileName, output);
    return output;
  } catch {
    const output = compile(code, fileName, lineOffset);
    // Written whole, then renamed: a concurrent reader never sees half a file.
    const partial = `${file}.${process.pid}`;
    fs.writeFileSync(partial, output);
    fs.renameSync(partial, file);
    return output;
  }
};
tsNode.register(service);
