import crypto from 'node:crypto';

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
 * The signature is base64 HMAC-SHA256 of `id.timestamp.body` keyed with the secret's bytes,
 * computed with node:crypto: the `standardwebhooks` package computes the same string in plain
 * JavaScript, ten times slower (~250 µs a request, on the realtime line's critical path);
 * test/push/webhook-signing.test.ts keeps the two equal.
 */
export function signatureHeaders(
  webhookId: string,
  at: Date,
  body: string,
  secrets: string[],
): Record<string, string> {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const signed = `${webhookId}.${timestamp}.${body}`;
  const signatures = secrets.map(
    (secret) => `v1,${crypto.createHmac('sha256', keyOf(secret)).update(signed).digest('base64')}`,
  );
  return {
    'webhook-id': webhookId,
    'webhook-timestamp': timestamp,
    'webhook-signature': signatures.join(' '),
  };
}

/** A secret's key bytes: base64 after `whsec_` (a secret without the prefix is all base64). */
function keyOf(secret: string): Buffer {
  return Buffer.from(
    secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret,
    'base64',
  );
}

/** A webhook id unique to one delivery and kept by its retries and replays. */
export function newWebhookId(): string {
  return `msg_${crypto.randomUUID().replace(/-/g, '')}`;
}
