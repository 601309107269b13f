import { startTestServer, type TestServer } from '../support/test-server';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const UPSERT_ACCOUNT = `mutation($input: UpsertAccountInput!) {
  upsertAccount(input: $input) { id externalId name domain industry employeeCount traits isTest updatedAt }
}`;

function errorOf(body: any) {
  expect(body.errors).toHaveLength(1);
  return {
    code: body.errors[0].extensions.code,
    field: body.errors[0].extensions.field,
    message: body.errors[0].message,
  };
}

describe('accounts', () => {
  test('an upsert is idempotent: same id, and updatedAt does not move when nothing changed', async () => {
    const input = {
      externalId: 'acme',
      name: 'Acme',
      domain: 'acme.com',
      industry: 'Software',
      employeeCount: 40,
    };
    const first = (await t.query(UPSERT_ACCOUNT, { input })).upsertAccount;
    const second = (await t.query(UPSERT_ACCOUNT, { input })).upsertAccount;
    expect(second).toEqual(first);
    const rows = await t.db.dataSource.query(
      "SELECT count(*)::int AS n FROM accounts WHERE external_id = 'acme'",
    );
    expect(rows[0].n).toBe(1);
  });

  test('fields left out keep their value, null clears, traits merge', async () => {
    await t.query(UPSERT_ACCOUNT, {
      input: { externalId: 'partial', name: 'Partial Inc', domain: 'partial.io', traits: { a: 1 } },
    });
    const updated = (
      await t.query(UPSERT_ACCOUNT, {
        input: { externalId: 'partial', industry: 'Retail', domain: null, traits: { b: 2 } },
      })
    ).upsertAccount;
    expect(updated).toMatchObject({
      name: 'Partial Inc',
      domain: null,
      industry: 'Retail',
      traits: { a: 1, b: 2 },
    });
  });

  test('validation errors carry BAD_USER_INPUT and name the field', async () => {
    const badDomain = errorOf(
      (await t.graphql(UPSERT_ACCOUNT, { input: { externalId: 'x', domain: 'not a domain' } }))
        .body,
    );
    expect(badDomain).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.domain',
      message: 'input.domain: expected a domain such as "acme.com"',
    });
    const negative = errorOf(
      (await t.graphql(UPSERT_ACCOUNT, { input: { externalId: 'x', employeeCount: -3 } })).body,
    );
    expect(negative).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.employeeCount' });
    const empty = errorOf((await t.graphql(UPSERT_ACCOUNT, { input: { externalId: '  ' } })).body);
    expect(empty).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.externalId' });
  });

  test('traits must be a JSON object', async () => {
    const { body } = await t.graphql(UPSERT_ACCOUNT, {
      input: { externalId: 'json', traits: [1, 2] },
    });
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(body.errors[0].message).toContain('JSON');
    const stored = await t.query(UPSERT_ACCOUNT, {
      input: { externalId: 'json', traits: { tier: 'gold', seats: [1, 2] } },
    });
    expect(stored.upsertAccount.traits).toEqual({ tier: 'gold', seats: [1, 2] });
  });

  test('a plural upsert is one transaction: one bad item stores nothing, and the error names its index', async () => {
    const mutation =
      'mutation($inputs: [UpsertAccountInput!]!) { upsertAccounts(inputs: $inputs) { externalId } }';
    const inputs = [{ externalId: 'batch-1' }, { externalId: 'batch-2', domain: 'nope' }];
    expect(errorOf((await t.graphql(mutation, { inputs })).body)).toMatchObject({
      field: 'inputs[1].domain',
    });
    const duplicate = [{ externalId: 'batch-1' }, { externalId: 'batch-1' }];
    expect(errorOf((await t.graphql(mutation, { inputs: duplicate })).body)).toMatchObject({
      field: 'inputs[1].externalId',
      message: 'inputs[1].externalId: "batch-1" is also given at inputs[0]',
    });
    const tooMany = Array.from({ length: 1001 }, (_, i) => ({ externalId: `many-${i}` }));
    expect(errorOf((await t.graphql(mutation, { inputs: tooMany })).body)).toMatchObject({
      field: 'inputs',
    });
    const rows = await t.db.dataSource.query(
      "SELECT count(*)::int AS n FROM accounts WHERE external_id LIKE 'batch-%' OR external_id LIKE 'many-%'",
    );
    expect(rows[0].n).toBe(0);

    const ok = Array.from({ length: 1000 }, (_, i) => ({
      externalId: `bulk-${i}`,
      name: `Bulk ${i}`,
    }));
    const stored = (await t.query(mutation, { inputs: ok })).upsertAccounts;
    expect(stored.map((a: any) => a.externalId)).toEqual(ok.map((a) => a.externalId));
  });

  test('soft delete hides the account unless includeDeleted, and an upsert restores it', async () => {
    await t.query(UPSERT_ACCOUNT, { input: { externalId: 'doomed', name: 'Doomed' } });
    const deleted = (
      await t.query('mutation { deleteAccount(externalId: "doomed") { externalId deletedAt } }')
    ).deleteAccount;
    expect(deleted.deletedAt).not.toBeNull();
    const visible = async (includeDeleted: boolean) =>
      (
        await t.query(
          `{ accounts(first: 100, filter: { search: "Doomed", includeDeleted: ${includeDeleted} }) { edges { node { externalId } } } }`,
        )
      ).accounts.edges.length;
    expect(await visible(false)).toBe(0);
    expect(await visible(true)).toBe(1);
    expect((await t.query('{ account(externalId: "doomed") { id } }')).account).toBeNull();
    await t.query(UPSERT_ACCOUNT, { input: { externalId: 'doomed' } });
    expect(await visible(false)).toBe(1);
    const missing = await t.graphql('mutation { deleteAccount(externalId: "never-was") { id } }');
    expect(errorOf(missing.body)).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('users and memberships', () => {
  test('memberships need existing rows and a known role, and are idempotent', async () => {
    await t.query(UPSERT_ACCOUNT, { input: { externalId: 'm-acct', name: 'Members Co' } });
    await t.query(
      'mutation { upsertUsers(inputs: [{ externalId: "u1", email: "u1@example.com" }, { externalId: "u2", email: "u2@example.com" }]) { id } }',
    );
    const badEmail = await t.graphql(
      'mutation { upsertUser(input: { externalId: "u3", email: "nope" }) { id } }',
    );
    expect(errorOf(badEmail.body)).toMatchObject({ field: 'input.email' });

    const upsert =
      'mutation($input: UpsertMembershipInput!) { upsertMembership(input: $input) { id role } }';
    const first = (
      await t.query(upsert, {
        input: { accountExternalId: 'm-acct', userExternalId: 'u1', role: 'ADMINISTRATOR' },
      })
    ).upsertMembership;
    const again = (
      await t.query(upsert, { input: { accountExternalId: 'm-acct', userExternalId: 'u1' } })
    ).upsertMembership;
    expect(again).toEqual({ id: first.id, role: 'ADMINISTRATOR' });
    await t.query(upsert, { input: { accountExternalId: 'm-acct', userExternalId: 'u2' } });

    const unknownRole = await t.graphql(upsert, {
      input: { accountExternalId: 'm-acct', userExternalId: 'u2', role: 'OWNER' },
    });
    expect(errorOf(unknownRole.body)).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.role',
      message: 'input.role: expected one of ADMINISTRATOR, BILLING, GUEST, MEMBER, got "OWNER"',
    });
    const unknownUser = await t.graphql(upsert, {
      input: { accountExternalId: 'm-acct', userExternalId: 'ghost' },
    });
    expect(errorOf(unknownUser.body)).toMatchObject({ field: 'input.userExternalId' });

    const account = (
      await t.query(
        '{ account(externalId: "m-acct") { users { externalId } admins: users(role: "ADMINISTRATOR") { externalId } } }',
      )
    ).account;
    expect(account).toEqual({
      users: [{ externalId: 'u1' }, { externalId: 'u2' }],
      admins: [{ externalId: 'u1' }],
    });
    const user = (
      await t.query('{ user(externalId: "u1") { accounts { externalId } memberships { role } } }')
    ).user;
    expect(user).toEqual({
      accounts: [{ externalId: 'm-acct' }],
      memberships: [{ role: 'ADMINISTRATOR' }],
    });
  });
});

describe('plans, teams and subscriptions', () => {
  beforeAll(async () => {
    await t.query(`mutation { upsertPlans(inputs: [
      { code: "free", name: "Free", price: 0 },
      { code: "growth", name: "Growth", interval: MONTH, price: 199 },
      { code: "growth-annual", name: "Growth (annual)", interval: YEAR, price: 1990.5 }
    ]) { code } }`);
    await t.query(UPSERT_ACCOUNT, { input: { externalId: 's-acct', name: 'Subscriber' } });
  });

  test('plans store exact prices and default isPaid from the price', async () => {
    const plans = (
      await t.query(
        '{ plans(first: 10) { edges { node { code price isPaid interval currency } } } }',
      )
    ).plans.edges.map((e: any) => e.node);
    expect(plans).toEqual([
      { code: 'free', price: 0, isPaid: false, interval: 'MONTH', currency: 'USD' },
      { code: 'growth', price: 199, isPaid: true, interval: 'MONTH', currency: 'USD' },
      { code: 'growth-annual', price: 1990.5, isPaid: true, interval: 'YEAR', currency: 'USD' },
    ]);
    const tooPrecise = await t.graphql(
      'mutation { upsertPlan(input: { code: "x", price: 1.005 }) { code } }',
    );
    expect(errorOf(tooPrecise.body)).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.price',
      message: 'input.price: expected at most two decimals',
    });
  });

  test('teams keep their member list', async () => {
    await t.query(
      'mutation { upsertUsers(inputs: [{ externalId: "t1" }, { externalId: "t2" }]) { id } }',
    );
    const upsert =
      'mutation($input: UpsertTeamInput!) { upsertTeam(input: $input) { externalId name members { externalId } account { externalId } } }';
    const team = (
      await t.query(upsert, {
        input: {
          externalId: 'team-a',
          accountExternalId: 's-acct',
          name: 'A',
          memberExternalIds: ['t1', 't2'],
        },
      })
    ).upsertTeam;
    expect(team).toEqual({
      externalId: 'team-a',
      name: 'A',
      members: [{ externalId: 't1' }, { externalId: 't2' }],
      account: { externalId: 's-acct' },
    });
    const renamed = (
      await t.query(upsert, {
        input: {
          externalId: 'team-a',
          accountExternalId: 's-acct',
          name: 'A2',
          memberExternalIds: ['t2'],
        },
      })
    ).upsertTeam;
    expect(renamed.members).toEqual([{ externalId: 't2' }]);
    const badMember = await t.graphql(upsert, {
      input: {
        externalId: 'team-b',
        accountExternalId: 's-acct',
        name: 'B',
        memberExternalIds: ['t1', 'ghost'],
      },
    });
    expect(errorOf(badMember.body)).toMatchObject({ field: 'input.memberExternalIds[1]' });
  });

  const UPSERT_SUBSCRIPTION = `mutation($input: UpsertSubscriptionInput!) {
    upsertSubscription(input: $input) {
      id status mrr seats startedAt endedAt plan { code }
      history { status mrr seats effectiveAt plan { code } }
    }
  }`;

  test('subscription history records each change at its effective time, and nothing for a repeat', async () => {
    const base = {
      externalId: 'sub-1',
      accountExternalId: 's-acct',
      planCode: 'growth',
      mrr: 199,
      seats: 5,
      startedAt: '2025-01-15T00:00:00.000Z',
    };
    await t.query(UPSERT_SUBSCRIPTION, { input: base });
    await t.query(UPSERT_SUBSCRIPTION, { input: base });
    await t.query(UPSERT_SUBSCRIPTION, {
      input: { ...base, mrr: 249.5, seats: 7, effectiveAt: '2025-03-01T00:00:00.000Z' },
    });
    await t.query(UPSERT_SUBSCRIPTION, {
      input: {
        ...base,
        mrr: 249.5,
        seats: 7,
        status: 'PAST_DUE',
        effectiveAt: '2025-04-02T00:00:00.000Z',
      },
    });
    const canceled = (
      await t.query(UPSERT_SUBSCRIPTION, {
        input: {
          ...base,
          mrr: 249.5,
          seats: 7,
          status: 'CANCELED',
          endedAt: '2025-05-01T00:00:00.000Z',
        },
      })
    ).upsertSubscription;
    expect(canceled).toMatchObject({
      status: 'CANCELED',
      mrr: 249.5,
      endedAt: '2025-05-01T00:00:00.000Z',
      plan: { code: 'growth' },
    });
    expect(canceled.history).toEqual([
      {
        status: 'ACTIVE',
        mrr: 199,
        seats: 5,
        effectiveAt: '2025-01-15T00:00:00.000Z',
        plan: { code: 'growth' },
      },
      {
        status: 'ACTIVE',
        mrr: 249.5,
        seats: 7,
        effectiveAt: '2025-03-01T00:00:00.000Z',
        plan: { code: 'growth' },
      },
      {
        status: 'PAST_DUE',
        mrr: 249.5,
        seats: 7,
        effectiveAt: '2025-04-02T00:00:00.000Z',
        plan: { code: 'growth' },
      },
      {
        status: 'CANCELED',
        mrr: 0,
        seats: 7,
        effectiveAt: '2025-05-01T00:00:00.000Z',
        plan: { code: 'growth' },
      },
    ]);
  });

  test('a backfill of a finished subscription is in force over [startedAt, endedAt)', async () => {
    const sub = (
      await t.query(UPSERT_SUBSCRIPTION, {
        input: {
          externalId: 'sub-old',
          accountExternalId: 's-acct',
          planCode: 'growth-annual',
          status: 'CANCELED',
          mrr: 165.88,
          startedAt: '2023-02-01T00:00:00.000Z',
          endedAt: '2024-02-01T00:00:00.000Z',
        },
      })
    ).upsertSubscription;
    expect(sub.history).toEqual([
      {
        status: 'ACTIVE',
        mrr: 165.88,
        seats: null,
        effectiveAt: '2023-02-01T00:00:00.000Z',
        plan: { code: 'growth-annual' },
      },
      {
        status: 'CANCELED',
        mrr: 0,
        seats: null,
        effectiveAt: '2024-02-01T00:00:00.000Z',
        plan: { code: 'growth-annual' },
      },
    ]);
  });

  test('subscription inputs are validated field by field', async () => {
    const base = {
      externalId: 'sub-bad',
      accountExternalId: 's-acct',
      mrr: 10,
      startedAt: '2025-01-01T00:00:00Z',
    };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ planCode: 'platinum' }, 'input.planCode'],
      [{ status: 'EXPIRED' }, 'input.status'],
      [{ mrr: -1 }, 'input.mrr'],
      [{ endedAt: '2024-01-01T00:00:00Z' }, 'input.endedAt'],
      [{ accountExternalId: 'nobody' }, 'input.accountExternalId'],
      [{ currency: 'dollars' }, 'input.currency'],
    ];
    for (const [override, field] of cases) {
      const { body } = await t.graphql(UPSERT_SUBSCRIPTION, { input: { ...base, ...override } });
      expect(errorOf(body)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    const badDate = await t.graphql(UPSERT_SUBSCRIPTION, {
      input: { ...base, startedAt: 'yesterday' },
    });
    expect(badDate.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });
});
