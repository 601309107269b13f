import crypto from 'node:crypto';
import { HarmonyError } from '../../shared/errors';

/** What every generated key starts with, so a leaked key is recognisable (secret scanners). */
export const GENERATED_KEY_PREFIX = 'hmy_';
/**
 * The longest key Harmony looks up. Generated keys have 36 characters; anything much longer is
 * not a key, and refusing it before hashing keeps a hostile client from making us work for it.
 */
export const MAX_API_KEY_LENGTH = 256;
/** How much of a key listings show (and `revoke` accepts): enough to tell keys apart, no more. */
export const VISIBLE_PREFIX_LENGTH = 8;

export function hashApiKey(key: string): string {
  return crypto.createHash('sha256').update(key).digest('hex');
}

export function visiblePrefix(key: string): string {
  return key.slice(0, VISIBLE_PREFIX_LENGTH);
}

/** Refuses an over-long key before any lookup; `what` names where it came from. */
export function assertKeyLength(key: string, what = 'API key'): void {
  if (key.length <= MAX_API_KEY_LENGTH) return;
  throw new HarmonyError(
    'UNAUTHENTICATED',
    `${what} is ${key.length} characters long; keys are at most ${MAX_API_KEY_LENGTH}`,
    { maxLength: MAX_API_KEY_LENGTH },
  );
}
