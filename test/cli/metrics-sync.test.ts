import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { runMetricsSync } from '../../scripts/metrics-sync';
import { runScript } from './run-script';

/** `npm run metrics:sync`: --help, and --check's event names against the database. */
let db: TestDatabase;
let dir: string;
beforeAll(async () => {
  db = await createTestDatabase();
  await db.dataSource.query(`
    INSERT INTO event_definitions (key, display_name) VALUES ('Signed In', 'Signed In');
    INSERT INTO event_definition_aliases (alias, definition_id)
      SELECT 'Signed In', id FROM event_definitions WHERE key = 'Signed In';`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'harmony-catalog-'));
  const metric = (name: string, event: string) => `
  - name: ${name}
    label: ${name}
    description: Sign-ins.
    owner: product
    unit: count
    type: count
    event: ${event}`;
  fs.writeFileSync(
    path.join(dir, 'events.yml'),
    `metrics:${metric('sign_ins', 'Signed In')}${metric('sign_ins_typo', 'Sigend In')}\n`,
  );
});
afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await db.drop();
});

/** Runs the script in-process (a spawned ts-node costs seconds per run) and captures its output. */
async function sync(args: string[], url = db.url) {
  let stdout = '';
  let stderr = '';
  const code = await runMetricsSync(
    args,
    { NODE_ENV: 'test', DATABASE_URL: url, LOG_LEVEL: 'silent' },
    { write: (text: string) => (stdout += text) },
    { write: (text: string) => (stderr += text) },
  );
  return { code, stdout, stderr };
}

test('npm run metrics:sync -- --help prints the usage and touches nothing', async () => {
  const result = await runScript('metrics-sync.ts', ['--help'], db.url);
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/^Usage: npm run metrics:sync -- \[options\]/);
  expect(result.stdout).toContain('--check');
  const [{ n }] = await db.dataSource.query('SELECT count(*)::int AS n FROM metric_definitions');
  expect(n).toBe(0);
});

test('--check fails on a misspelled event, naming the metric and the event', async () => {
  const result = await sync(['--check', '--dir', dir]);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(
    `metrics:sync failed: 1 unknown event name(s):\n  schema/metrics/events.yml: metric "sign_ins_typo", field "event": unknown event "Sigend In"`,
  );
  const [{ n }] = await db.dataSource.query('SELECT count(*)::int AS n FROM metric_definitions');
  expect(n).toBe(0);
});

test('--check passes the shipped catalog and says when it skipped the database', async () => {
  const shipped = await sync(['--check']);
  expect(shipped.code).toBe(0);
  expect(shipped.stdout).toMatch(/^schema\/metrics: \d+ metrics valid\nevent names: the 0 event/);
  const unreachable = await sync(['--check'], 'postgres://nobody@127.0.0.1:1/nothing');
  expect(unreachable.code).toBe(0);
  expect(unreachable.stdout).toContain(
    'event names: skipped the check against the database (not reachable:',
  );
});

test('an unknown option is an error', async () => {
  const result = await sync(['--chek']);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain("'--chek'");
});
