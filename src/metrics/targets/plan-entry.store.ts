import type { DataSource } from 'typeorm';
import { formatPlanPeriod } from './plan-period';
import type { PlanEntry, PlanEntryKind } from './plan-entry-input';

/** A stored plan row as the API shows it. */
export type StoredPlanEntry = {
  id: string;
  kind: PlanEntryKind;
  metric: string;
  period: string;
  periodStart: string;
  periodMonths: number;
  dimension: string | null;
  value: number;
  version: number;
  updatedAt: Date;
  updatedBy: string;
  reason: string;
};

export type PlanEntryVersion = {
  version: number;
  value: number;
  previousValue: number | null;
  changedAt: Date;
  changedBy: string;
  reason: string;
  source: string;
};

/** Serialises plan writes, so "the value before" of a version is the one it replaced. */
const LOCK_KEY = 'harmony:plan_entries';

const COLUMNS = `id::text AS id, kind, metric, to_char(period_start, 'YYYY-MM-DD') AS period_start,
  period_months, dimension, value::float8 AS value, version, updated_at, updated_by, reason`;

/**
 * Targets and actuals in `plan_entries`, each value change a row of `plan_entry_versions`
 * (who, when, why, the value before). A batch is one statement and one transaction.
 */
export class PlanEntryStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts new rows and changes those whose value differs; an unchanged value records nothing.
   * Returns every row of the batch in input order.
   */
  async upsert(
    entries: PlanEntry[],
    changedBy: string,
    reason: string,
    source: string,
  ): Promise<StoredPlanEntry[]> {
    if (!entries.length) return [];
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [LOCK_KEY]);
      const params = [
        entries.map((e) => e.kind),
        entries.map((e) => e.metric),
        entries.map((e) => e.period.start),
        entries.map((e) => e.period.months),
        entries.map((e) => e.dimension),
        entries.map((e) => e.value),
        changedBy,
        reason,
        source,
      ];
      // All parts of one statement see the same snapshot: `before` is the value each replaces.
      await manager.query(
        `WITH input AS (
           SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::smallint[], $5::text[], $6::numeric[])
             AS i(kind, metric, period_start, period_months, dimension, value)
         ),
         before AS (
           SELECT p.id, p.value FROM plan_entries p
           JOIN input i USING (kind, metric, period_start, period_months, dimension)
         ),
         written AS (
           INSERT INTO plan_entries AS p (kind, metric, period_start, period_months, dimension, value,
             updated_by, reason, source)
           SELECT kind, metric, period_start, period_months, dimension, value, $7, $8, $9 FROM input
           ON CONFLICT (kind, metric, period_start, period_months, dimension) DO UPDATE
             SET value = EXCLUDED.value, version = p.version + 1, updated_at = clock_timestamp(),
               updated_by = EXCLUDED.updated_by, reason = EXCLUDED.reason, source = EXCLUDED.source
             WHERE p.value IS DISTINCT FROM EXCLUDED.value
           RETURNING p.id, p.version, p.value
         )
         INSERT INTO plan_entry_versions (entry_id, version, value, previous_value, changed_by, reason, source)
         SELECT w.id, w.version, w.value, b.value, $7, $8, $9
         FROM written w LEFT JOIN before b ON b.id = w.id`,
        params,
      );
      const rows: RawRow[] = await manager.query(
        `SELECT ${COLUMNS}, i.ord FROM unnest($1::text[], $2::text[], $3::date[], $4::smallint[], $5::text[])
           WITH ORDINALITY AS i(kind, metric, period_start, period_months, dimension, ord)
         JOIN plan_entries p USING (kind, metric, period_start, period_months, dimension)
         ORDER BY i.ord`,
        params.slice(0, 5),
      );
      return rows.map(toStored);
    });
  }

  /** Rows in id order after a cursor, optionally of one metric and kind; `limit` bounded by the caller. */
  async list(
    filter: { metric?: string | null; kind?: PlanEntryKind | null },
    afterId: string | null,
    limit: number,
  ): Promise<StoredPlanEntry[]> {
    const rows: RawRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM plan_entries
       WHERE ($1::text IS NULL OR metric = $1) AND ($2::text IS NULL OR kind = $2)
         AND ($3::bigint IS NULL OR id > $3)
       ORDER BY id LIMIT $4`,
      [filter.metric ?? null, filter.kind ?? null, afterId, limit],
    );
    return rows.map(toStored);
  }

  /** Every target of one metric (a metric has a few dozen: months x plans). */
  async targetsOf(metric: string): Promise<StoredPlanEntry[]> {
    const rows: RawRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM plan_entries WHERE kind = 'target' AND metric = $1 ORDER BY period_start`,
      [metric],
    );
    return rows.map(toStored);
  }

  async versions(entryId: string): Promise<PlanEntryVersion[]> {
    const rows: Array<{
      version: number;
      value: number;
      previous_value: number | null;
      changed_at: Date;
      changed_by: string;
      reason: string;
      source: string;
    }> = await this.dataSource.query(
      `SELECT version, value::float8 AS value, previous_value::float8 AS previous_value, changed_at,
         changed_by, reason, source
       FROM plan_entry_versions WHERE entry_id = $1 ORDER BY version`,
      [entryId],
    );
    return rows.map((r) => ({
      version: r.version,
      value: r.value,
      previousValue: r.previous_value,
      changedAt: r.changed_at,
      changedBy: r.changed_by,
      reason: r.reason,
      source: r.source,
    }));
  }
}

type RawRow = {
  id: string;
  kind: PlanEntryKind;
  metric: string;
  period_start: string;
  period_months: number;
  dimension: string;
  value: number;
  version: number;
  updated_at: Date;
  updated_by: string;
  reason: string;
};

function toStored(row: RawRow): StoredPlanEntry {
  return {
    id: row.id,
    kind: row.kind,
    metric: row.metric,
    period: formatPlanPeriod(row.period_start, row.period_months),
    periodStart: row.period_start,
    periodMonths: row.period_months,
    dimension: row.dimension || null,
    value: row.value,
    version: row.version,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
    reason: row.reason,
  };
}
