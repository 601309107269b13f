import type { FuzzServer } from './fuzz-server';
import type { GraphqlCase } from './graphql-arbitraries';
import {
  blur,
  checkErrorsNameTheProblem,
  checkNoServerError,
  clip,
  request,
  type Violation,
} from './invariants';

/**
 * Sends one generated GraphQL request and checks the answer: no 5xx, a JSON body, every error
 * with a message and a code other than INTERNAL_SERVER_ERROR (named by the server's log), and
 * `data` when there is no error.
 */
export async function checkGraphqlCase(
  server: FuzzServer,
  generated: GraphqlCase,
): Promise<Violation[]> {
  const answer = await request(`${server.baseUrl}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${generated.key === 'unknown' ? 'hmy_not_a_key' : server.test.keys[generated.key]}`,
    },
    body: generated.rawBody ?? JSON.stringify(generated.body),
  });
  const logged = server.takeLoggedErrors();
  const serverErrors = checkNoServerError('graphql', answer, logged);
  if (serverErrors.length) return serverErrors;
  const body = answer.body as { data?: unknown; errors?: unknown } | string;
  if (!body || typeof body !== 'object') {
    return [
      {
        cause: `graphql: HTTP ${answer.status} with a body that is not JSON`,
        detail: clip(answer.text),
      },
    ];
  }
  if (answer.status === 200 && body.errors === undefined) {
    return body.data && typeof body.data === 'object'
      ? []
      : [
          {
            cause: 'graphql: a 200 answer with neither data nor errors',
            detail: clip(answer.text),
          },
        ];
  }
  return checkErrorsNameTheProblem('graphql', body).map((violation) =>
    violation.cause.includes('INTERNAL_SERVER_ERROR') && logged.length
      ? {
          cause: `graphql: INTERNAL_SERVER_ERROR: ${blur(logged[0])}`,
          detail: `${violation.detail}; server log: ${clip(logged.join(' | '))}`,
        }
      : violation,
  );
}
