import { ApiKeyService } from '../../src/domain/api-key/api-key.service';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { runScript } from './run-script';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

const keys = (...args: string[]) => runScript('keys.ts', args, db.url);
/** A fresh service each time: nothing cached from an earlier check. */
const authenticate = (key: string) => new ApiKeyService(db.dataSource).authenticate(key);

test('create prints only a working key on stdout; list shows it; revoke disables it', async () => {
  const created = await keys('create', '--name', 'ci', '--scopes', 'read,sync');
  expect(created.code).toBe(0);
  expect(created.stdout).toMatch(/^hmy_[A-Za-z0-9_-]{32}\n$/);
  const key = created.stdout.trim();
  expect(created.stderr).toContain('"ci"');
  expect(created.stderr).toContain('only time');
  expect(await authenticate(key)).toMatchObject({ name: 'ci', scopes: ['read', 'sync'] });

  const [record] = await db.dataSource.query(`SELECT id, prefix FROM api_keys WHERE name = 'ci'`);
  // 8 characters: the hmy_ tag and 4 of the secret, enough to tell keys apart in a listing.
  expect(record.prefix).toBe(key.slice(0, 8));
  const listed = await keys('list');
  expect(listed.code).toBe(0);
  const lines = listed.stdout.trimEnd().split('\n');
  expect(lines[0].split(/\s{2,}/)).toEqual([
    'ID',
    'NAME',
    'PREFIX',
    'SCOPES',
    'CREATED',
    'LAST USED',
    'REVOKED',
  ]);
  const row = lines.find((line) => line.startsWith(`${record.id} `))!.split(/\s{2,}/);
  expect(row.slice(0, 4)).toEqual([record.id, 'ci', record.prefix, 'read,sync']);
  expect(row[4]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  expect(row[6]).toBe('-');
  expect(listed.stdout).not.toContain(key);

  const revoked = await keys('revoke', record.prefix);
  expect(revoked).toMatchObject({ code: 0, stdout: '' });
  expect(revoked.stderr).toContain('Revoked 1 key');
  expect(await authenticate(key)).toBeNull();

  const [after] = await db.dataSource.query(`SELECT revoked_at FROM api_keys WHERE id = $1`, [
    record.id,
  ]);
  expect(after.revoked_at).toBeInstanceOf(Date);
});

test('a bad scope, an unknown command or an unknown key exits 1 with a message naming it', async () => {
  await new ApiKeyService(db.dataSource).create('listed', ['ingest']);
  const [badScope, unknownCommand, unknownKey, unknownOption, asJson] = await Promise.all([
    keys('create', '--name', 'x', '--scopes', 'read,bogus'),
    keys('frobnicate'),
    keys('revoke', 'hmy_nothere'),
    keys('list', '--verbose'),
    keys('list', '--json'),
  ]);
  expect(badScope).toMatchObject({ code: 1, stdout: '' });
  expect(badScope.stderr).toContain('got "bogus"');
  expect(badScope.stderr).toContain('ingest, read, sync, admin');
  expect(unknownCommand.code).toBe(1);
  expect(unknownCommand.stderr).toContain('Unknown command "frobnicate"');
  expect(unknownKey.code).toBe(1);
  expect(unknownKey.stderr).toContain('"hmy_nothere"');
  expect(unknownOption.code).toBe(1);
  expect(unknownOption.stderr).toContain("'--verbose'");
  expect(await db.dataSource.query(`SELECT name FROM api_keys WHERE name = 'x'`)).toEqual([]);
  // list --json, for scripts: the same fields as the table.
  expect(asJson.code).toBe(0);
  const listed = JSON.parse(asJson.stdout).find((key: { name: string }) => key.name === 'listed');
  expect(listed).toEqual({
    id: expect.any(String),
    name: 'listed',
    prefix: expect.stringMatching(/^hmy_/),
    scopes: ['ingest'],
    createdAt: expect.any(String),
    lastUsedAt: null,
    revokedAt: null,
  });
});

test('revoke by a prefix that several active keys share is refused, naming their ids', async () => {
  const rows: Array<{ id: string }> = await db.dataSource.query(
    `INSERT INTO api_keys (name, prefix, key_hash, scopes)
     VALUES ('twin a', 'hmy_twin', 'twin-a-hash', '{read}'), ('twin b', 'hmy_twin', 'twin-b-hash', '{read}')
     RETURNING id`,
  );
  const ids = rows.map((row) => row.id);
  const ambiguous = await keys('revoke', 'hmy_twin');
  expect(ambiguous).toMatchObject({ code: 1, stdout: '' });
  expect(ambiguous.stderr).toBe(
    `"hmy_twin" matches 2 active keys (ids ${ids.join(', ')}): revoke one by its id\n`,
  );
  const active = () =>
    db.dataSource.query(
      `SELECT name FROM api_keys WHERE prefix = 'hmy_twin' AND revoked_at IS NULL ORDER BY name`,
    );
  expect(await active()).toEqual([{ name: 'twin a' }, { name: 'twin b' }]);

  expect((await keys('revoke', ids[0])).code).toBe(0);
  expect(await active()).toEqual([{ name: 'twin b' }]);
  // Now the prefix names one active key: accepted.
  expect((await keys('revoke', 'hmy_twin')).code).toBe(0);
  expect(await active()).toEqual([]);
});
