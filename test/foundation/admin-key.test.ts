import fs from 'node:fs';
import os from 'node:os';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ConfigError, loadConfig, type Config } from '../../src/config/config';
import { ApiKeyService } from '../../src/domain/api-key/api-key.service';
import { ensureAdminKey, welcomeText } from '../../src/server/admin-key';
import { ShortApiKeyPrefixes1764000008310 } from '../../migrations/1764000008310-ShortApiKeyPrefixes';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { TS_NODE_REQUIRE } from '../support/ts-node-child';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

const FIRST_KEY = 'first-configured-admin-key-0123456789abcdef';
const SECOND_KEY = 'second-configured-admin-key-0123456789abcdef';
const configWith = (adminKey?: string): Config => ({
  ...loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url }),
  adminKey,
});
const authenticate = (key: string) => new ApiKeyService(db.dataSource).authenticate(key);

describe('HARMONY_ADMIN_KEY in the environment', () => {
  const errorFor = (value: string) => {
    try {
      loadConfig({ NODE_ENV: 'test', HARMONY_ADMIN_KEY: value });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  test('needs 32 to 256 characters without spaces; the error names the variable', () => {
    expect(errorFor('x'.repeat(31))).toBe(
      'Invalid configuration in the environment:\n' +
        '  HARMONY_ADMIN_KEY: must be at least 32 characters (e.g. `openssl rand -hex 24`)',
    );
    expect(errorFor('x'.repeat(257))).toContain(
      'HARMONY_ADMIN_KEY: must be at most 256 characters',
    );
    expect(errorFor(`${'x'.repeat(20)} ${'y'.repeat(20)}`)).toContain(
      'HARMONY_ADMIN_KEY: must not contain spaces',
    );
    expect(loadConfig({ HARMONY_ADMIN_KEY: 'x'.repeat(32) }).adminKey).toBe('x'.repeat(32));
  });
});

describe('ensureAdminKey', () => {
  test('stores the configured key with an 8-character prefix and never hands it out for printing', async () => {
    const apiKeys = new ApiKeyService(db.dataSource);
    expect(await ensureAdminKey(configWith(FIRST_KEY), apiKeys, false)).toEqual({
      source: 'HARMONY_ADMIN_KEY',
    });
    expect(await authenticate(FIRST_KEY)).toMatchObject({
      name: 'HARMONY_ADMIN_KEY',
      scopes: ['admin'],
    });
    const rows = await db.dataSource.query(
      `SELECT prefix, revoked_at FROM api_keys WHERE name = 'HARMONY_ADMIN_KEY'`,
    );
    expect(rows).toEqual([{ prefix: 'first-co', revoked_at: null }]);
  });

  test('a changed configured key revokes the old one; going back restores it', async () => {
    const apiKeys = new ApiKeyService(db.dataSource);
    await ensureAdminKey(configWith(FIRST_KEY), apiKeys, false);
    await ensureAdminKey(configWith(SECOND_KEY), apiKeys, false);
    expect(await authenticate(FIRST_KEY)).toBeNull();
    expect(await authenticate(SECOND_KEY)).toMatchObject({ name: 'HARMONY_ADMIN_KEY' });
    const active = () =>
      db.dataSource.query(
        `SELECT prefix FROM api_keys WHERE name = 'HARMONY_ADMIN_KEY' AND revoked_at IS NULL`,
      );
    expect(await active()).toEqual([{ prefix: 'second-c' }]);

    await ensureAdminKey(configWith(FIRST_KEY), apiKeys, false);
    expect(await active()).toEqual([{ prefix: 'first-co' }]);
    expect(await authenticate(SECOND_KEY)).toBeNull();
    // Keys with other names are left alone.
    const { key } = await apiKeys.create('ci', ['read']);
    await ensureAdminKey(configWith(SECOND_KEY), apiKeys, false);
    expect(await authenticate(key)).toMatchObject({ name: 'ci' });
  });

  test('demo mode hands out its generated key; without either there is none', async () => {
    const dataDir = path.join(os.tmpdir(), `harmony-admin-key-${process.pid}-${Date.now()}`);
    const demo = await ensureAdminKey(
      { ...configWith(undefined), dataDir },
      new ApiKeyService(db.dataSource),
      true,
    );
    expect(demo).toEqual({ source: 'demo', key: expect.stringMatching(/^hmy_demo_/) });
    expect(await authenticate((demo as { key: string }).key)).toMatchObject({
      name: 'demo admin',
    });
    expect(
      await ensureAdminKey(configWith(undefined), new ApiKeyService(db.dataSource), false),
    ).toBeUndefined();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});

describe('the welcome text', () => {
  const url = 'http://localhost:4000/graphql';

  test('names HARMONY_ADMIN_KEY instead of printing it; the curl reads it from the environment', () => {
    const text = welcomeText(url, { source: 'HARMONY_ADMIN_KEY' });
    expect(text).toContain('  Admin key:       from HARMONY_ADMIN_KEY\n');
    expect(text).toContain(`-H "Authorization: Bearer $HARMONY_ADMIN_KEY"`);
  });

  test('prints a generated demo key', () => {
    const text = welcomeText(url, { source: 'demo', key: 'hmy_demo_abc' });
    expect(text).toContain('  Admin key:       hmy_demo_abc\n');
    expect(text).toContain(`-H "Authorization: Bearer hmy_demo_abc"`);
  });

  test('a real start with HARMONY_ADMIN_KEY prints and logs no trace of the key', async () => {
    const secret = 'configured-secret-never-printed-0123456789';
    const child = spawn(process.execPath, ['-r', TS_NODE_REQUIRE, path.join('src', 'main.ts')], {
      cwd: path.resolve(__dirname, '..', '..'),
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        HARMONY_ADMIN_KEY: secret,
        PORT: '0',
        HOST: '127.0.0.1',
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += String(chunk)));
    child.stderr!.on('data', (chunk) => (output += String(chunk)));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', () => output.includes('Admin key:') && resolve());
      void exited.then((code) => reject(new Error(`exited with ${code}: ${output}`)));
    });
    // The exit status is not the point here (the signal may land before main's handler).
    child.kill('SIGTERM');
    await exited;
    expect(output).toContain('Admin key:       from HARMONY_ADMIN_KEY');
    expect(output).not.toContain(secret);
    expect(output).not.toContain(secret.slice(0, 12));
    expect(await authenticate(secret)).toMatchObject({ name: 'HARMONY_ADMIN_KEY' });
  });
});

test('the migration cuts prefixes stored longer than 8 characters', async () => {
  await db.dataSource.query(
    `INSERT INTO api_keys (name, prefix, key_hash, scopes)
     VALUES ('old', 'hmy_AbCdEfGh', 'old-hash', '{read}'), ('short', 'hmy_Xy', 'short-hash', '{read}')`,
  );
  const queryRunner = db.dataSource.createQueryRunner();
  try {
    await new ShortApiKeyPrefixes1764000008310().up(queryRunner);
  } finally {
    await queryRunner.release();
  }
  const rows = await db.dataSource.query(
    `SELECT name, prefix FROM api_keys WHERE name IN ('old', 'short') ORDER BY name`,
  );
  expect(rows).toEqual([
    { name: 'old', prefix: 'hmy_AbCd' },
    { name: 'short', prefix: 'hmy_Xy' },
  ]);
});
