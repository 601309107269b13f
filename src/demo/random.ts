import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';

/** A seeded random source: the same seed always yields the same sequence of draws. */
export type Random = {
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** A float in [min, max). */
  float(min?: number, max?: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** One of the keys, drawn in proportion to its weight. */
  weighted<K extends string>(weights: Readonly<Partial<Record<K, number>>>): K;
  /** `count` distinct items, in draw order. */
  sample<T>(items: readonly T[], count: number): T[];
};

const FLOAT_STEPS = 0x40000000;

export function createRandom(seed: number): Random {
  const generator = xoroshiro128plus(seed);
  const int = (min: number, max: number) => uniformInt(generator, min, max);
  const float = (min = 0, max = 1) => min + (int(0, FLOAT_STEPS - 1) / FLOAT_STEPS) * (max - min);
  return {
    int,
    float,
    chance: (p) => float() < p,
    pick: (items) => {
      if (items.length === 0) throw new Error('pick: expected a non-empty list, got an empty one');
      return items[int(0, items.length - 1)];
    },
    weighted: (weights) => {
      // Object key order is insertion order, so the draw is as deterministic as the seed.
      const entries = Object.entries(weights) as Array<[keyof typeof weights, number | undefined]>;
      const total = entries.reduce((sum, [, weight]) => sum + (weight ?? 0), 0);
      let roll = float(0, total);
      for (const [key, weight] of entries) {
        roll -= weight ?? 0;
        if (roll < 0) return key;
      }
      return entries[entries.length - 1][0];
    },
    sample: (items, count) => {
      const pool = [...items];
      const chosen = [];
      while (chosen.length < count && pool.length > 0) {
        chosen.push(pool.splice(int(0, pool.length - 1), 1)[0]);
      }
      return chosen;
    },
  };
}
