import { createHash } from 'node:crypto';
import type { DataFamily } from '../shared/write-observer';

/**
 * The one builder of cache keys: everything Harmony stores lives under one prefix
 * (HARMONY_CACHE_PREFIX, default `harmony:`), so several deployments or test files share a
 * Redis without seeing each other's keys. Parts a client chose are hashed, never used raw.
 */
export class CacheKeys {
  constructor(readonly prefix: string) {}

  /** An answer: `<prefix>a:<kind>:<readable parts>:<hash of the rest>`. */
  answer(kind: string, readable: readonly (string | number)[], shape: unknown): string {
    return `${this.prefix}a:${kind}:${readable.join(':')}:${hashOf(shape)}`;
  }

  /** The lock a process holds while it computes the answer under `key`. */
  lock(key: string): string {
    return `${key}:lock`;
  }

  /** A family's generation counter. */
  generation(family: DataFamily): string {
    return `${this.prefix}gen:${family}`;
  }
}

/** sha256 of a value's JSON, base64url, first 22 characters (132 bits). */
export function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 22);
}
