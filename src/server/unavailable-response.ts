import type { Response } from 'express';
import { asServiceUnavailable } from '../db/unavailable';

/** Answers 503 with `Retry-After` when the error means "retry later"; says whether it did. */
export function sendIfUnavailable(error: unknown, response: Response): boolean {
  const unavailable = asServiceUnavailable(error);
  if (!unavailable) return false;
  response
    .status(503)
    .setHeader('Retry-After', String(unavailable.details.retryAfterSeconds))
    .json({ errors: [{ message: unavailable.message, extensions: { code: unavailable.code } }] });
  return true;
}
