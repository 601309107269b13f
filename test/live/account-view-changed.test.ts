import { startTestServer, type TestServer } from '../support/test-server';
import { connectLive, eventually, subscribe } from './support/live-client';

/**
 * accountViewChanged resumes from a cursor: a client that disconnects while changes keep
 * arriving and reconnects with the last `seq` it received gets every change once, in order,
 * checked against the change feed in SQL.
 */
let t: TestServer;
/** A failed test stops its writer before the server closes (else it POSTs to a closed port). */
let stopWriter = async () => {};
beforeAll(async () => {
  // The change feed is numbered by the signals pump, which tests start only when they ask.
  t = await startTestServer({ signalsPump: true });
});
afterAll(async () => {
  await stopWriter();
  await t.close();
});

const CHANGES = `subscription($after: String) {
  accountViewChanged(after: $after) { seq cause account { externalId } changes { field old new } }
}`;

async function accountViewSeqs(after: string): Promise<string[]> {
  const rows: Array<{ seq: string }> = await t.db.dataSource.query(
    `SELECT seq::text AS seq FROM change_feed
     WHERE topic = 'account_view' AND seq > $1::bigint ORDER BY change_feed.seq`,
    [after],
  );
  return rows.map((row) => row.seq);
}

async function newestSeq(): Promise<string> {
  const [row] = await t.db.dataSource.query(
    `SELECT coalesce(max(seq), 0)::text AS seq FROM change_feed`,
  );
  return row.seq;
}

test('a client that reconnects with its last cursor misses nothing and repeats nothing', async () => {
  const start = await newestSeq();
  let writing = true;
  let written = 0;
  const writer = (async () => {
    while (writing || written < 30) {
      written++;
      await t.query(
        `mutation($input: UpsertAccountInput!) { upsertAccount(input: $input) { id } }`,
        {
          input: {
            externalId: `acct-${written}`,
            name: `Account ${written}`,
            employeeCount: written,
          },
        },
      );
    }
  })();
  stopWriter = async () => {
    writing = false;
    written = Math.max(written, 30);
    await writer.catch(() => undefined);
  };

  const received: Array<{ seq: string; externalId: string }> = [];
  const first = connectLive(t.baseUrl, t.keys.read);
  const before = subscribe(first.client, CHANGES, { after: start });
  while (received.length < 5) {
    const { data } = await before.next(20_000);
    const change = data.accountViewChanged;
    received.push({ seq: change.seq, externalId: change.account.externalId });
  }
  // Gone mid-stream: whatever was sent but not read is lost with the socket.
  await first.client.dispose();
  const resumeAfter = received[received.length - 1].seq;
  await eventually(async () => (await accountViewSeqs(resumeAfter)).length >= 5, 30_000);

  const second = connectLive(t.baseUrl, t.keys.read);
  const after = subscribe(second.client, CHANGES, { after: resumeAfter });
  const readUntil = async (done: () => Promise<boolean>) => {
    while (!(await done())) {
      const { data } = await after.next(20_000);
      const change = data.accountViewChanged;
      received.push({ seq: change.seq, externalId: change.account.externalId });
    }
  };
  await readUntil(async () => received.length >= 15);
  writing = false;
  await writer;
  // Every account written has its view recorded (the signals pump numbers them within ms).
  await eventually(async () => {
    const [row] = await t.db.dataSource.query(
      `SELECT count(DISTINCT account_id)::int AS accounts FROM change_feed
       WHERE topic = 'account_view' AND seq > $1::bigint`,
      [start],
    );
    return row.accounts === written;
  }, 30_000);
  const expected = async () => accountViewSeqs(start);
  await readUntil(async () => {
    const all = await expected();
    return received[received.length - 1].seq === all[all.length - 1];
  });

  const seqs = received.map((change) => change.seq);
  expect(seqs).toEqual(await expected());
  expect(new Set(seqs).size).toBe(seqs.length);
  const accounts = new Set(received.map((change) => change.externalId));
  expect(accounts.size).toBe(written);
  expect(written).toBeGreaterThanOrEqual(30);
  expect(after.buffered).toBe(0);
  await second.client.dispose();
});

test('a bad cursor is refused naming the argument', async () => {
  const { client } = connectLive(t.baseUrl, t.keys.read);
  const bad = subscribe(client, CHANGES, { after: 'yesterday' });
  const result = await Promise.race([bad.next(), bad.failed]);
  const errors = Array.isArray(result) ? result : (result as any).errors;
  expect(errors[0]).toMatchObject({
    message: 'after: expected a change cursor (a decimal number), got "yesterday"',
    extensions: { code: 'BAD_USER_INPUT' },
  });
  await client.dispose();
});
