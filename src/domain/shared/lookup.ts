import type { ObjectLiteral, Repository } from 'typeorm';
import { invalidInput, notFound } from '../../shared/errors';

/** Largest id PostgreSQL's bigint holds; ids and cursors beyond it cannot exist. */
export const MAX_BIGINT_ID = '9223372036854775807';

/** True when `id` is a decimal id a bigint identity could have produced (1 to 2^63 - 1). */
export function isBigintId(id: string): boolean {
  return /^[1-9]\d{0,18}$/.test(id) && BigInt(id) <= BigInt(MAX_BIGINT_ID);
}

/** Refuses an id no row can have (not a number, or beyond bigint) before PostgreSQL does. */
export function assertBigintId(id: string, field = 'id'): string {
  if (!isBigintId(id)) {
    throw invalidInput(field, `expected a numeric id from 1 to ${MAX_BIGINT_ID}, got "${id}"`, {
      expected: `1..${MAX_BIGINT_ID}`,
    });
  }
  return id;
}

export type IdOrExternalId = { id?: string | null; externalId?: string | null };

/** Finds one live row by our id or the caller's externalId (exactly one must be given). */
export function findByIdOrExternalId<T extends ObjectLiteral>(
  repository: Repository<T>,
  lookup: IdOrExternalId,
): Promise<T | null> {
  if (!lookup.id === !lookup.externalId)
    throw invalidInput('id', 'give exactly one of id or externalId');
  if (lookup.id) assertBigintId(lookup.id);
  const where = lookup.id ? { id: lookup.id } : { externalId: lookup.externalId };
  return repository.findOneBy(where as never);
}

/** An ILIKE pattern matching the text anywhere, with the user's wildcards taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Soft-deletes the row with this externalId and returns it; deleting twice is not an error. */
export async function softDeleteByExternalId<
  T extends ObjectLiteral & { id: string; deletedAt: Date | null },
>(repository: Repository<T>, externalId: string, what: string): Promise<T> {
  const row = await repository.findOne({ where: { externalId } as never, withDeleted: true });
  if (!row) throw notFound(what, externalId);
  if (!row.deletedAt) await repository.softDelete({ id: row.id } as never);
  return repository.findOneOrFail({ where: { id: row.id } as never, withDeleted: true });
}
