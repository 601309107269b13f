import { DateTime } from 'luxon';
import type { ModelTime } from './demo-model';

/** How many whole months of history the demo covers, ending at the start of the current month. */
export const DEMO_MONTHS = 24;

/**
 * Maps model time (months since the demo period began, fractions spread over the month's real
 * length) to real instants, anchored on the month of `now` in UTC. Model time 24 is the first
 * instant of the current month.
 */
export type DemoCalendar = {
  toDate(at: ModelTime): Date;
  /** `now` in model time. */
  now: ModelTime;
};

export function createDemoCalendar(now: Date): DemoCalendar {
  const currentMonth = DateTime.fromJSDate(now, { zone: 'utc' }).startOf('month');
  const periodStart = currentMonth.minus({ months: DEMO_MONTHS });
  const toDate = (at: ModelTime) => {
    const month = Math.floor(at);
    const start = periodStart.plus({ months: month });
    const length = start.plus({ months: 1 }).toMillis() - start.toMillis();
    const millis = start.toMillis() + (at - month) * length;
    // Whole minutes: the dates read naturally and two steps a day apart never collide.
    return new Date(Math.round(millis / 60_000) * 60_000);
  };
  const nowMonthLength = currentMonth.plus({ months: 1 }).toMillis() - currentMonth.toMillis();
  return {
    toDate,
    now: DEMO_MONTHS + (now.getTime() - currentMonth.toMillis()) / nowMonthLength,
  };
}
