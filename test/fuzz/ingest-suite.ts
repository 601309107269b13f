import type { FuzzServer } from './fuzz-server';
import { runFuzz, type FuzzReport } from './fuzz-runner';
import { IngestFuzzer } from './ingest-fuzz';
import { clip } from './invariants';
import { ingestRequest, type IngestRequest } from './segment-arbitraries';

/** `cases` generated Segment requests against the server; see `IngestFuzzer` for the invariants. */
export async function fuzzIngest(
  server: FuzzServer,
  cases: number,
  seed: number,
  onProgress?: (done: number) => void,
): Promise<FuzzReport> {
  const fuzzer = new IngestFuzzer(server);
  return runFuzz({
    name: 'ingest',
    unit: 'cases',
    arbitrary: ingestRequest,
    cases,
    seed,
    // Each message of a batch is a case; a request refused whole is one.
    casesIn: (request) => request.mustAccept.length,
    check: (request, shrinkAttempt) => fuzzer.check(request, shrinkAttempt),
    describe: describeRequest,
    isHealthy: () => server.isHealthy(),
    onProgress,
  });
}

function describeRequest(request: IngestRequest): string {
  const body = request.rawBody ?? JSON.stringify(request.body);
  return `POST /v1/${request.endpoint} (${request.kind}, key: ${request.auth}, ${request.contentType}) ${clip(body, 1500)}`;
}
