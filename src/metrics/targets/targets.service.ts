import { DateTime } from 'luxon';
import type { DataSource } from 'typeorm';
import { HarmonyError, invalidInput } from '../../shared/errors';
import type { MetricAnswer, MetricsService } from '../metrics.service';
import { parsePlanCsv } from './plan-csv';
import {
  checkPlanEntry,
  planEntryKey,
  type PlanEntry,
  type RawPlanEntry,
} from './plan-entry-input';
import { PlanEntryStore, type StoredPlanEntry } from './plan-entry.store';
import { attainmentOf, bucketTarget, targetRollupOf, type TargetPeriod } from './target-rollup';

/** Most rows one `upsertTargets` call takes. */
export const MAX_TARGETS_PER_CALL = 1000;
/** Dimensions a target's dimension value may stand for (a plan code or a segment name). */
const TARGET_DIMENSIONS = ['plan', 'segment'];

/** A metric answer with plan against actual: per point and for the total. */
export type TargetedAnswer = MetricAnswer & {
  points: Array<
    MetricAnswer['points'][number] & { target: number | null; attainment: number | null }
  >;
  totalTarget: number | null;
  totalAttainment: number | null;
};

/**
 * The business plan: targets and monthly actuals written from the API or a CSV sheet, and
 * attainment (actual / target) added to metric answers.
 */
export class TargetService {
  readonly store: PlanEntryStore;

  constructor(
    dataSource: DataSource,
    private readonly metrics: MetricsService,
  ) {
    this.store = new PlanEntryStore(dataSource);
  }

  /** `upsertTargets(inputs, reason)`: all rows checked first; one bad row writes nothing. */
  async upsert(
    inputs: RawPlanEntry[],
    reason: string,
    changedBy: string,
  ): Promise<StoredPlanEntry[]> {
    if (inputs.length > MAX_TARGETS_PER_CALL) {
      throw invalidInput(
        'inputs',
        `expected at most ${MAX_TARGETS_PER_CALL} rows, got ${inputs.length}`,
      );
    }
    const isMetric = await this.metricNames();
    const entries: PlanEntry[] = [];
    const seen = new Map<string, number>();
    inputs.forEach((raw, index) => {
      const checked = checkPlanEntry(raw, isMetric);
      if ('field' in checked)
        throw invalidInput(`inputs[${index}].${checked.field}`, checked.message);
      const earlier = seen.get(planEntryKey(checked));
      if (earlier !== undefined) {
        throw invalidInput(`inputs[${index}]`, `the same ${checked.kind} as inputs[${earlier}]`);
      }
      seen.set(planEntryKey(checked), index);
      entries.push(checked);
    });
    return this.store.upsert(entries, changedBy, checkedReason(reason), 'api');
  }

  /** `npm run targets:import -- plan.csv`: the whole file or nothing. */
  async importCsv(text: string, file: string, changedBy: string, reason: string) {
    const entries = parsePlanCsv(text, file, await this.metricNames());
    return this.store.upsert(entries, changedBy, checkedReason(reason), 'import');
  }

  /** Adds `target` and `attainment` to each point and to the total. */
  async attach(answer: MetricAnswer): Promise<TargetedAnswer> {
    const stored = await this.store.targetsOf(answer.name);
    const zone = answer.window.timezone;
    const rollup = targetRollupOf(answer.definition.definition);
    const byDimension = new Map<string, TargetPeriod[]>();
    for (const entry of stored) {
      const key = entry.dimension ?? '';
      const list = byDimension.get(key) ?? [];
      list.push({
        start: DateTime.fromISO(entry.periodStart, { zone }),
        months: entry.periodMonths,
        value: entry.value,
      });
      byDimension.set(key, list);
    }
    const targetsFor = (dimensions: Record<string, string>) => {
      const keys = Object.keys(dimensions);
      if (keys.length === 0) return byDimension.get('') ?? [];
      if (keys.length === 1 && TARGET_DIMENSIONS.includes(keys[0])) {
        return byDimension.get(dimensions[keys[0]]) ?? [];
      }
      return [];
    };
    const points = answer.points.map((point) => {
      const target = bucketTarget(
        rollup,
        {
          start: DateTime.fromJSDate(point.start, { zone }),
          end: DateTime.fromJSDate(point.end, { zone }),
        },
        targetsFor(point.dimensions),
      );
      return { ...point, target, attainment: attainmentOf(point.value, target) };
    });
    const totalTarget = bucketTarget(
      rollup,
      { start: answer.window.from, end: answer.window.to },
      byDimension.get('') ?? [],
    );
    return {
      ...answer,
      points,
      totalTarget,
      totalAttainment: attainmentOf(answer.total, totalTarget),
    };
  }

  private async metricNames(): Promise<(name: string) => boolean> {
    const names = new Set((await this.metrics.definitions()).map((d) => d.name));
    return (name) => names.has(name);
  }
}

function checkedReason(reason: string): string {
  if (!reason.trim()) {
    throw new HarmonyError('BAD_USER_INPUT', 'reason: expected a non-empty reason for the change', {
      field: 'reason',
    });
  }
  return reason.trim();
}
