import { ApiKeyService } from '../../src/domain/api-key/api-key.service';
import { postIngest } from '../ingest/support/ingest-helpers';
import { startTestServer, type TestServer } from '../support/test-server';

/** Requests without a valid key must cost neither memory that stays nor a 500 KB parse. */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const unknownKey = (n: number) => `hmy_unknown_${n}_`.padEnd(250, 'x');

test('made-up keys fill only a bounded miss cache, and never push known keys out', async () => {
  const apiKeys = new ApiKeyService(t.db.dataSource, { maxKeys: 4, maxMisses: 16 });
  const { key } = await apiKeys.create('kept', ['read']);
  expect(await apiKeys.authenticate(key)).toMatchObject({ name: 'kept' });
  for (let n = 0; n < 50; n++) expect(await apiKeys.authenticate(unknownKey(n))).toBeNull();
  expect(apiKeys.cachedVerdicts()).toEqual({ keys: 1, misses: 16 });

  t.db.statements.length = 0;
  expect(await apiKeys.authenticate(key)).toMatchObject({ name: 'kept' });
  expect(t.db.statements).toEqual([]);
});

test('by default at most 1,000 misses are remembered, however many keys are made up', async () => {
  const apiKeys = new ApiKeyService(t.db.dataSource);
  for (let n = 0; n < 1_050; n++) await apiKeys.authenticate(unknownKey(n));
  expect(apiKeys.cachedVerdicts()).toEqual({ keys: 0, misses: 1_000 });
});

test('the server looks a repeated unknown key up once, and answers 401 each time', async () => {
  const before = t.services.apiKeys.cachedVerdicts();
  t.db.statements.length = 0;
  const statuses = new Set<number>();
  for (let n = 0; n < 20; n++) {
    const response = await fetch(`${t.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${unknownKey(-1)}` },
      body: '{"query":"{ __typename }"}',
    });
    statuses.add(response.status);
  }
  expect(statuses).toEqual(new Set([401]));
  expect(t.db.statements.filter((sql) => sql.includes('api_keys'))).toHaveLength(1);
  expect(t.services.apiKeys.cachedVerdicts()).toEqual({ ...before, misses: before.misses + 1 });
});

describe('a key over 256 characters is refused with 401 naming the limit, before any lookup', () => {
  const longKey = 'hmy_' + 'k'.repeat(300_000);

  test('as the ingest writeKey in the body', async () => {
    const before = t.services.apiKeys.cachedVerdicts();
    t.db.statements.length = 0;
    const answer = await postIngest(t.baseUrl, 'track', {
      writeKey: longKey,
      userId: 'u',
      event: 'E',
    });
    expect(answer).toEqual({
      status: 401,
      body: {
        success: false,
        errors: [
          {
            message: 'writeKey is 300004 characters long; keys are at most 256',
            extensions: { code: 'UNAUTHENTICATED' },
          },
        ],
      },
    });
    expect(t.db.statements).toEqual([]);
    expect(t.services.apiKeys.cachedVerdicts()).toEqual(before);
  });

  test('as the basic-auth user name, and as a GraphQL bearer key', async () => {
    const headerKey = longKey.slice(0, 8_000);
    t.db.statements.length = 0;
    const ingest = await postIngest(t.baseUrl, 'track', { userId: 'u', event: 'E' }, headerKey);
    expect(ingest.status).toBe(401);
    expect(ingest.body.errors[0].message).toBe(
      'write key is 8000 characters long; keys are at most 256',
    );
    const graphql = await fetch(`${t.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${headerKey}` },
      body: '{"query":"{ __typename }"}',
    });
    expect(graphql.status).toBe(401);
    expect(((await graphql.json()) as any).errors[0].message).toBe(
      'API key is 8000 characters long; keys are at most 256',
    );
    expect(t.db.statements).toEqual([]);
  });
});

describe('ingest: a key in the Authorization header is checked before the body is parsed', () => {
  test('an unknown header key with a body that is not JSON gets 401, not 400', async () => {
    const answer = await postIngest(t.baseUrl, 'batch', null, 'hmy_not_a_key', {
      rawBody: '{"batch": [',
    });
    expect(answer.status).toBe(401);
    expect(answer.body.errors[0].message).toBe('Unknown or revoked write key');
  });

  test('an unknown header key with a body over 500 KB gets 401, not 413', async () => {
    const answer = await postIngest(t.baseUrl, 'batch', null, 'hmy_not_a_key', {
      rawBody: JSON.stringify({ batch: [{ type: 'track', event: 'x'.repeat(600_000) }] }),
    });
    expect(answer.status).toBe(401);
  });

  test('a valid header key still gets the parse errors: 400 for a body that is not JSON', async () => {
    const answer = await postIngest(t.baseUrl, 'batch', null, t.keys.ingest, {
      rawBody: '{"batch": [',
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });
});
