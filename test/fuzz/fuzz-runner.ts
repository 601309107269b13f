import fc from 'fast-check';
import { blur, clip, type Violation } from './invariants';

/** One hole: every case that broke an invariant for the same reason, and the smallest of them. */
export type FuzzFailure = {
  cause: string;
  /** How many requests broke it (shrinking attempts not counted). */
  occurrences: number;
  /** The smallest case fast-check shrank the first one to. */
  counterexample: string;
  /** What the server did with that smallest case. */
  detail: string;
};

export type FuzzReport = {
  name: string;
  /** What one case is called in the summary: "cases", "documents". */
  unit: string;
  cases: number;
  /** HTTP requests the cases took (a batch carries several cases), shrinking not counted. */
  requests: number;
  failingRequests: number;
  failures: FuzzFailure[];
  seed: number;
};

export type FuzzOptions<T> = {
  name: string;
  unit: string;
  arbitrary: fc.Arbitrary<T>;
  cases: number;
  seed: number;
  /** How many cases one generated value holds (a batch: its messages). Default 1. */
  casesIn?(value: T): number;
  /**
   * Checks one case. While shrinking, `shrinkAttempt` numbers the attempt, so a check can keep
   * what one attempt stored from changing the next (fresh messageIds per attempt).
   */
  check(value: T, shrinkAttempt?: number): Promise<Violation[]>;
  /** The case as the report shows it (the HTTP request it became). */
  describe(value: T): string;
  isHealthy(): Promise<boolean>;
  /** Asks /health after this many requests, and after every failing one. Default 200. */
  healthEvery?: number;
  /** Requests spent shrinking one failure before settling for the smallest so far. Default 400. */
  maxShrinkRuns?: number;
  onProgress?(casesDone: number): void;
};

/**
 * Runs `cases` generated cases through `check`, in rounds of fast-check: a round stops at a case
 * breaking an invariant for a reason not seen yet, shrinks it to a minimal counterexample (only
 * that reason counts as failing while shrinking) and the next round goes on with the cases left,
 * so one run reports every distinct hole instead of stopping at the first. Deterministic: each
 * round's seed derives from `seed`.
 */
export async function runFuzz<T>(options: FuzzOptions<T>): Promise<FuzzReport> {
  const { healthEvery = 200, maxShrinkRuns = 400 } = options;
  const failures = new Map<string, FuzzFailure>();
  let casesDone = 0;
  let requests = 0;
  let failingRequests = 0;
  let serverDown = false;

  for (let round = 0; casesDone < options.cases && !serverDown; round++) {
    let target: string | null = null;
    let shrinkRuns = 0;
    let smallest: { value: T; detail: string } | null = null;

    const property = fc.asyncProperty(options.arbitrary, async (value) => {
      if (target !== null) {
        // Shrinking: only the reason being shrunk counts as a failure.
        if (serverDown || ++shrinkRuns > maxShrinkRuns) return true;
        const violations = await checkSafely(options, value, shrinkRuns);
        const same = violations.find((v) => v.cause === target);
        if (same) smallest = { value, detail: same.detail };
        return !same;
      }
      if (casesDone >= options.cases) return true;
      casesDone += Math.max(1, options.casesIn?.(value) ?? 1);
      requests++;
      options.onProgress?.(casesDone);
      const violations = await checkSafely(options, value);
      if (violations.length || requests % healthEvery === 0) {
        if (!(await options.isHealthy())) {
          serverDown = true;
          violations.push({
            cause: 'the server no longer answers GET /health with 200 (crashed or wedged)',
            detail: `after case ${casesDone}`,
          });
        }
      }
      if (violations.length === 0) return true;
      failingRequests++;
      for (const v of violations) {
        const known = failures.get(v.cause);
        if (known) known.occurrences++;
      }
      const fresh = violations.find((v) => !failures.has(v.cause));
      if (!fresh) return true;
      target = fresh.cause;
      smallest = { value, detail: fresh.detail };
      failures.set(fresh.cause, {
        cause: fresh.cause,
        occurrences: 1,
        counterexample: options.describe(value),
        detail: fresh.detail,
      });
      return false;
    });

    const runs = options.cases - casesDone;
    await fc.check(property, { seed: options.seed + round, numRuns: runs });
    if (target !== null && smallest !== null) {
      const failure = failures.get(target)!;
      const { value, detail } = smallest as { value: T; detail: string };
      failure.counterexample = options.describe(value);
      failure.detail = detail;
    } else if (target === null) {
      break; // the round ran every case left without a new reason
    }
  }
  return {
    name: options.name,
    unit: options.unit,
    cases: casesDone,
    requests,
    failingRequests,
    failures: [...failures.values()],
    seed: options.seed,
  };
}

/** A check that throws is itself reported, not taken for the server's failure to answer. */
async function checkSafely<T>(
  options: FuzzOptions<T>,
  value: T,
  shrinkAttempt?: number,
): Promise<Violation[]> {
  try {
    return await options.check(value, shrinkAttempt);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return [{ cause: `fuzzer error: ${blur(message)}`, detail: clip(message) }];
  }
}

/** The summary line and, per hole, its cause, count and minimal counterexample. */
export function formatReport(report: FuzzReport): string {
  const lines = [
    `${report.name}: ${report.cases} ${report.unit}, ${report.failures.length} failures` +
      (report.cases !== report.requests ? ` (${report.requests} requests)` : '') +
      (report.failures.length
        ? `; ${report.failingRequests} failing requests, seed ${report.seed}`
        : ''),
    ...report.failures.map((failure, i) => formatFailure(failure, i + 1)),
  ];
  return lines.join('\n');
}

export function formatFailure(failure: FuzzFailure, number = 1): string {
  return [
    `  [${number}] ${failure.cause}  (${failure.occurrences}×)`,
    `      minimal counterexample: ${failure.counterexample}`,
    `      observed: ${failure.detail}`,
  ].join('\n');
}
