import { z } from 'zod';

/**
 * An amount in the currency's major unit (49.5 means $49.50) as exact integer minor units.
 * More than two decimals is refused rather than silently rounded.
 */
export const moneySchema = z
  .number()
  .min(0, 'must not be negative')
  .max(1e12, 'is too large')
  .refine(
    (amount) => Math.abs(amount * 100 - Math.round(amount * 100)) < 1e-6,
    'expected at most two decimals',
  )
  .transform((amount) => String(Math.round(amount * 100)));

export const currencySchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as "USD"');

export function minorToMajor(minor: string | number): number {
  return Number(minor) / 100;
}
