/**
 * What every answer must satisfy, whatever was sent: no 5xx, and every error names what was
 * wrong (a non-empty message and a code). A broken invariant is a `Violation`; its `cause` groups
 * violations that share a reason, so a report lists each hole once with its minimal example.
 */
export type Violation = {
  /** Short and stable across cases with the same reason: the grouping key of the report. */
  cause: string;
  /** What exactly was seen, for the report. */
  detail: string;
};

/** An HTTP answer as the fuzzer saw it; `body` is the parsed JSON, or the text when not JSON. */
export type Answer = { status: number; body: unknown; text: string };

/** Sends with fetch and reads the whole answer; a network failure becomes status 0. */
export async function request(url: string, init: RequestInit): Promise<Answer> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return {
      status: 0,
      body: null,
      text: `network error: ${cause?.code ?? cause?.message ?? error}`,
    };
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: the invariants say so
  }
  return { status: response.status, body, text };
}

/**
 * No 5xx and no dropped connection. The cause names the error the server logged (a 500's answer
 * hides it), with numbers and quoted values blurred so that one hole is one cause; when nothing
 * was logged, the code the answer carried (a client error answered with a 5xx status).
 */
export function checkNoServerError(
  where: string,
  answer: Answer,
  loggedErrors: string[],
): Violation[] {
  if (answer.status !== 0 && answer.status < 500) return [];
  const answered = (answer.body as { errors?: { extensions?: { code?: string } }[] })?.errors?.[0];
  const reason = loggedErrors.length
    ? blur(loggedErrors[0])
    : `nothing logged, answered with code ${answered?.extensions?.code ?? '(none)'}`;
  const label = answer.status === 0 ? answer.text : `HTTP ${answer.status}`;
  return [
    {
      cause: `${where}: ${label.replace(/:.*/, '')}: ${reason}`,
      detail: `${label}; answer ${clip(answer.text)}${loggedErrors.length ? `; server log: ${clip(loggedErrors.join(' | '))}` : ''}`,
    },
  ];
}

/**
 * An error answer names the problem: `{ errors: [{ message, extensions: { code } }] }` (GraphQL
 * and ingest), or the HTTP layer's `{ error: code, message }` (unknown paths). Every error has a
 * non-empty message and a code, and no code is INTERNAL_SERVER_ERROR.
 */
export function checkErrorsNameTheProblem(where: string, body: unknown): Violation[] {
  const b = body as { errors?: unknown; error?: unknown; message?: unknown } | null;
  if (b && typeof b.error === 'string' && b.error && typeof b.message === 'string' && b.message)
    return [];
  const errors = b?.errors;
  if (!Array.isArray(errors) || errors.length === 0) {
    return [{ cause: `${where}: an error answer without an "errors" list`, detail: clip(body) }];
  }
  const violations: Violation[] = [];
  for (const error of errors as { message?: unknown; extensions?: { code?: unknown } }[]) {
    const message = error?.message;
    const code = error?.extensions?.code;
    if (typeof message !== 'string' || message.trim() === '')
      violations.push({ cause: `${where}: an error without a message`, detail: clip(error) });
    if (typeof code !== 'string' || code === '')
      violations.push({ cause: `${where}: an error without extensions.code`, detail: clip(error) });
    else if (code === 'INTERNAL_SERVER_ERROR') {
      violations.push({
        cause: `${where}: INTERNAL_SERVER_ERROR in an answer: ${blur(String(message))}`,
        detail: clip(error),
      });
    }
  }
  return violations;
}

/** Numbers and quoted values replaced, so messages that differ only in them read the same. */
export function blur(text: string): string {
  return text
    .replace(/"[^"]*"/g, '"…"')
    .replace(/'[^']*'/g, "'…'")
    .replace(/\d+/g, 'N')
    .slice(0, 160);
}

/**
 * A value as JSON, cut to a readable length; strings as they are unless `quoted` (then lone
 * surrogates and control characters show as escapes).
 */
export function clip(value: unknown, max = 600, quoted = false): string {
  let text: string;
  try {
    text = typeof value === 'string' && !quoted ? value : JSON.stringify(value);
  } catch {
    text = String(value);
  }
  if (text === undefined) text = String(value);
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}
