import type { DataSource } from 'typeorm';
import {
  addEventCountsSql,
  addUserActivityDailySql,
  addUserActivityMonthlySql,
  eventCountRowsFrom,
  monthRowsFromDaily,
  userActivityRowsFrom,
} from '../db/rollup-sql';

/**
 * Rebuilds the activity rollups from the raw events, set-based, with the statements ingestion
 * keeps them with incrementally (src/db/rollup-sql.ts). For bulk loads that bypass the
 * ingestion writer (the benchmark, imports) and for test fixtures.
 */
export async function rebuildActivityRollups(dataSource: DataSource): Promise<void> {
  await dataSource.transaction(async (manager) => {
    // Large sorts and hashes stay in memory for this transaction only; rows go in primary-key
    // order so the indexes grow at their right edge instead of splitting pages at random.
    await manager.query(`SET LOCAL work_mem = '256MB'`);
    await manager.query(`TRUNCATE event_counts_daily, user_activity_daily, user_activity_monthly`);
    await manager.query(addEventCountsSql(eventCountRowsFrom('events')));
    await manager.query(addUserActivityDailySql(userActivityRowsFrom('events')));
    // The month bits follow through the statement trigger on user_activity_monthly.
    await manager.query(addUserActivityMonthlySql(monthRowsFromDaily('user_activity_daily')));
  });
}
