import type { DataSource } from 'typeorm';
import { recordDelivered, type DeliveredAttempt } from './delivery-ledger';

/**
 * Records a destination job's successful attempts while it sends the next ones: one statement
 * in flight at a time, carrying every success since the previous one (group commit). A job on a
 * busy line then costs one write per few requests instead of one each, and never fills the
 * pool with its writes (ingestion shares it). A crash before a write commits re-sends those
 * deliveries with their webhook-id: at least once, as for the request in flight.
 */
export class DeliveredRecorder {
  private waiting: DeliveredAttempt[] = [];
  private writing: Promise<void> | null = null;
  private failure: unknown = null;

  constructor(private readonly dataSource: DataSource) {}

  /** Queues a success; it is written with the next statement. */
  add(attempt: DeliveredAttempt): void {
    this.waiting.push(attempt);
    this.writing ??= this.writeAll();
  }

  /** Resolves once every success added so far is committed; throws if a write failed. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.failure) {
      const failure = this.failure;
      this.failure = null;
      throw failure;
    }
  }

  /**
   * Writes until nothing waits. `writing` is cleared in the same synchronous step that finds the
   * queue empty: cleared any later (a `.finally` on the promise), a success added in between
   * would wait for a write that never comes.
   */
  private async writeAll(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0);
        try {
          await recordDelivered(this.dataSource, batch);
        } catch (error) {
          this.failure ??= error;
        }
      }
    } finally {
      this.writing = null;
    }
  }
}
