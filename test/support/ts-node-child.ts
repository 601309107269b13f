import path from 'node:path';

/**
 * What a test passes to `node -r` to run a TypeScript file in a child process: ts-node in
 * transpile-only mode (as `npm run` does), with its output cached on disk across children.
 */
export const TS_NODE_REQUIRE = path.join(__dirname, 'ts-node-cached.cjs');
