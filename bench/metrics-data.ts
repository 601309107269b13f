import type { DataSource } from 'typeorm';
import { rebuildActivityRollups } from '../src/metrics/rollup-rebuild';

/** Size of the generated data set. */
export type BenchSize = { accounts: number; users: number; events: number };

/**
 * Generates the benchmark's GTM world set-based (INSERT ... SELECT generate_series), with a
 * fixed seed so every run has the same data: accounts with 24 months of subscription history
 * (trials, free plans, annual plans, past-due spells, expansions, contractions, churn and
 * reactivation), users with memberships (some in two accounts), a few test accounts and users,
 * and events over the last 12 months, then the rollups.
 */
export async function generateBenchData(
  dataSource: DataSource,
  size: BenchSize,
  monthStart: Date,
  log: (message: string) => void,
): Promise<void> {
  const q = (sql: string, params: unknown[] = []) => dataSource.query(sql, params);
  const m0 = monthStart.toISOString();
  await q(`SELECT setseed(0.42)`);
  await q(`
    INSERT INTO plans (code, name, interval, price_minor, is_paid) VALUES
      ('free', 'Free', 'MONTH', 0, false),
      ('starter', 'Starter', 'MONTH', 4900, true),
      ('growth', 'Growth', 'MONTH', 19900, true),
      ('enterprise-annual', 'Enterprise (annual)', 'YEAR', 1200000, true)`);
  await q(
    `INSERT INTO accounts (external_id, name, industry, employee_count, is_test, created_at)
     SELECT 'acct-' || a, 'Account ' || a,
       (ARRAY['software', 'retail', 'finance', 'health', 'education'])[1 + a % 5],
       (5 + (a * 7919) % 2000), a % 100 = 0, $2::timestamptz - interval '25 months'
     FROM generate_series(1, $1::int) a`,
    [size.accounts, m0],
  );
  await q(
    `INSERT INTO users (external_id, email, is_test, created_at)
     SELECT 'user-' || u, 'user' || u || '@example.com', u % 97 = 0, $2::timestamptz - interval '25 months'
     FROM generate_series(1, $1::int) u`,
    [size.users, m0],
  );
  // User u belongs to account ((u - 1) % A) + 1; every 20th user also to the next account.
  await q(
    `INSERT INTO memberships (account_id, user_id, role_code)
     SELECT ((u - 1) % $2::int) + 1, u, CASE WHEN u <= $2::int THEN 'ADMINISTRATOR' ELSE 'MEMBER' END
     FROM generate_series(1, $1::int) u
     UNION ALL
     SELECT (u % $2::int) + 1, u, 'MEMBER' FROM generate_series(20, $1::int, 20) u`,
    [size.users, size.accounts],
  );
  log('accounts, users, memberships');

  // One main subscription per account; its life is derived from the account number.
  await q(
    `INSERT INTO subscriptions (external_id, account_id, plan_id, status_code, mrr_minor, started_at)
     SELECT 'sub-' || a.id, a.id, p.id, 'ACTIVE', 0,
       $1::timestamptz - interval '24 months' + ((a.id % 20) || ' months')::interval + ((a.id % 27) || ' days')::interval
     FROM accounts a
     JOIN plans p ON p.code = (ARRAY['free', 'starter', 'growth', 'enterprise-annual', 'starter'])[1 + a.id % 5]`,
    [m0],
  );
  await q(`
    INSERT INTO subscription_history (subscription_id, account_id, plan_id, status_code, mrr_minor, currency, effective_at)
    SELECT s.id, s.account_id, s.plan_id, e.status, e.mrr, 'USD', e.at
    FROM subscriptions s
    JOIN plans p ON p.id = s.plan_id
    CROSS JOIN LATERAL (
      SELECT CASE WHEN p.interval = 'YEAR' THEN p.price_minor / 12 ELSE p.price_minor END AS base
    ) b
    CROSS JOIN LATERAL (VALUES
      -- a 14-day trial for a third of the accounts
      (CASE WHEN s.account_id % 3 = 0 THEN 'TRIALING' ELSE 'ACTIVE' END, b.base, s.started_at),
      ('ACTIVE', b.base, s.started_at + interval '14 days'),
      -- an expansion or a contraction a few months in
      ('ACTIVE', CASE WHEN s.account_id % 3 = 1 THEN b.base * 3 / 2 ELSE b.base * 2 / 3 END,
        s.started_at + ((3 + s.account_id % 7) || ' months')::interval),
      -- a past-due spell for some
      (CASE WHEN s.account_id % 13 = 0 THEN 'PAST_DUE' ELSE 'ACTIVE' END,
        CASE WHEN s.account_id % 3 = 1 THEN b.base * 3 / 2 ELSE b.base * 2 / 3 END,
        s.started_at + ((4 + s.account_id % 7) || ' months')::interval)
    ) AS e(status, mrr, at)`);
  // Every 5th account churns; half of those come back two months later on a new subscription.
  await q(`
    INSERT INTO subscription_history (subscription_id, account_id, plan_id, status_code, mrr_minor, currency, effective_at)
    SELECT s.id, s.account_id, s.plan_id, 'CANCELED', 0, 'USD',
      s.started_at + ((6 + s.account_id % 11) || ' months')::interval + interval '9 days'
    FROM subscriptions s WHERE s.account_id % 5 = 2`);
  await q(`
    INSERT INTO subscriptions (external_id, account_id, plan_id, status_code, mrr_minor, started_at)
    SELECT 'sub-back-' || s.account_id, s.account_id, (SELECT id FROM plans WHERE code = 'growth'), 'ACTIVE', 19900,
      s.started_at + ((8 + s.account_id % 11) || ' months')::interval + interval '3 days'
    FROM subscriptions s WHERE s.account_id % 10 = 2`);
  await q(`
    INSERT INTO subscription_history (subscription_id, account_id, plan_id, status_code, mrr_minor, currency, effective_at)
    SELECT id, account_id, plan_id, 'ACTIVE', 19900, 'USD', started_at FROM subscriptions
    WHERE external_id LIKE 'sub-back-%'`);
  log('subscription history (24 months)');

  await q(`
    INSERT INTO event_definitions (key, display_name)
    SELECT k, initcap(replace(k, '_', ' '))
    FROM unnest(ARRAY['page_viewed', 'report_exported', 'dashboard_created', 'invite_sent', 'signed_in',
      'comment_added', 'file_uploaded', 'search_performed', 'integration_connected', 'alert_created']) k`);
  await q(
    `INSERT INTO event_definition_aliases (alias, definition_id) SELECT key, id FROM event_definitions`,
  );

  // Bulk load without the indexes, then build them once: far faster than maintaining them.
  await q(
    `DROP INDEX events_account_time_idx, events_definition_time_idx, events_user_time_idx, events_anonymous_idx`,
  );
  await q(`SET synchronous_commit = off`);
  // Users are skewed (a few are very active, many rarely), events spread over 12 months.
  const chunk = 2_000_000;
  for (let offset = 0; offset < size.events; offset += chunk) {
    await q(
      `INSERT INTO events (definition_id, type, user_id, account_id, occurred_at, received_at, message_id)
       SELECT r.d, 'track', r.u, ((r.u - 1) % $3::int) + 1, r.t, r.t, 'bench-' || r.g
       FROM (
         SELECT g, 1 + floor(power(random(), 1.6) * $4::int)::int AS u, 1 + floor(random() * 10)::int AS d,
           $5::timestamptz - interval '12 months'
             + random() * ($5::timestamptz - ($5::timestamptz - interval '12 months')) AS t
         FROM generate_series($1::bigint + 1, $1::bigint + $2::bigint) g
       ) r`,
      [offset, Math.min(chunk, size.events - offset), size.accounts, size.users, m0],
    );
    log(`events: ${Math.min(offset + chunk, size.events).toLocaleString('en-US')}`);
  }
  await q(`
    CREATE INDEX events_account_time_idx ON events (account_id, occurred_at);
    CREATE INDEX events_definition_time_idx ON events (definition_id, occurred_at);
    CREATE INDEX events_user_time_idx ON events (user_id, occurred_at);
    CREATE INDEX events_anonymous_idx ON events (anonymous_id) WHERE user_id IS NULL;`);
  log('event indexes');
  await rebuildActivityRollups(dataSource);
  log('rollups');
  await q(`VACUUM ANALYZE`);
  log('vacuum analyze');
}
