import type { DataSource } from 'typeorm';
import { rebuildActivityRollups } from '../../../src/metrics/rollup-rebuild';

/**
 * A small GTM world whose every metric value is worked out by hand in catalog.test.ts.
 *
 * Paid MRR at month starts (dollars), UTC:
 *
 *   month  A1  A2   A3  A7  total   what happened in the month before
 *   Dec 1   0    0  30   0     30
 *   Jan 1   0  100  30   0    130   A2 annual $1,200/yr from Dec 10 (new)
 *   Feb 1  50  150  30   0    230   A1 basic from Jan 15 (new); A2 +basic 50 exactly on Feb 1 (expansion)
 *   Mar 1  50  150  30  80    310   A2 PAST_DUE from Feb 14 (still counts); A7 trial -> paid Feb 20 (new)
 *   Apr 1  80  150  30  80    340   A1 -> pro 80 on Mar 10 (expansion)
 *   May 1   0  150  20  80    250   A1 canceled Apr 20 (churn); A3 30 -> 60 -> 20 in April (contraction 10)
 *   Jun 1   0  100  20   0    120   A2 basic canceled May 15 (contraction 50); A7 canceled May 10 (churn)
 *   Jul 1  40  100  20   0    160   A1 back on Jun 5 12:00 (reactivation)
 *   Aug 1  40  100  20   0    160
 *
 * Never counted: A4 (free plan), A5 (isTest), A6 (soft-deleted), A7's trial, A3's deleted
 * subscription.
 */
export async function loadFixture(dataSource: DataSource): Promise<void> {
  await dataSource.query(`
    INSERT INTO plans (id, code, name, interval, price_minor, is_paid) OVERRIDING SYSTEM VALUE VALUES
      (1, 'basic', 'Basic', 'MONTH', 5000, true),
      (2, 'pro', 'Pro', 'MONTH', 8000, true),
      (3, 'annual', 'Annual', 'YEAR', 120000, true),
      (4, 'free', 'Free', 'MONTH', 0, false);

    INSERT INTO accounts (id, external_id, name, industry, employee_count, is_test, deleted_at, created_at)
    OVERRIDING SYSTEM VALUE VALUES
      (1, 'a1', 'Acme', 'software', 25, false, NULL, '2024-12-01T00:00:00Z'),
      (2, 'a2', 'Beta', 'retail', 300, false, NULL, '2024-12-01T00:00:00Z'),
      (3, 'a3', 'Gamma', 'software', 5, false, NULL, '2024-12-01T00:00:00Z'),
      (4, 'a4', 'Delta', 'finance', NULL, false, NULL, '2024-12-01T00:00:00Z'),
      (5, 'a5', 'Test Co', 'software', 10, true, NULL, '2024-12-01T00:00:00Z'),
      (6, 'a6', 'Gone Co', 'software', 10, false, '2025-01-02T00:00:00Z', '2024-12-01T00:00:00Z'),
      (7, 'a7', 'Trial Co', 'retail', 60, false, NULL, '2024-12-01T00:00:00Z');

    INSERT INTO users (id, external_id, is_test, deleted_at) OVERRIDING SYSTEM VALUE VALUES
      (1, 'u1', false, NULL), (2, 'u2', false, NULL), (3, 'u3', false, NULL), (4, 'u4', false, NULL),
      (5, 'u5', true, NULL), (6, 'u6', false, '2025-01-01T00:00:00Z'), (7, 'u7', false, NULL),
      (8, 'u8', false, NULL), (9, 'u9', false, NULL), (10, 'u10', false, NULL), (11, 'u11', false, NULL);

    INSERT INTO memberships (account_id, user_id, role_code) VALUES
      (1, 1, 'ADMINISTRATOR'), (1, 2, 'MEMBER'), (2, 2, 'MEMBER'), (2, 3, 'ADMINISTRATOR'),
      (3, 4, 'MEMBER'), (1, 5, 'MEMBER'), (2, 6, 'MEMBER'), (5, 7, 'ADMINISTRATOR'),
      (4, 8, 'ADMINISTRATOR'), (4, 9, 'MEMBER'), (4, 10, 'MEMBER'), (3, 11, 'MEMBER');

    INSERT INTO subscriptions (id, external_id, account_id, plan_id, status_code, mrr_minor, started_at, deleted_at)
    OVERRIDING SYSTEM VALUE VALUES
      (1, 's1', 1, 2, 'CANCELED', 0, '2025-01-15T00:00:00Z', NULL),
      (2, 's2', 2, 3, 'ACTIVE', 10000, '2024-12-10T00:00:00Z', NULL),
      (3, 's3', 2, 1, 'CANCELED', 0, '2025-02-01T00:00:00Z', NULL),
      (4, 's4', 3, 1, 'ACTIVE', 2000, '2024-11-01T00:00:00Z', NULL),
      (5, 's5', 1, 1, 'ACTIVE', 4000, '2025-06-05T12:00:00Z', NULL),
      (6, 's6', 4, 4, 'ACTIVE', 0, '2024-12-01T00:00:00Z', NULL),
      (7, 's7', 5, 2, 'ACTIVE', 9900, '2024-12-01T00:00:00Z', NULL),
      (8, 's8', 6, 2, 'ACTIVE', 7000, '2024-12-01T00:00:00Z', NULL),
      (9, 's9', 7, 2, 'CANCELED', 0, '2025-01-01T00:00:00Z', NULL),
      (10, 's10', 3, 2, 'ACTIVE', 9999, '2024-12-01T00:00:00Z', '2025-03-01T00:00:00Z');

    INSERT INTO subscription_history (subscription_id, account_id, plan_id, status_code, mrr_minor, currency, effective_at) VALUES
      (1, 1, 1, 'ACTIVE', 5000, 'USD', '2025-01-15T00:00:00Z'),
      (1, 1, 2, 'ACTIVE', 8000, 'USD', '2025-03-10T00:00:00Z'),
      (1, 1, 2, 'CANCELED', 0, 'USD', '2025-04-20T00:00:00Z'),
      (2, 2, 3, 'ACTIVE', 10000, 'USD', '2024-12-10T00:00:00Z'),
      (2, 2, 3, 'PAST_DUE', 10000, 'USD', '2025-02-14T00:00:00Z'),
      (2, 2, 3, 'ACTIVE', 10000, 'USD', '2025-03-03T00:00:00Z'),
      (3, 2, 1, 'ACTIVE', 5000, 'USD', '2025-02-01T00:00:00Z'),
      (3, 2, 1, 'CANCELED', 0, 'USD', '2025-05-15T00:00:00Z'),
      (4, 3, 1, 'ACTIVE', 3000, 'USD', '2024-11-01T00:00:00Z'),
      (4, 3, 1, 'ACTIVE', 6000, 'USD', '2025-04-05T00:00:00Z'),
      (4, 3, 1, 'ACTIVE', 2000, 'USD', '2025-04-25T00:00:00Z'),
      (5, 1, 1, 'ACTIVE', 4000, 'USD', '2025-06-05T12:00:00Z'),
      (6, 4, 4, 'ACTIVE', 0, 'USD', '2024-12-01T00:00:00Z'),
      (7, 5, 2, 'ACTIVE', 9900, 'USD', '2024-12-01T00:00:00Z'),
      (8, 6, 2, 'ACTIVE', 7000, 'USD', '2024-12-01T00:00:00Z'),
      (9, 7, 2, 'TRIALING', 8000, 'USD', '2025-01-01T00:00:00Z'),
      (9, 7, 2, 'ACTIVE', 8000, 'USD', '2025-02-20T00:00:00Z'),
      (9, 7, 2, 'CANCELED', 0, 'USD', '2025-05-10T00:00:00Z'),
      (10, 3, 2, 'ACTIVE', 9999, 'USD', '2024-12-01T00:00:00Z');

    INSERT INTO event_definitions (id, key, display_name) OVERRIDING SYSTEM VALUE VALUES
      (1, 'page_viewed', 'Page viewed'), (2, 'report_exported', 'Report exported');
    INSERT INTO event_definition_aliases (alias, definition_id) VALUES
      ('page_viewed', 1), ('report_exported', 2);
  `);
  // Ids were given explicitly: move each identity past them so later inserts do not collide.
  for (const table of ['plans', 'accounts', 'users', 'subscriptions', 'event_definitions']) {
    await dataSource.query(
      `SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT max(id) FROM ${table}))`,
    );
  }
  // (user, account, definition, occurred_at, properties); see catalog.test.ts for who is who.
  const events: Array<[number, number | null, number, string, object?]> = [
    [1, 1, 1, '2025-06-02T10:00:00Z'],
    [1, 1, 1, '2025-06-02T10:10:00Z'],
    [1, 1, 1, '2025-06-02T10:20:00Z'],
    [1, 1, 1, '2025-06-02T10:25:00Z'],
    [1, 1, 2, '2025-06-03T09:00:00Z', { format: 'pdf', rows: 10 }],
    [2, 1, 1, '2025-06-02T11:00:00Z'],
    [2, 2, 1, '2025-06-04T12:00:00Z'],
    [3, 2, 1, '2025-05-10T09:00:00Z'],
    [3, 2, 1, '2025-06-02T23:30:00Z'],
    [3, 2, 2, '2025-06-10T08:00:00Z', { format: 'csv', rows: 30 }],
    [4, 3, 1, '2025-05-31T22:30:00Z'],
    [4, 3, 2, '2025-06-15T14:00:00Z', { format: 'pdf', rows: 5 }],
    [4, 3, 1, '2025-06-30T23:30:00Z'],
    [5, 1, 1, '2025-06-02T10:00:00Z'],
    [6, 2, 1, '2025-06-05T10:00:00Z'],
    [7, 5, 1, '2025-06-05T10:00:00Z'],
    [8, 4, 1, '2025-06-20T10:00:00Z'],
    [8, 4, 1, '2025-06-20T10:29:00Z'],
    [8, 4, 1, '2025-06-20T10:58:00Z'],
    [8, 4, 1, '2025-06-20T11:27:00Z'],
    [9, 4, 1, '2025-06-20T10:00:00Z'],
    [9, 4, 1, '2025-06-20T10:30:00Z'],
    [9, 4, 1, '2025-06-20T10:40:00Z'],
    [9, 4, 1, '2025-06-20T10:50:00Z'],
    [10, 4, 1, '2025-06-20T12:00:00Z'],
    [11, 3, 1, '2025-06-30T22:30:00Z'],
  ];
  await dataSource.query(
    `INSERT INTO events (definition_id, type, user_id, account_id, occurred_at, received_at, message_id, properties)
     SELECT e.definition_id, 'track', e.user_id, e.account_id, e.occurred_at, e.occurred_at,
       'm' || e.n, e.properties
     FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::jsonb[])
       WITH ORDINALITY AS e(user_id, account_id, definition_id, occurred_at, properties, n)`,
    [
      events.map((e) => e[0]),
      events.map((e) => e[1]),
      events.map((e) => e[2]),
      events.map((e) => e[3]),
      events.map((e) => JSON.stringify(e[4] ?? {})),
    ],
  );
  await rebuildActivityRollups(dataSource);
}
