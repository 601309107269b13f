import { Webhook } from 'standardwebhooks';
import { generateSecret, signatureHeaders } from '../../src/push/webhook-signing';

/** Our node:crypto signature is byte for byte the `standardwebhooks` package's, and verifies. */
test('signatures equal the standardwebhooks package and verify with it, for every secret', () => {
  const secrets = [generateSecret(), generateSecret()];
  const at = new Date('2026-01-05T10:00:00.123Z');
  for (const body of [
    '{}',
    JSON.stringify({ type: 'event.tracked', data: { name: 'Zoë ✓ 🚀' } }),
  ]) {
    const headers = signatureHeaders('msg_abc', at, body, secrets);
    expect(headers['webhook-timestamp']).toBe('1767607200');
    expect(headers['webhook-signature']).toBe(
      secrets.map((secret) => new Webhook(secret).sign('msg_abc', at, body)).join(' '),
    );
    for (const secret of secrets) {
      // verify() checks the timestamp against now: give it a fresh one.
      const now = new Date();
      const fresh = signatureHeaders('msg_abc', now, body, [secret]);
      expect(new Webhook(secret).verify(body, fresh)).toEqual(JSON.parse(body));
    }
  }
});
