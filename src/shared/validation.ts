import type { z } from 'zod';
import { invalidInput } from './errors';

/** Validates with a zod schema; the first problem becomes an error naming its field path. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  fieldPrefix: string,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = [
    fieldPrefix,
    ...issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)),
  ]
    .join('')
    .replace(/^\./, '');
  return failWith(field, issue.message);
}

function failWith(field: string, message: string): never {
  throw invalidInput(field, message);
}

/** Checks a plural upsert: size bounds and no key given twice. */
export function assertBatch<T>(
  inputs: T[],
  keyOf: (input: T) => string,
  keyName: string,
  max = 1000,
): void {
  if (inputs.length > max)
    throw invalidInput('inputs', `expected at most ${max} items, got ${inputs.length}`);
  const seen = new Map<string, number>();
  inputs.forEach((input, index) => {
    const key = keyOf(input);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw invalidInput(
        `inputs[${index}].${keyName}`,
        `"${key}" is also given at inputs[${earlier}]`,
      );
    }
    seen.set(key, index);
  });
}
