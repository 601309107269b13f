import { migrations } from '../../migrations';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { runScript } from './run-script';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

const migrate = (...args: string[]) => runScript('migrate.ts', args, db.url);
const names = migrations.map((migration) => new migration().name!);
const latest = names[names.length - 1];

test('--status lists migrations; --revert undoes the latest; a plain run applies it again', async () => {
  const status = await migrate('--status');
  expect(status.code).toBe(0);
  expect(status.stdout).toBe(names.map((name) => `applied  ${name}\n`).join(''));

  const reverted = await migrate('--revert');
  expect(reverted).toMatchObject({ code: 0, stdout: `Reverted ${latest}.\n` });
  expect((await migrate('--status')).stdout).toContain(`pending  ${latest}\n`);

  const applied = await migrate();
  expect(applied).toMatchObject({ code: 0, stdout: `Applied ${latest}.\n` });
  expect((await migrate()).stdout).toBe(
    `Nothing to apply: all ${names.length} migrations are applied.\n`,
  );
});

test('an unknown option or two actions at once is an error', async () => {
  const [unknown, both] = await Promise.all([migrate('--undo'), migrate('--revert', '--status')]);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain("'--undo'");
  expect(both).toMatchObject({ code: 1, stderr: 'Choose one of --revert and --status.\n' });
});
