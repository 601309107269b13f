import type { DataSource } from 'typeorm';

/** POSTs a JSON body to an ingestion endpoint with the key as basic-auth user name. */
export async function postIngest(
  baseUrl: string,
  path: string,
  body: unknown,
  key?: string,
  init: { rawBody?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...init.headers };
  if (key) headers.authorization = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
  const response = await fetch(`${baseUrl}/v1/${path}`, {
    method: 'POST',
    headers,
    body: init.rawBody ?? JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // leave as text: the assertion will show it
  }
  return { status: response.status, body: parsed };
}

/** POSTs a batch that must be accepted whole (200, nothing rejected); returns the answer. */
export async function sendAcceptedBatch(
  baseUrl: string,
  key: string,
  batch: unknown[],
): Promise<{ stored: number; duplicates: number; rejected: unknown[] }> {
  const answer = await postIngest(baseUrl, 'batch', { batch }, key);
  expect(answer.status).toBe(200);
  expect(answer.body.rejected).toEqual([]);
  return answer.body;
}

/**
 * Rows where a rollup table and a recount from raw events disagree (both directions); empty
 * when the rollups are exact.
 */
export async function rollupDifferences(dataSource: DataSource): Promise<unknown[]> {
  const recounts = {
    event_counts_daily: `
      SELECT definition_id, (occurred_at AT TIME ZONE 'UTC')::date AS day,
             coalesce(account_id, 0) AS account_id, count(*)::bigint AS event_count
      FROM events GROUP BY 1, 2, 3`,
    user_activity_daily: `
      SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day, coalesce(account_id, 0) AS account_id,
             user_id, count(*)::bigint AS event_count, min(occurred_at) AS first_at,
             max(occurred_at) AS last_at
      FROM events WHERE user_id IS NOT NULL GROUP BY 1, 2, 3`,
    user_activity_monthly: `
      SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC')::date AS month,
             coalesce(account_id, 0) AS account_id, user_id
      FROM events WHERE user_id IS NOT NULL`,
  };
  const differences: unknown[] = [];
  for (const [table, recount] of Object.entries(recounts)) {
    const columns =
      table === 'event_counts_daily'
        ? 'definition_id, day, account_id, event_count'
        : table === 'user_activity_daily'
          ? 'day, account_id, user_id, event_count, first_at, last_at'
          : 'month, account_id, user_id';
    const rows = await dataSource.query(
      `(SELECT 'missing in ${table}' AS problem, * FROM (${recount}
          EXCEPT SELECT ${columns} FROM ${table}) a)
       UNION ALL
       (SELECT 'extra in ${table}' AS problem, * FROM (SELECT ${columns} FROM ${table}
          EXCEPT ${recount}) b)`,
    );
    differences.push(...rows);
  }
  return differences;
}
