import type { Logger } from '../../shared/logger';
import type { ViewScoreProvider } from '../account-views/view-refresher';
import type { ScoreService } from '../pql/score.service';
import type { ThresholdService } from './threshold.service';

/** Accounts waiting for evaluation before the queue gives up and evaluates every account. */
const MAX_PENDING = 100_000;

/**
 * Evaluates thresholds for the accounts the view refresher just processed: every account a
 * write touched (upserts, events, memberships) and, once a day, every account (the daily
 * slide). It rides on the refresher's touch queue (src/signals/account-views), so thresholds
 * and views see the same writes. Evaluation runs after the refresher's batch, one at a time.
 */
export class ThresholdTrigger {
  private readonly pending = new Map<string, string>();
  private overflow = false;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly thresholds: ThresholdService,
    private readonly logger: Logger,
  ) {}

  /** Queues accounts with what touched them; runs soon. */
  enqueue(accountIds: readonly string[], causes: ReadonlyMap<string, string>): void {
    if (this.stopped) return;
    for (const id of accountIds) {
      if (this.pending.size >= MAX_PENDING) {
        this.overflow = true;
        this.pending.clear();
        break;
      }
      this.pending.set(id, causes.get(id) ?? 'UPSERT');
    }
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async drain(): Promise<void> {
    // Let the refresher's transaction commit before reading what it saw.
    await new Promise((resolve) => setImmediate(resolve));
    while (!this.stopped && (this.pending.size || this.overflow)) {
      try {
        if (this.overflow) {
          this.overflow = false;
          this.pending.clear();
          await this.thresholds.evaluate(null, 'DAILY_SLIDE');
          continue;
        }
        const byCause = new Map<string, string[]>();
        for (const [id, cause] of this.pending)
          byCause.set(cause, [...(byCause.get(cause) ?? []), id]);
        this.pending.clear();
        for (const [cause, ids] of byCause) await this.thresholds.evaluate(ids, cause);
      } catch (error) {
        this.logger.error(
          { err: error },
          'thresholds: evaluation failed; retrying at the next write',
        );
      }
    }
  }
}

/**
 * The view refresher's provider of `AccountView.pqlScore`: the PQL score of each account of a
 * batch, computed for the batch at once. Also hands the batch to the threshold trigger.
 */
export function signalsViewProvider(
  scores: ScoreService,
  trigger?: ThresholdTrigger,
): ViewScoreProvider {
  return async (_tx, accountIds, causes) => {
    if (!accountIds.length) return new Map();
    if (trigger && causes) trigger.enqueue(accountIds, causes);
    const pql = await scores.scores('pql', accountIds);
    return new Map([...pql].map(([id, score]) => [id, { pqlScore: score.score }]));
  };
}
