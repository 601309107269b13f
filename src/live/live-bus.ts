/**
 * The fan-out of live updates between server processes: Redis pub/sub when REDIS_URL is set
 * (redis-bus.ts), otherwise this process only. A bus carries results (a metric's new value), never
 * the only copy of a change: what must not be lost stays in PostgreSQL (docs/subscriptions.md).
 */
export interface LiveBus {
  /** Whether a published message reaches every process now (Redis connected both ways). */
  readonly shared: boolean;
  /**
   * Sends a message to every process's handlers of `topic`, this one included. Rejects when it
   * cannot (Redis down): the caller then delivers to its own process itself.
   */
  publish(topic: string, message: string): Promise<void>;
  /** Calls `handler` for every message on `topic`; returns the unsubscribe function. */
  subscribe(topic: string, handler: (message: string) => void): () => void;
  /**
   * Called whenever the bus comes back after an outage: messages may have been missed, so
   * whoever relies on them recomputes once.
   */
  onRestored(handler: () => void): void;
  close(): Promise<void>;
}

/** Topic → handlers, shared by both buses. */
export class TopicHandlers {
  private readonly handlers = new Map<string, Set<(message: string) => void>>();

  add(topic: string, handler: (message: string) => void): () => void {
    let set = this.handlers.get(topic);
    if (!set) this.handlers.set(topic, (set = new Set()));
    set.add(handler);
    return () => {
      set.delete(handler);
      if (!set.size && this.handlers.get(topic) === set) this.handlers.delete(topic);
    };
  }

  dispatch(topic: string, message: string): void {
    for (const handler of [...(this.handlers.get(topic) ?? [])]) handler(message);
  }
}

/** One process: a publish reaches this process's handlers only (no REDIS_URL). */
export class InProcessBus implements LiveBus {
  readonly shared = false;
  private readonly handlers = new TopicHandlers();

  async publish(topic: string, message: string): Promise<void> {
    // Asynchronous like Redis, so a publisher never re-enters its own handler synchronously.
    queueMicrotask(() => this.handlers.dispatch(topic, message));
  }

  subscribe(topic: string, handler: (message: string) => void): () => void {
    return this.handlers.add(topic, handler);
  }

  onRestored(): void {}

  async close(): Promise<void> {}
}
