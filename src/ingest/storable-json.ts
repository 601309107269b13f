/** How deep objects and arrays may nest in a message, the message itself being level 1. */
export const MAX_NESTING_DEPTH = 32;

/** A value PostgreSQL cannot store, where it is (`properties.list.1`) and why. */
export type UnstorableValue = { path: string; problem: string };

type Found = { reversedPath: string[]; problem: string };

// Node 20 has String.prototype.isWellFormed; the ES2023 lib the build targets does not declare it.
type WellFormedCheck = { isWellFormed(): boolean };

/** Why PostgreSQL would refuse this string (text and jsonb hold neither), or null. */
function stringProblem(text: string): string | null {
  if (text.includes('\0')) return 'must not contain the NUL character (\\u0000)';
  if (!(text as unknown as WellFormedCheck).isWellFormed())
    return 'must not contain a lone UTF-16 surrogate (\\ud800 to \\udfff outside a pair)';
  return null;
}

/**
 * The first string or key PostgreSQL would refuse, or the first object or array nested deeper
 * than `MAX_NESTING_DEPTH`, in one pass. `level` is the nesting level of `value` itself; the
 * walk never goes deeper than the limit, so no input can exhaust the stack. The path is built
 * only for a value that is refused.
 */
export function findUnstorableValue(
  value: unknown,
  level: number,
  path: string,
): UnstorableValue | null {
  const found = walk(value, level);
  if (!found) return null;
  const inner = found.reversedPath.reverse().join('.');
  return { path: path && inner ? `${path}.${inner}` : path || inner, problem: found.problem };
}

function walk(value: unknown, level: number): Found | null {
  if (typeof value === 'string') {
    const problem = stringProblem(value);
    return problem ? { reversedPath: [], problem: `strings ${problem}` } : null;
  }
  if (typeof value !== 'object' || value === null) return null;
  if (level > MAX_NESTING_DEPTH)
    return {
      reversedPath: [],
      problem: `nested more than ${MAX_NESTING_DEPTH} levels deep (the limit)`,
    };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = walk(value[i], level + 1);
      if (found) {
        found.reversedPath.push(String(i));
        return found;
      }
    }
    return null;
  }
  for (const key in value) {
    const keyProblem = stringProblem(key);
    if (keyProblem) return { reversedPath: [], problem: `keys ${keyProblem}` };
    const found = walk((value as Record<string, unknown>)[key], level + 1);
    if (found) {
      found.reversedPath.push(key);
      return found;
    }
  }
  return null;
}
