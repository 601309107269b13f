import { monthlyAmountMinor, PLAN_BY_CODE, type DemoPlanCode } from './demo-catalog';
import { DEMO_MONTHS } from './demo-calendar';
import type {
  AccountIndex,
  DemoAccount,
  DemoStep,
  DemoSubscription,
  ModelTime,
  SubscriptionStatus,
} from './demo-model';
import type { Random } from './random';

/** A 14-day trial, in months. */
const TRIAL_MONTHS = 14 / 30.4;
/** How many times one account may come back after churning. */
const MAX_REACTIVATIONS = 2;

type Lifecycle = 'free' | 'trialLost' | 'trialWon' | 'salesLed';

/** Larger companies buy through sales more often and rarely stay on the free plan. */
const LIFECYCLE_WEIGHTS_BY_SIZE: ReadonlyArray<Record<Lifecycle, number>> = [
  { free: 24, trialLost: 20, trialWon: 48, salesLed: 8 },
  { free: 24, trialLost: 20, trialWon: 48, salesLed: 8 },
  { free: 14, trialLost: 14, trialWon: 47, salesLed: 25 },
  { free: 14, trialLost: 14, trialWon: 47, salesLed: 25 },
  { free: 8, trialLost: 8, trialWon: 30, salesLed: 54 },
  { free: 8, trialLost: 8, trialWon: 30, salesLed: 54 },
];

type PaidEvent =
  'none' | 'seats' | 'upgrade' | 'downgrade' | 'annual' | 'pause' | 'pastDue' | 'churn';

/** Chances of what happens in a month of a monthly plan; annual plans churn only at renewal. */
const MONTHLY_PLAN_EVENTS: Record<PaidEvent, number> = {
  none: 76,
  seats: 9,
  upgrade: 3,
  downgrade: 1.5,
  annual: 1.5,
  pause: 1,
  pastDue: 4,
  churn: 4,
};
const ANNUAL_PLAN_EVENTS: Record<PaidEvent, number> = {
  none: 86,
  seats: 8,
  upgrade: 2.5,
  downgrade: 0.5,
  annual: 0,
  pause: 0,
  pastDue: 3,
  churn: 0,
};
const ANNUAL_RENEWAL_CHURN = 0.15;
const REACTIVATION_CHANCE = 0.4;

const SEAT_RANGE: Record<DemoPlanCode, readonly [number, number]> = {
  free: [1, 5],
  trial: [1, 10],
  starter: [1, 15],
  starter_annual: [1, 15],
  growth: [2, 40],
  growth_annual: [2, 40],
  enterprise: [10, 100],
};

const UPGRADE: Partial<Record<DemoPlanCode, DemoPlanCode>> = {
  starter: 'growth',
  starter_annual: 'growth_annual',
  growth: 'growth_annual',
  growth_annual: 'enterprise',
};
const DOWNGRADE: Partial<Record<DemoPlanCode, DemoPlanCode>> = {
  growth: 'starter',
  growth_annual: 'starter_annual',
  enterprise: 'growth_annual',
};
const ANNUAL_VERSION: Partial<Record<DemoPlanCode, DemoPlanCode>> = {
  starter: 'starter_annual',
  growth: 'growth_annual',
};

/**
 * Every account's subscriptions over the demo period: free plans, trials that convert or lapse,
 * seat changes, upgrades and downgrades, past-due spells, pauses, churn at period end or at an
 * annual renewal, and reactivation as a new subscription after at least a month without one.
 * Nothing is recorded at or after model time 24 (the current month), so a run that is still
 * trialing or past due at that point stays so.
 */
export function generateSubscriptions(
  random: Random,
  accounts: readonly DemoAccount[],
): DemoSubscription[] {
  const subscriptions: DemoSubscription[] = [];
  const nextExternalId = () => `demo-sub-${String(subscriptions.length + 1).padStart(4, '0')}`;
  accounts.forEach((account, index) => {
    new AccountLifecycle(random, account, index, (subscription) => {
      subscription.externalId = nextExternalId();
      subscriptions.push(subscription);
    }).run();
  });
  return subscriptions;
}

/** Simulates one account's subscriptions, month by month. */
class AccountLifecycle {
  private reactivations = 0;

  constructor(
    private readonly random: Random,
    private readonly account: DemoAccount,
    private readonly accountIndex: AccountIndex,
    private readonly record: (subscription: DemoSubscription) => void,
  ) {}

  run(): void {
    const start = this.account.createdAt;
    const lifecycle = this.random.weighted(LIFECYCLE_WEIGHTS_BY_SIZE[this.account.sizeBand]);
    if (lifecycle === 'free') {
      this.liveOnFreePlan(this.open(start, 'ACTIVE', 'free', this.chooseSeats('free')));
      return;
    }
    if (lifecycle === 'salesLed') {
      const plan = this.random.weighted<DemoPlanCode>(
        this.account.sizeBand >= 4
          ? { enterprise: 50, growth_annual: 50 }
          : { growth_annual: 50, growth: 30, enterprise: 20 },
      );
      this.liveOnPaidPlan(this.open(start, 'ACTIVE', plan, this.chooseSeats(plan)));
      return;
    }
    const trial = this.open(start, 'TRIALING', 'trial', this.chooseSeats('trial'));
    trial.trialEndsAt = start + TRIAL_MONTHS;
    if (lifecycle === 'trialWon') {
      const convertedAt = start + this.random.float(0.25, TRIAL_MONTHS);
      if (convertedAt >= DEMO_MONTHS) return;
      const plan = this.choosePlanAfterTrial();
      this.change(trial, convertedAt, { status: 'ACTIVE', plan, seats: this.chooseSeats(plan) });
      trial.billingAnchor = convertedAt;
      this.liveOnPaidPlan(trial);
      return;
    }
    const lapsedAt = start + TRIAL_MONTHS;
    if (lapsedAt >= DEMO_MONTHS) return;
    if (this.random.chance(0.5)) {
      this.end(trial, lapsedAt);
    } else {
      this.change(trial, lapsedAt, { status: 'ACTIVE', plan: 'free' });
      trial.billingAnchor = lapsedAt;
      this.liveOnFreePlan(trial);
    }
  }

  /** Free accounts mostly stay free; a few upgrade to Starter. */
  private liveOnFreePlan(subscription: DemoSubscription): void {
    let at = lastStep(subscription).at;
    while ((at += this.random.float(0.7, 1.3)) < DEMO_MONTHS) {
      if (this.random.chance(0.03)) {
        this.change(subscription, at, {
          plan: 'starter',
          seats: this.chooseSeats('starter'),
          status: 'ACTIVE',
        });
        subscription.billingAnchor = at;
        this.liveOnPaidPlan(subscription);
        return;
      }
    }
  }

  /** A paid subscription, looked at about once a month until it ends or the demo period does. */
  private liveOnPaidPlan(subscription: DemoSubscription): void {
    const renewal = { next: subscription.billingAnchor + 12 };
    let at = lastStep(subscription).at;
    let inForce = true;
    while (inForce) {
      // About a month after the last look or the last change, whichever is later.
      at = Math.max(at, lastStep(subscription).at) + this.random.float(0.7, 1.3);
      if (at >= DEMO_MONTHS) return;
      inForce = this.liveMonth(subscription, at, renewal);
    }
  }

  /** What happens this month; false once the subscription's story is over (ended or cut off). */
  private liveMonth(subscription: DemoSubscription, at: ModelTime, renewal: { next: number }) {
    const step = lastStep(subscription);
    const annual = PLAN_BY_CODE.get(step.plan)!.interval === 'YEAR';
    if (annual && at >= renewal.next) {
      if (this.random.chance(ANNUAL_RENEWAL_CHURN)) {
        const canceledAt = renewal.next - this.random.float(0.1, 1);
        subscription.canceledAt = Math.max(step.at + 0.05, canceledAt);
        return this.endAndMaybeReactivate(subscription, renewal.next);
      }
      renewal.next += 12;
    }
    const event = this.random.weighted(annual ? ANNUAL_PLAN_EVENTS : MONTHLY_PLAN_EVENTS);
    switch (event) {
      case 'none':
        return true;
      case 'seats':
        this.changeSeats(subscription, at);
        return true;
      case 'upgrade':
      case 'downgrade': {
        const target = (event === 'upgrade' ? UPGRADE : DOWNGRADE)[step.plan];
        // No plan above (or below): buying more (or fewer) seats is the customer's move.
        if (!target) this.changeSeats(subscription, at, event === 'upgrade' ? 1 : -1);
        else this.changePlan(subscription, at, target, renewal);
        return true;
      }
      case 'annual': {
        const target = ANNUAL_VERSION[step.plan];
        if (target) this.changePlan(subscription, at, target, renewal);
        return true;
      }
      case 'pause': {
        this.change(subscription, at, { status: 'PAUSED' });
        const resumedAt = at + this.random.float(1, 2.5);
        if (resumedAt >= DEMO_MONTHS) return false;
        this.change(subscription, resumedAt, { status: 'ACTIVE' });
        return true;
      }
      case 'pastDue': {
        this.change(subscription, at, { status: 'PAST_DUE' });
        const settledAt = at + this.random.float(0.15, 0.6);
        if (settledAt >= DEMO_MONTHS) return false;
        if (this.random.chance(0.7)) {
          this.change(subscription, settledAt, { status: 'ACTIVE' });
          return true;
        }
        // Payment never recovered: involuntary churn.
        subscription.canceledAt = settledAt;
        return this.endAndMaybeReactivate(subscription, settledAt);
      }
      case 'churn': {
        // Canceled now, in force until the end of the paid period.
        subscription.canceledAt = at;
        const endsAt = at + this.random.float(0.1, 0.9);
        if (endsAt >= DEMO_MONTHS) return false;
        return this.endAndMaybeReactivate(subscription, endsAt);
      }
    }
  }

  private changeSeats(subscription: DemoSubscription, at: ModelTime, direction?: 1 | -1): void {
    const { seats, plan } = lastStep(subscription);
    const changed = this.adjustSeats(seats, plan, direction);
    if (changed !== seats) this.change(subscription, at, { seats: changed });
  }

  /** A new plan starts a new billing cycle, so the next annual renewal is a year on. */
  private changePlan(
    subscription: DemoSubscription,
    at: ModelTime,
    plan: DemoPlanCode,
    renewal: { next: number },
  ): void {
    this.change(subscription, at, { plan, seats: clampSeats(lastStep(subscription).seats, plan) });
    subscription.billingAnchor = at;
    renewal.next = at + 12;
  }

  private endAndMaybeReactivate(subscription: DemoSubscription, at: ModelTime): false {
    this.end(subscription, at);
    this.maybeReactivate(subscription);
    return false;
  }

  /** Some churned customers come back, on a new subscription, a few months later. */
  private maybeReactivate(ended: DemoSubscription): void {
    if (this.reactivations >= MAX_REACTIVATIONS || !this.random.chance(REACTIVATION_CHANCE)) return;
    const at = ended.endedAt! + this.random.float(1.2, 6);
    if (at >= DEMO_MONTHS) return;
    this.reactivations += 1;
    const lastPaid = [...ended.steps].reverse().find((step) => PLAN_BY_CODE.get(step.plan)!.isPaid);
    const plan = lastPaid?.plan ?? 'starter';
    this.liveOnPaidPlan(this.open(at, 'ACTIVE', plan, this.chooseSeats(plan)));
  }

  private open(
    at: ModelTime,
    status: SubscriptionStatus,
    plan: DemoPlanCode,
    seats: number,
  ): DemoSubscription {
    const subscription: DemoSubscription = {
      externalId: '',
      account: this.accountIndex,
      steps: [{ at, status, plan, seats, mrrMinor: amountOf(status, plan, seats) }],
      canceledAt: null,
      endedAt: null,
      billingAnchor: at,
      trialEndsAt: null,
    };
    this.record(subscription);
    return subscription;
  }

  /** Records a change as a new history step; the amount follows from status, plan and seats. */
  private change(
    subscription: DemoSubscription,
    at: ModelTime,
    patch: Partial<Pick<DemoStep, 'status' | 'plan' | 'seats'>>,
  ): void {
    const previous = lastStep(subscription);
    if (!(at > previous.at) || at >= DEMO_MONTHS) {
      throw new Error(`demo subscription step at ${at} must follow ${previous.at} and precede 24`);
    }
    const next = { ...previous, ...patch, at };
    next.mrrMinor = amountOf(next.status, next.plan, next.seats);
    subscription.steps.push(next);
    if (next.status !== 'TRIALING') subscription.trialEndsAt = null;
  }

  private end(subscription: DemoSubscription, at: ModelTime): void {
    this.change(subscription, at, { status: 'CANCELED' });
    subscription.endedAt = at;
    subscription.canceledAt ??= at;
  }

  private choosePlanAfterTrial(): DemoPlanCode {
    const band = this.account.sizeBand;
    const tier = this.random.weighted<DemoPlanCode>(
      band <= 1
        ? { starter: 75, growth: 25 }
        : band <= 3
          ? { starter: 35, growth: 60, enterprise: 5 }
          : { growth: 40, enterprise: 60 },
    );
    const annual = ANNUAL_VERSION[tier];
    return annual && this.random.chance(0.25) ? annual : tier;
  }

  /** Seats in proportion to the company's size, within what the plan is sold for. */
  private chooseSeats(plan: DemoPlanCode): number {
    const wanted = Math.round(this.account.employeeCount * this.random.float(0.02, 0.12));
    return clampSeats(wanted, plan);
  }

  private adjustSeats(seats: number, plan: DemoPlanCode, direction?: 1 | -1): number {
    const size = this.random.pick([1, 1, 2, 3]) * Math.max(1, Math.round(seats / 10));
    const sign = direction ?? (this.random.chance(0.55) ? 1 : -1);
    return clampSeats(seats + sign * size, plan);
  }
}

function clampSeats(seats: number, plan: DemoPlanCode): number {
  const [min, max] = SEAT_RANGE[plan];
  return Math.min(max, Math.max(min, seats));
}

/** Only paid plans in a revenue status bill anything. */
function amountOf(status: SubscriptionStatus, plan: DemoPlanCode, seats: number): number {
  return status === 'ACTIVE' || status === 'PAST_DUE' ? monthlyAmountMinor(plan, seats) : 0;
}

export function lastStep(subscription: DemoSubscription): DemoStep {
  return subscription.steps[subscription.steps.length - 1];
}
