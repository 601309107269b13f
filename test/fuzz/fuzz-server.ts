import { Writable } from 'node:stream';
import pino from 'pino';
import { createServer, type HarmonyServer } from '../../src/server/app';
import { startTestServer, type TestServer } from '../support/test-server';

/** A test server whose error log the fuzzer reads, to name the cause of each 5xx. */
export type FuzzServer = {
  test: TestServer;
  baseUrl: string;
  /** Error messages the server logged since the last call; empties the buffer. */
  takeLoggedErrors(): string[];
  /** Whether `GET /health` still answers 200. */
  isHealthy(): Promise<boolean>;
  close(): Promise<void>;
};

/**
 * `startTestServer()` (a fresh database cloned from the migrated template, a key per scope),
 * plus a second HTTP server over the same services whose logger the fuzzer captures: the
 * harness's own server logs nowhere, and a 500's cause is only in the log.
 */
export async function startFuzzServer(): Promise<FuzzServer> {
  const test = await startTestServer();
  const logged: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logged.push(causeOf(line));
      done();
    },
  });
  let server: HarmonyServer | undefined;
  try {
    server = await createServer(test.services, pino({ level: 'error' }, sink));
    const port = await server.listen(0, '127.0.0.1');
    const baseUrl = `http://127.0.0.1:${port}`;
    // An index only the fuzzer's read-back uses: events are looked up by messageId after each request.
    await test.db.dataSource.query(
      'CREATE INDEX fuzz_events_message_id_idx ON events (message_id)',
    );
    const running = server;
    return {
      test,
      baseUrl,
      takeLoggedErrors: () => logged.splice(0),
      isHealthy: async () => {
        try {
          return (await fetch(`${baseUrl}/health`)).status === 200;
        } catch {
          return false;
        }
      },
      close: async () => {
        await running.close();
        await test.close();
      },
    };
  } catch (error) {
    await server?.close();
    await test.close();
    throw error;
  }
}

/** The innermost error message of a pino line: `err.message`, else the log message. */
function causeOf(line: string): string {
  try {
    const entry = JSON.parse(line) as { msg?: string; err?: { message?: string; code?: string } };
    const err = entry.err;
    if (err?.message) return err.code ? `${err.message} (${err.code})` : err.message;
    return entry.msg ?? line;
  } catch {
    return line;
  }
}
