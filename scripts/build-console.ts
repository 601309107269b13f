import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';

/**
 * `npm run build` bundles the browser console (console/ → dist/console/) with esbuild: one
 * JavaScript and one CSS file with content hashes, and an index.html naming them. Nothing is
 * loaded from elsewhere at run time.
 */
export async function buildConsole(repositoryRoot = findRepositoryRoot()): Promise<string> {
  const outputDirectory = path.join(repositoryRoot, 'dist', 'console');
  // Build beside the target and swap, so a server (or a parallel test) never serves half a build.
  const staging = `${outputDirectory}.tmp-${process.pid}-${Date.now()}`;
  const result = await esbuild.build({
    entryPoints: { app: path.join(repositoryRoot, 'console', 'src', 'main.tsx') },
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    outdir: staging,
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    loader: { '.woff2': 'file', '.woff': 'file', '.ttf': 'file', '.svg': 'file' },
    define: { 'process.env.NODE_ENV': '"production"' },
    jsx: 'automatic',
    metafile: true,
    logLevel: 'warning',
    plugins: [graphqlWsClientOnly],
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => path.basename(file));
  const script = outputs.find((file) => /^app-.*\.js$/.test(file));
  const style = outputs.find((file) => /^app-.*\.css$/.test(file));
  if (!script) throw new Error(`esbuild produced no app bundle (outputs: ${outputs.join(', ')})`);
  const template = fs.readFileSync(path.join(repositoryRoot, 'console', 'index.html'), 'utf8');
  const html = template
    .replace('<!-- styles -->', style ? `<link rel="stylesheet" href="./${style}">` : '')
    .replace('<!-- scripts -->', `<script type="module" src="./${script}"></script>`);
  fs.writeFileSync(path.join(staging, 'index.html'), html);
  swapInto(staging, outputDirectory);
  return outputDirectory;
}

/**
 * graphql-ws lists its `import` entry (client and server) before its `browser` one (the client
 * alone) in its exports, so a bundler takes the former; GraphiQL's toolkit imports the bare name
 * too. The page only needs the client: resolve `graphql-ws` to `graphql-ws/client`.
 */
const graphqlWsClientOnly: esbuild.Plugin = {
  name: 'graphql-ws-client-only',
  setup(build) {
    build.onResolve({ filter: /^graphql-ws$/ }, (args) =>
      build.resolve('graphql-ws/client', { kind: args.kind, resolveDir: args.resolveDir }),
    );
  },
};

/**
 * Builds unless dist/console is newer than every console source and the lockfile: test files
 * call it, so a suite run builds once (and a fresh clone builds before the first browser test).
 */
export async function ensureConsoleBuilt(repositoryRoot = findRepositoryRoot()): Promise<string> {
  const index = path.join(repositoryRoot, 'dist', 'console', 'index.html');
  if (fs.existsSync(index)) {
    const built = fs.statSync(index).mtimeMs;
    const sources = [
      ...filesUnder(path.join(repositoryRoot, 'console')),
      path.join(repositoryRoot, 'package-lock.json'),
      __filename,
    ];
    if (sources.every((file) => fs.statSync(file).mtimeMs <= built)) {
      return path.dirname(index);
    }
  }
  return buildConsole(repositoryRoot);
}

/** Moves a finished build into place; another process swapping at the same moment wins or loses whole. */
function swapInto(staging: string, target: string): void {
  for (let attempt = 0; ; attempt++) {
    const previous = `${target}.old-${process.pid}-${Date.now()}-${attempt}`;
    try {
      if (fs.existsSync(target)) fs.renameSync(target, previous);
      fs.renameSync(staging, target);
      fs.rmSync(previous, { recursive: true, force: true });
      return;
    } catch (error) {
      if (attempt >= 5) throw error;
    }
  }
}

function filesUnder(directory: string): string[] {
  return (
    fs
      .readdirSync(directory, { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isFile())
      // parentPath from Node 20.12; path before it.
      .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name))
  );
}

/** The folder holding package.json, from scripts/ or dist/scripts/. */
function findRepositoryRoot(): string {
  let directory = __dirname;
  while (!fs.existsSync(path.join(directory, 'package.json'))) {
    const parent = path.dirname(directory);
    if (parent === directory) throw new Error(`no package.json above ${__dirname}`);
    directory = parent;
  }
  return directory;
}

if (require.main === module) {
  buildConsole().then(
    (directory) => process.stdout.write(`console built into ${directory}\n`),
    (error: unknown) => {
      process.stderr.write(`console build failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
}
