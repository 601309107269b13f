import { startTestServer, type TestServer } from '../support/test-server';

/** Upserts of existing rows take only the fields that change (issue 15). */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await t.query(`mutation {
    upsertAccount(input: { externalId: "p-acct", name: "Partial Co" }) { id }
    other: upsertAccount(input: { externalId: "p-other", name: "Other Co" }) { id }
    upsertPlan(input: { code: "growth", price: 199 }) { code }
  }`);
});
afterAll(() => t.close());

const UPSERT_SUBSCRIPTION = `mutation($input: UpsertSubscriptionInput!) {
  upsertSubscription(input: $input) {
    status mrr seats currency startedAt endedAt plan { code }
    history { status mrr effectiveAt }
  }
}`;

function errorOf(body: any) {
  expect(body.errors).toHaveLength(1);
  return { ...body.errors[0].extensions, message: body.errors[0].message };
}

/** The stored history, straight from PostgreSQL. */
async function historyRows(externalId: string) {
  return t.db.dataSource.query(
    `SELECT h.status_code, h.mrr_minor::int AS mrr_minor, h.effective_at
     FROM subscription_history h JOIN subscriptions s ON s.id = h.subscription_id
     WHERE s.external_id = $1 ORDER BY h.effective_at, h.id`,
    [externalId],
  );
}

describe('upsertSubscription', () => {
  test('a new subscription names every missing required field', async () => {
    const { body } = await t.graphql(UPSERT_SUBSCRIPTION, {
      input: { externalId: 'p-new', status: 'ACTIVE' },
    });
    expect(errorOf(body)).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input',
      missing: ['accountExternalId', 'mrr', 'startedAt'],
      message:
        'input: no subscription has externalId "p-new" yet, and a new one needs accountExternalId, mrr, startedAt; missing: accountExternalId, mrr, startedAt',
    });
    const [{ n }] = await t.db.dataSource.query(
      `SELECT count(*)::int AS n FROM subscriptions WHERE external_id = 'p-new'`,
    );
    expect(n).toBe(0);
  });

  test('only the status changes: the rest keeps its value, and a later upsert keeps PAST_DUE', async () => {
    await t.query(UPSERT_SUBSCRIPTION, {
      input: {
        externalId: 'p-sub',
        accountExternalId: 'p-acct',
        planCode: 'growth',
        mrr: 199,
        seats: 5,
        currency: 'EUR',
        startedAt: '2025-01-15T00:00:00Z',
      },
    });
    const pastDue = (
      await t.query(UPSERT_SUBSCRIPTION, {
        input: { externalId: 'p-sub', status: 'PAST_DUE', effectiveAt: '2025-03-01T00:00:00Z' },
      })
    ).upsertSubscription;
    expect(pastDue).toMatchObject({
      status: 'PAST_DUE',
      mrr: 199,
      seats: 5,
      currency: 'EUR',
      startedAt: '2025-01-15T00:00:00.000Z',
      endedAt: null,
      plan: { code: 'growth' },
    });
    // Leaving status out keeps PAST_DUE (no silent ACTIVE default for an existing row).
    const seatsOnly = (
      await t.query(UPSERT_SUBSCRIPTION, {
        input: { externalId: 'p-sub', seats: 6, effectiveAt: '2025-04-01T00:00:00Z' },
      })
    ).upsertSubscription;
    expect(seatsOnly).toMatchObject({ status: 'PAST_DUE', seats: 6, mrr: 199 });
    expect(await historyRows('p-sub')).toEqual([
      {
        status_code: 'ACTIVE',
        mrr_minor: 19900,
        effective_at: new Date('2025-01-15T00:00:00Z'),
      },
      {
        status_code: 'PAST_DUE',
        mrr_minor: 19900,
        effective_at: new Date('2025-03-01T00:00:00Z'),
      },
      {
        status_code: 'PAST_DUE',
        mrr_minor: 19900,
        effective_at: new Date('2025-04-01T00:00:00Z'),
      },
    ]);
  });

  test('an ended subscription keeps its end when a later upsert leaves endedAt out', async () => {
    await t.query(UPSERT_SUBSCRIPTION, {
      input: {
        externalId: 'p-ended',
        accountExternalId: 'p-acct',
        mrr: 50,
        startedAt: '2025-01-01T00:00:00Z',
        endedAt: '2025-06-01T00:00:00Z',
        status: 'CANCELED',
      },
    });
    const kept = (
      await t.query(UPSERT_SUBSCRIPTION, { input: { externalId: 'p-ended', seats: 2 } })
    ).upsertSubscription;
    expect(kept).toMatchObject({ status: 'CANCELED', endedAt: '2025-06-01T00:00:00.000Z' });
    const reopened = (
      await t.query(UPSERT_SUBSCRIPTION, {
        input: { externalId: 'p-ended', status: 'ACTIVE', effectiveAt: '2025-07-01T00:00:00Z' },
      })
    ).upsertSubscription;
    expect(reopened).toMatchObject({ status: 'ACTIVE', endedAt: null, mrr: 50 });
  });

  test('null for a field that cannot be cleared, moving accounts and an end before the stored start are refused', async () => {
    const nullMrr = await t.graphql(UPSERT_SUBSCRIPTION, {
      input: { externalId: 'p-sub', mrr: null },
    });
    expect(errorOf(nullMrr.body)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.mrr' });
    const moved = await t.graphql(UPSERT_SUBSCRIPTION, {
      input: { externalId: 'p-sub', accountExternalId: 'p-other' },
    });
    expect(errorOf(moved.body)).toMatchObject({ field: 'input.accountExternalId' });
    const early = await t.graphql(UPSERT_SUBSCRIPTION, {
      input: { externalId: 'p-sub', endedAt: '2024-01-01T00:00:00Z' },
    });
    expect(errorOf(early.body)).toMatchObject({ field: 'input.endedAt' });
  });
});

describe('upsertTeam', () => {
  const UPSERT_TEAM = `mutation($input: UpsertTeamInput!) {
    upsertTeam(input: $input) { externalId name account { externalId } }
  }`;

  test('a new team needs account and name; an update may rename only', async () => {
    const missing = await t.graphql(UPSERT_TEAM, { input: { externalId: 'p-team' } });
    expect(errorOf(missing.body)).toMatchObject({
      field: 'input',
      missing: ['accountExternalId', 'name'],
    });
    await t.query(UPSERT_TEAM, {
      input: { externalId: 'p-team', accountExternalId: 'p-acct', name: 'Sales' },
    });
    const renamed = (
      await t.query(UPSERT_TEAM, { input: { externalId: 'p-team', name: 'RevOps' } })
    ).upsertTeam;
    expect(renamed).toEqual({
      externalId: 'p-team',
      name: 'RevOps',
      account: { externalId: 'p-acct' },
    });
  });
});
