/** What a subscription bills at a point in time. */
export type BillingState = {
  statusCode: string;
  planId: string | null;
  seats: number | null;
  mrrMinor: string;
  currency: string;
};

export type SubscriptionState = BillingState & { startedAt: Date; endedAt: Date | null };

export type HistoryWrite =
  | { kind: 'insert'; effectiveAt: Date; state: BillingState }
  | { kind: 'moveStart'; to: Date }
  | { kind: 'moveEnd'; from: Date; to: Date };

/** The row that closes a subscription: from its end on it bills nothing. */
export function endedState(state: BillingState): BillingState {
  return { ...state, statusCode: 'CANCELED', mrrMinor: '0' };
}

/**
 * Decides which history rows an upsert writes, so that the history stays a step function of
 * what the subscription billed and when. CANCELED is not a billing state of its own: it is
 * the row at `endedAt`; while in force, a subscription reported as CANCELED billed as ACTIVE
 * (a backfill of a finished subscription) or as it did before (a cancellation).
 * Pure: the caller applies the writes.
 */
export function planHistoryWrites(
  previous: SubscriptionState | null,
  next: SubscriptionState,
  effectiveAt: Date,
): HistoryWrite[] {
  if (!previous) {
    const inForce = next.statusCode === 'CANCELED' ? { ...next, statusCode: 'ACTIVE' } : next;
    const writes: HistoryWrite[] = [
      { kind: 'insert', effectiveAt: next.startedAt, state: billingOf(inForce) },
    ];
    if (next.endedAt)
      writes.push({
        kind: 'insert',
        effectiveAt: next.endedAt,
        state: endedState(billingOf(next)),
      });
    return writes;
  }

  const writes: HistoryWrite[] = [];
  if (previous.startedAt.getTime() !== next.startedAt.getTime())
    writes.push({ kind: 'moveStart', to: next.startedAt });

  const billingChanged = next.statusCode !== 'CANCELED' && !sameBilling(previous, next);
  const reopened = previous.endedAt !== null && next.endedAt === null;
  if (billingChanged || reopened)
    writes.push({ kind: 'insert', effectiveAt, state: billingOf(next) });

  if (!previous.endedAt && next.endedAt) {
    writes.push({ kind: 'insert', effectiveAt: next.endedAt, state: endedState(billingOf(next)) });
  } else if (
    previous.endedAt &&
    next.endedAt &&
    previous.endedAt.getTime() !== next.endedAt.getTime()
  ) {
    writes.push({ kind: 'moveEnd', from: previous.endedAt, to: next.endedAt });
  }
  return writes;
}

function billingOf(state: BillingState): BillingState {
  const { statusCode, planId, seats, mrrMinor, currency } = state;
  return { statusCode, planId, seats, mrrMinor, currency };
}

function sameBilling(a: BillingState, b: BillingState): boolean {
  return (
    a.statusCode === b.statusCode &&
    a.planId === b.planId &&
    a.seats === b.seats &&
    a.mrrMinor === b.mrrMinor &&
    a.currency === b.currency
  );
}
