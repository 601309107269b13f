import { execFileSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

/**
 * Lints code as if it sat at each path, with the project's eslint.config.js, and returns the
 * import-boundary messages per case. ESLint loads its config by dynamic import, which jest's
 * module sandbox refuses, so the linting runs in a plain node process.
 */
function boundaryErrors(cases: Array<{ file: string; code: string }>): string[][] {
  const script = `
    const { ESLint } = require('eslint');
    const cases = JSON.parse(process.argv[1]);
    (async () => {
      const eslint = new ESLint({ cwd: process.cwd() });
      const out = [];
      for (const { file, code } of cases) {
        const [result] = await eslint.lintText(code, { filePath: file });
        out.push(result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message));
      }
      process.stdout.write(JSON.stringify(out));
    })();`;
  const output = execFileSync(process.execPath, ['-e', script, JSON.stringify(cases)], {
    cwd: root,
    encoding: 'utf8',
  });
  return JSON.parse(output);
}

describe('import boundaries (npm run check lints them)', () => {
  const forbidden = [
    ['src/domain/account/x.ts', "import type { Services } from '../../server/services';", 'server'],
    [
      'src/metrics/graphql/x.ts',
      "import { createLoaders } from '../../server/graphql/loaders';",
      'server',
    ],
    ['src/ingest/x.ts', "import { createServer } from '../server/app';", 'server'],
    ['src/db/x.ts', "import { Account } from '../domain/account/account.entity';", 'domain'],
    ['src/cache/x.ts', "import { MetricsService } from '../metrics';", 'metrics'],
  ];
  const allowed = [
    [
      'src/domain/account/x.ts',
      "import type { RequestContext } from '../../context/request-context';",
    ],
    ['src/domain/account/y.ts', "import { invalidInput } from '../../shared/errors';"],
    ['src/server/x.ts', "import { AccountService } from '../domain/account/account.service';"],
  ];

  test('a forbidden import is an error naming both layers; allowed ones pass', () => {
    const results = boundaryErrors(
      [...forbidden, ...allowed].map(([file, code]) => ({
        file: path.join(root, file),
        code: `${code}\nexport const used = 1;\n`,
      })),
    );
    forbidden.forEach(([file, , target], index) => {
      expect(results[index]).toHaveLength(1);
      expect(results[index][0]).toContain(
        `${path.dirname(file).split('/').slice(0, 2).join('/')} must not import from src/${target}`,
      );
    });
    expect(results.slice(forbidden.length)).toEqual(allowed.map(() => []));
  });
});
