import { In, type EntityManager, type EntityTarget, type ObjectLiteral } from 'typeorm';

/** Maps the caller's external ids to our ids, for the live (not soft-deleted) rows of a table. */
export async function idsByExternalId(
  manager: EntityManager,
  table: 'accounts' | 'users' | 'teams' | 'subscriptions',
  externalIds: string[],
): Promise<Map<string, string>> {
  const rows: Array<{ id: string; external_id: string }> = await manager.query(
    `SELECT id, external_id FROM ${table} WHERE external_id = ANY($1) AND deleted_at IS NULL`,
    [externalIds],
  );
  return new Map(rows.map((row) => [row.external_id, row.id]));
}

/** Loads entities by id and returns them in the order of the ids. */
export async function loadInOrder<T extends ObjectLiteral & { id: string }>(
  manager: EntityManager,
  entity: EntityTarget<T>,
  ids: string[],
): Promise<T[]> {
  const rows = await manager
    .getRepository(entity)
    .find({ where: { id: In(ids) } as never, withDeleted: true });
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => byId.get(id)!);
}
