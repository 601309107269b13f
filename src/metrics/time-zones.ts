import { DateTime, IANAZone } from 'luxon';
import type { DataSource } from 'typeorm';

/**
 * The time zone names a metric query may use: those in PostgreSQL's `pg_timezone_names` that
 * Luxon also knows and puts at the same UTC offset right now. The two sides do calendar
 * arithmetic on the same window, so a name they read differently (`UTC+3` is UTC-3 to
 * PostgreSQL's POSIX rules; `system` and `local` mean the server's zone to Luxon) is refused,
 * as is a zone whose rules differ between PostgreSQL's and Node's tz data.
 */
export async function loadTimeZones(dataSource: DataSource): Promise<ReadonlySet<string>> {
  const rows: Array<{ name: string; offset_minutes: number }> = await dataSource.query(
    `SELECT name, (extract(epoch FROM utc_offset) / 60)::int AS offset_minutes
     FROM pg_timezone_names`,
  );
  const now = DateTime.now();
  return new Set(
    rows
      .filter(
        (row) =>
          IANAZone.isValidZone(row.name) && now.setZone(row.name).offset === row.offset_minutes,
      )
      .map((row) => row.name),
  );
}
