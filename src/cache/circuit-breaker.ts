export type CircuitBreakerOptions = {
  /** Consecutive failures that open the circuit. Default 3. */
  failureThreshold?: number;
  /** How long an open circuit refuses calls before letting one probe through, in ms. Default 2000. */
  openMs?: number;
  /** Injected clock. Default `Date.now`. */
  now?: () => number;
};

/**
 * Stops calling a failing dependency for a while: closed (calls go through) → open after
 * `failureThreshold` consecutive failures (calls refused at once) → half-open after `openMs`
 * (one probe goes through; success closes, failure re-opens).
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | null = null;
  private probing = false;
  private readonly failureThreshold: number;
  private readonly openMs: number;
  private readonly now: () => number;

  constructor(options: CircuitBreakerOptions = {}) {
    this.failureThreshold = options.failureThreshold ?? 3;
    this.openMs = options.openMs ?? 2000;
    this.now = options.now ?? Date.now;
  }

  /** `closed`, `open` (refusing), or `half-open` (a probe may go through). */
  get state(): 'closed' | 'open' | 'half-open' {
    if (this.openedAt === null) return 'closed';
    return this.now() - this.openedAt >= this.openMs ? 'half-open' : 'open';
  }

  /** Whether a call may go through now; in half-open, only one caller at a time gets true. */
  tryPass(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.probing) return false;
    this.probing = true;
    return true;
  }

  succeeded(): void {
    this.failures = 0;
    this.openedAt = null;
    this.probing = false;
  }

  failed(): void {
    this.probing = false;
    this.failures++;
    if (this.openedAt !== null || this.failures >= this.failureThreshold) {
      this.openedAt = this.now();
    }
  }
}
