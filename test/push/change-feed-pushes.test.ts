import { recordChanges, sequenceChanges } from '../../src/signals/change-feed';
import type { TestServer } from '../support/test-server';
import { startReceiver, type TestReceiver } from './support/receiver';
import { createDestination, startPushServer } from './support/push-helpers';

let server: TestServer;
let receiver: TestReceiver;

beforeAll(async () => {
  server = await startPushServer();
  receiver = await startReceiver();
});
afterAll(async () => {
  await server.close();
  await receiver.close();
});

test('threshold crossings and segment entries recorded on the change feed are pushed when numbered, keyed by account, signal and sequence', async () => {
  const { secret } = await createDestination(server, {
    name: 'signals-hook',
    kind: 'WEBHOOK',
    url: receiver.url,
    tier: 'REALTIME',
    subscriptions: [
      { kind: 'THRESHOLD', threshold: 'pql_hot' },
      { kind: 'SEGMENT', segment: 'enterprise_active' },
    ],
  });
  receiver.secrets.push(secret);
  const [account] = await server.db.dataSource.query(
    `INSERT INTO accounts (external_id, name, source) VALUES ('acme', 'Acme', 'api') RETURNING id::text`,
  );
  await server.db.dataSource.transaction(async (manager) => {
    await recordChanges(manager, [
      {
        topic: 'threshold',
        accountId: account.id,
        subject: 'pql_hot',
        cause: 'THRESHOLD',
        changes: { state: { old: 'below', new: 'above' } },
      },
      {
        topic: 'threshold',
        accountId: account.id,
        subject: 'other_threshold',
        cause: 'THRESHOLD',
        changes: { state: { old: 'below', new: 'above' } },
      },
      {
        topic: 'segment_membership',
        accountId: account.id,
        subject: 'enterprise_active',
        cause: 'SEGMENT',
        changes: { member: { old: false, new: true } },
      },
    ]);
  });
  await sequenceChanges(server.db.dataSource);
  await receiver.waitFor(() => receiver.accepted.length >= 2, 10_000, 'two pushes');
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(receiver.violations).toEqual([]);
  const seqs: Array<{ seq: string; subject: string }> = await server.db.dataSource.query(
    `SELECT seq::text, subject FROM change_feed WHERE topic IN ('threshold', 'segment_membership') ORDER BY seq`,
  );
  const seqOf = (subject: string) => seqs.find((s) => s.subject === subject)!.seq;
  expect(receiver.accepted.map((r) => [r.json.type, r.idempotencyKey, r.json.data])).toEqual([
    [
      'threshold.crossed',
      `account:${account.id}:threshold:pql_hot:${seqOf('pql_hot')}`,
      {
        seq: seqOf('pql_hot'),
        topic: 'threshold',
        subject: 'pql_hot',
        field: 'state',
        cause: 'THRESHOLD',
        accountId: account.id,
        accountExternalId: 'acme',
        idempotencyKey: `account:${account.id}:threshold:pql_hot:${seqOf('pql_hot')}`,
        oldValue: 'below',
        newValue: 'above',
      },
    ],
    [
      'segment.entered',
      `account:${account.id}:segment_membership:enterprise_active:${seqOf('enterprise_active')}`,
      expect.objectContaining({ subject: 'enterprise_active', oldValue: false, newValue: true }),
    ],
  ]);
});
