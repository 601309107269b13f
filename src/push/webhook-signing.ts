import crypto from 'node:crypto';
import { Webhook } from 'standardwebhooks';

const SECRET_PREFIX = 'whsec_';
/** Random bytes in a generated secret: Standard Webhooks asks for 24 to 64. */
const SECRET_BYTES = 32;

/** A new signing secret, `whsec_` + base64 of 32 random bytes. */
export function generateSecret(): string {
  return SECRET_PREFIX + crypto.randomBytes(SECRET_BYTES).toString('base64');
}

/** A secret a caller supplies must be one Standard Webhooks libraries accept. */
export function isValidSecret(secret: string): boolean {
  if (!secret.startsWith(SECRET_PREFIX)) return false;
  const base64 = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return false;
  const bytes = Buffer.from(base64, 'base64').length;
  return bytes >= 24 && bytes <= 64;
}

/**
 * Standard Webhooks headers for one attempt: `webhook-signature` holds one `v1,<base64>` per
 * secret, space-separated, so during a rotation receivers holding either secret verify it.
 */
export function signatureHeaders(
  webhookId: string,
  at: Date,
  body: string,
  secrets: string[],
): Record<string, string> {
  const signatures = secrets.map((secret) => new Webhook(secret).sign(webhookId, at, body));
  return {
    'webhook-id': webhookId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}

/** A webhook id unique to one delivery and kept by its retries and replays. */
export function newWebhookId(): string {
  return `msg_${crypto.randomUUID().replace(/-/g, '')}`;
}
