import type { DataSource } from 'typeorm';
import { resolveWindow } from '../../metrics/windows';
import type { MetricsService } from '../../metrics';
import { builtinSignalValues, eventCountValues, type SignalValues } from './pql-signals.sql';
import { loadScoreDefinition, type ScoreDefinition, type ScoreSignal } from './score-definition';

/** One signal's part of a score: its raw value, its weight and the points it earned. */
export type ScoreContribution = {
  signal: string;
  label: string;
  value: number;
  weight: number;
  fullAt: number;
  points: number;
};

/** A score with its explanation; `score` is the sum of the contributions' points. */
export type AccountScore = {
  score: number;
  window: { from: Date; to: Date };
  contributions: ScoreContribution[];
};

export type ScoreServiceOptions = {
  /** Folder of the score files. Default `schema/scores`. */
  scoresDir?: string;
  /** Clock for the relative window. Default `() => new Date()`. */
  now?: () => Date;
};

/** Points are shown to one decimal; the score is the sum of the points as shown. */
const round1 = (value: number) => Math.round(value * 10) / 10;

/**
 * Computes a declared score (`pql`) for a batch of accounts: one evaluation per signal for the
 * whole batch (a metric through MetricsService.valuesForAccounts, an event count or a built-in
 * statement), never one query per account.
 */
export class ScoreService {
  private readonly definitions = new Map<string, ScoreDefinition>();
  private readonly now: () => Date;

  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: MetricsService,
    private readonly options: ScoreServiceOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  definition(name: string): ScoreDefinition {
    let definition = this.definitions.get(name);
    if (!definition) {
      definition = loadScoreDefinition(name, this.options.scoresDir);
      this.definitions.set(name, definition);
    }
    return definition;
  }

  async scores(name: string, accountIds: readonly string[]): Promise<Map<string, AccountScore>> {
    const definition = this.definition(name);
    const resolved = resolveWindow({ relative: definition.window }, this.now());
    const window = { from: resolved.from.toJSDate(), to: resolved.to.toJSDate() };
    const ids = [...new Set(accountIds)];
    const values = await Promise.all(
      definition.signals.map((signal) => this.signalValues(signal, definition, ids, window)),
    );
    return new Map(
      ids.map((id) => {
        const contributions = definition.signals.map((signal, index) => {
          const value = values[index].get(id) ?? 0;
          const share = Math.min(Math.max(value, 0) / signal.full_at, 1);
          return {
            signal: signal.name,
            label: signal.label,
            value,
            weight: signal.weight,
            fullAt: signal.full_at,
            points: round1(signal.weight * share),
          };
        });
        const score = round1(contributions.reduce((sum, c) => sum + c.points, 0));
        return [id, { score, window, contributions }];
      }),
    );
  }

  private async signalValues(
    signal: ScoreSignal,
    definition: ScoreDefinition,
    ids: string[],
    window: { from: Date; to: Date },
  ): Promise<SignalValues> {
    if (!ids.length) return new Map();
    if ('metric' in signal.source) {
      const { values } = await this.metrics.valuesForAccounts(
        signal.source.metric,
        { relative: definition.window },
        ids,
      );
      return values;
    }
    if ('event' in signal.source) {
      return eventCountValues(this.dataSource, signal.source.event, ids, window);
    }
    return builtinSignalValues(this.dataSource, signal.source.builtin, ids, window);
  }
}
