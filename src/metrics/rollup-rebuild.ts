import type { DataSource } from 'typeorm';

/**
 * Rebuilds the activity rollups from the raw events, set-based, the way ingestion keeps
 * them incrementally (UTC days and months; account 0 = no account). For bulk loads that bypass
 * the ingestion writer (the benchmark, imports) and for test fixtures.
 */
export async function rebuildActivityRollups(dataSource: DataSource): Promise<void> {
  await dataSource.transaction(async (manager) => {
    // Large sorts and hashes stay in memory for this transaction only; rows go in primary-key
    // order so the indexes grow at their right edge instead of splitting pages at random.
    await manager.query(`SET LOCAL work_mem = '256MB'`);
    await manager.query(`TRUNCATE event_counts_daily, user_activity_daily, user_activity_monthly`);
    await manager.query(`
      INSERT INTO event_counts_daily (definition_id, day, account_id, event_count)
      SELECT definition_id, (occurred_at AT TIME ZONE 'UTC')::date, coalesce(account_id, 0), count(*)
      FROM events GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`);
    await manager.query(`
      INSERT INTO user_activity_daily (day, account_id, user_id, event_count, first_at, last_at)
      SELECT (occurred_at AT TIME ZONE 'UTC')::date, coalesce(account_id, 0), user_id, count(*),
        min(occurred_at), max(occurred_at)
      FROM events WHERE user_id IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`);
    // The month bits follow through the statement trigger on user_activity_monthly.
    await manager.query(`
      INSERT INTO user_activity_monthly (month, account_id, user_id)
      SELECT DISTINCT date_trunc('month', day)::date, account_id, user_id
      FROM user_activity_daily ORDER BY 1, 2, 3`);
  });
}
