import { serviceUnavailable } from '../shared/errors';

/** Seconds a client refused for want of a metric slot should wait. */
const RETRY_AFTER_SECONDS = 2;

/**
 * A counting semaphore for metric statements: at most `limit` run at once in this process, so
 * metric queries can never hold every pool connection and starve ingestion and the API. A
 * statement waits for a slot at most `waitMs`, then is refused with SERVICE_UNAVAILABLE.
 */
export class StatementSlots {
  private active = 0;
  private readonly queue: Array<() => void> = [];

  constructor(
    readonly limit: number,
    private readonly waitMs: number,
  ) {}

  /** Statements waiting for a slot right now. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Statements holding a slot right now. */
  get running(): number {
    return this.active;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.queue.splice(this.queue.indexOf(grant), 1);
        reject(
          serviceUnavailable(
            `All ${this.limit} metric evaluation slots (HARMONY_METRIC_CONCURRENCY) stayed busy for ${this.waitMs} ms; retry later`,
            RETRY_AFTER_SECONDS,
            { limit: this.limit },
          ),
        );
      }, this.waitMs);
      this.queue.push(grant);
    });
  }

  /** Hands the slot to the next waiter, or frees it. */
  private release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.active--;
  }
}
