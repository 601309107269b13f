import {
  familiesChecked,
  TIER_LIFETIME_MS,
  type CacheTier,
  type GenerationSnapshot,
} from '../../cache';
import { DATA_FAMILIES, type DataFamily } from '../../shared/write-observer';
import type { FreshnessLocation } from './freshness-locations';

/**
 * How the response cache stores a response so that serving it costs no JSON parse of the body:
 *
 *   <meta JSON>\n<response body, with \x01 where each `ageSeconds` goes>
 *
 * The body is the response as sent, with `cacheHit: true` and `source: "CACHE"` already in place
 * (every serve says so); only the ages change per serve. JSON never holds a raw newline or a raw
 * control character (JSON.stringify escapes them inside strings), so both separators are safe.
 */
export type EntryMeta = {
  /** The tier with the shortest lifetime among the response's answers. */
  tier: CacheTier;
  /** When its oldest answer was computed, in ms. */
  oldest: number;
  /** The generations read before execution. */
  generations: GenerationSnapshot;
  /** When the answer behind each age slot was computed, in ms, in body order. */
  ages: number[];
  /** Served only before this instant (ms), when a window in it resolves anew then. */
  until?: number;
};

/** A decoded entry: its meta and the body cut at the age slots. */
export type DecodedEntry = { meta: EntryMeta; segments: string[] };

/** A `Freshness` object of the response and when its answer was computed. */
export type StoredFreshness = FreshnessLocation & { computedAt: number };

const AGE_SLOT = '\x01';
/** What JSON.stringify makes of the placeholder string `\x01<n>` put in slot n while encoding. */
const PLACEHOLDER = /"\\u0001(\d+)"/g;

/**
 * The stored form of a response (`data` is not modified), or null when it cannot be stored
 * safely (a placeholder was not found exactly once).
 */
export function encodeEntry(
  data: Record<string, unknown>,
  freshness: readonly StoredFreshness[],
  meta: Omit<EntryMeta, 'ages'>,
): string | null {
  const copy = JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
  let slots = 0;
  freshness.forEach((location, index) => {
    const target = objectAt(copy, location.path);
    if (!target) return;
    const { ageSeconds, cacheHit, source } = location.keys;
    if (cacheHit) target[cacheHit] = true;
    if (source) target[source] = 'CACHE';
    if (ageSeconds) {
      target[ageSeconds] = `${AGE_SLOT}${index}`;
      slots++;
    }
  });
  const ages: number[] = [];
  const seen = new Set<number>();
  const body = JSON.stringify({ data: copy }).replace(PLACEHOLDER, (_, index: string) => {
    seen.add(Number(index));
    ages.push(freshness[Number(index)]?.computedAt ?? NaN);
    return AGE_SLOT;
  });
  // A data string that happened to look like a placeholder would shift the ages: not stored.
  if (ages.length !== slots || seen.size !== slots || !ages.every(Number.isFinite)) return null;
  return `${JSON.stringify({ ...meta, ages } satisfies EntryMeta)}\n${body}`;
}

/** The entry stored as `value`, or null for anything else (an older format, a damaged value). */
export function decodeEntry(value: string): DecodedEntry | null {
  const newline = value.indexOf('\n');
  if (newline < 0) return null;
  let meta: EntryMeta;
  try {
    meta = JSON.parse(value.slice(0, newline)) as EntryMeta;
  } catch {
    return null;
  }
  if (!meta || typeof meta.generations !== 'object' || !meta.generations) return null;
  const segments = value.slice(newline + 1).split(AGE_SLOT);
  if (!Array.isArray(meta.ages) || segments.length !== meta.ages.length + 1) return null;
  return { meta, segments };
}

/**
 * Whether the entry may be served at `now`: younger than its tier allows, and no generation its
 * tier checks has moved (`current` holds the values of DATA_FAMILIES' keys, in that order).
 */
export function isServable(
  meta: EntryMeta,
  current: ReadonlyArray<string | null>,
  now: number,
): boolean {
  const lifetime = TIER_LIFETIME_MS[meta.tier];
  if (lifetime === undefined || !(now - meta.oldest < lifetime)) return false;
  if (meta.until !== undefined && !(now < meta.until)) return false;
  for (const index of CHECKED_FAMILY_INDEXES[meta.tier]) {
    const recorded = meta.generations[DATA_FAMILIES[index]];
    if (recorded === undefined || recorded === 'missing' || recorded !== current[index])
      return false;
  }
  return true;
}

/** The body to send at `now`: the stored bytes with each answer's age at this serve. */
export function renderEntry({ meta, segments }: DecodedEntry, now: number): string {
  let body = segments[0];
  for (let i = 0; i < meta.ages.length; i++) {
    body += Math.max(0, Math.floor((now - meta.ages[i]) / 1000)) + segments[i + 1];
  }
  return body;
}

/** Per tier, the positions in DATA_FAMILIES of the families checked (familiesChecked). */
const CHECKED_FAMILY_INDEXES = Object.fromEntries(
  Object.keys(TIER_LIFETIME_MS).map((tier) => [
    tier,
    familiesChecked(tier as CacheTier, DATA_FAMILIES).map((family: DataFamily) =>
      DATA_FAMILIES.indexOf(family),
    ),
  ]),
) as Record<CacheTier, number[]>;

export function objectAt(
  data: Record<string, unknown>,
  path: ReadonlyArray<string | number>,
): Record<string, unknown> | undefined {
  let value: unknown = data;
  for (const step of path) value = (value as Record<string | number, unknown> | null)?.[step];
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}
