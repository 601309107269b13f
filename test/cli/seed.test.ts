import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { runScript } from './run-script';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

const seed = (...args: string[]) => runScript('seed.ts', args, db.url);
const accountNames = () => db.dataSource.query(`SELECT name FROM accounts ORDER BY external_id`);

test('seed loads the demo data, refuses to load over accounts, and --force reloads', async () => {
  const first = await seed('--seed', '7');
  expect(first.code).toBe(0);
  expect(first.stdout).toMatch(
    /^Loaded demo data \(seed 7\) in \d+ ms: 300 accounts, 3061 users, /,
  );
  const names = await accountNames();
  expect(names).toHaveLength(300);

  const refused = await seed('--seed', '7');
  expect(refused).toMatchObject({ code: 1, stdout: '' });
  expect(refused.stderr).toContain('already has 300 accounts');
  expect(refused.stderr).toContain('--force');

  const forced = await seed('--seed', '7', '--force');
  expect(forced.code).toBe(0);
  expect(forced.stderr).toContain('emptied');
  expect(await accountNames()).toEqual(names);
  expect((await db.dataSource.query(`SELECT min(id)::int AS id FROM accounts`))[0].id).toBe(1);
});

test('an unknown option or a bad seed is an error naming it', async () => {
  const [unknown, badSeed] = await Promise.all([seed('--evnts', '5'), seed('--seed', 'many')]);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain("'--evnts'");
  expect(badSeed.code).toBe(1);
  expect(badSeed.stderr).toContain('--seed: expected an integer, got "many"');
});
