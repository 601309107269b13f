import { leavesOf, metricKey, type Comparison, type Rule } from './segment-definition';

/** What a rule can read about one account (money in the major unit). */
export type AccountFacts = {
  industry: string | null;
  employeeCount: number | null;
  domain: string | null;
  name: string | null;
  traits: Record<string, unknown>;
  isTest: boolean;
  isDeleted: boolean;
  plan: string | null;
  mrr: number | null;
  lifetimeRevenue: number | null;
  seats: number;
  createdAt: Date;
  firstPaidAt: Date | null;
};

/** Metric values per `metricKey(metric, window)`, each a map from account id to value. */
export type MetricValues = Map<string, Map<string, number>>;

const DAY_MS = 86_400_000;

/**
 * True when the account is a member. Test and deleted accounts are never members unless the
 * rule itself reads `isTest` / `isDeleted` (then the rule decides).
 */
export function isMember(
  rule: Rule,
  accountId: string,
  facts: AccountFacts,
  metrics: MetricValues,
  now: Date,
): boolean {
  const leaves = leavesOf(rule);
  const asksTest = leaves.some((l) => 'attribute' in l && l.attribute === 'isTest');
  const asksDeleted = leaves.some((l) => 'attribute' in l && l.attribute === 'isDeleted');
  if (facts.isTest && !asksTest) return false;
  if (facts.isDeleted && !asksDeleted) return false;
  return evaluate(rule, accountId, facts, metrics, now);
}

function evaluate(
  rule: Rule,
  accountId: string,
  facts: AccountFacts,
  metrics: MetricValues,
  now: Date,
): boolean {
  if ('all' in rule) return rule.all.every((r) => evaluate(r, accountId, facts, metrics, now));
  if ('any' in rule) return rule.any.some((r) => evaluate(r, accountId, facts, metrics, now));
  if ('not' in rule) return !evaluate(rule.not, accountId, facts, metrics, now);
  if ('paying' in rule) return (facts.mrr ?? 0) > 0 === rule.paying;
  if ('attribute' in rule) return compare(attributeOf(facts, rule.attribute), rule);
  if ('spend' in rule) return compare(facts[rule.spend], rule);
  if ('tenure' in rule) {
    const since = rule.tenure === 'created' ? facts.createdAt : facts.firstPaidAt;
    return compare(since ? (now.getTime() - since.getTime()) / DAY_MS : null, rule);
  }
  const values = metrics.get(metricKey(rule.metric, rule.window));
  return compare(values?.get(accountId) ?? 0, rule);
}

function attributeOf(facts: AccountFacts, attribute: string): unknown {
  if (attribute.startsWith('traits.')) return facts.traits[attribute.slice('traits.'.length)];
  return facts[attribute as keyof AccountFacts];
}

/** Every comparison given must hold; a missing value satisfies only `exists: false`/`notEquals`. */
export function compare(value: unknown, c: Comparison): boolean {
  const missing = value === null || value === undefined;
  if (c.exists !== undefined && c.exists === missing) return false;
  if (c.notEquals !== undefined && !missing && sameValue(value, c.notEquals)) return false;
  const ordered = [c.equals, c.in, c.gt, c.gte, c.lt, c.lte].some((x) => x !== undefined);
  if (!ordered) return true;
  if (missing) return false;
  if (c.equals !== undefined && !sameValue(value, c.equals)) return false;
  if (c.in !== undefined && !c.in.some((x) => sameValue(value, x))) return false;
  const n = typeof value === 'number' ? value : Number(value);
  if (c.gt !== undefined && !(n > c.gt)) return false;
  if (c.gte !== undefined && !(n >= c.gte)) return false;
  if (c.lt !== undefined && !(n < c.lt)) return false;
  if (c.lte !== undefined && !(n <= c.lte)) return false;
  return true;
}

/** Text compares case-insensitively (industries, plans, domains); other values strictly. */
function sameValue(value: unknown, expected: string | number | boolean): boolean {
  if (typeof value === 'string' && typeof expected === 'string') {
    return value.toLowerCase() === expected.toLowerCase();
  }
  if (typeof value === 'number' || typeof expected === 'number') {
    return Number(value) === Number(expected);
  }
  return value === expected;
}
