import { MoreThan, type DataSource, type EntityManager } from 'typeorm';
import { HarmonyError, invalidInput, notFound } from '../../shared/errors';
import { parseOrThrow } from '../../shared/validation';
import { EventDefinition, EventDefinitionChange } from './event-definition.entity';
import {
  defineEventSchema,
  renameEventDefinitionSchema,
  type DefineEventArgs,
  type EventDefinitionLookupArgs,
  type RenameEventDefinitionArgs,
} from './event-definition.inputs';
import { assertBigintId } from '../shared/lookup';

type DefinitionFields = Pick<EventDefinition, 'key' | 'displayName' | 'description' | 'category'>;

const fieldsOf = (d: EventDefinition): DefinitionFields => ({
  key: d.key,
  displayName: d.displayName,
  description: d.description,
  category: d.category,
});

/** Event definitions: listing, defining and renaming, each change recorded with who and why. */
export class EventDefinitionService {
  constructor(private readonly dataSource: DataSource) {}

  /** Ingestion creates a definition per new event name, so the list is read a page at a time. */
  list(first: number, afterKey: string | null = null): Promise<EventDefinition[]> {
    return this.dataSource.getRepository(EventDefinition).find({
      where: afterKey === null ? {} : { key: MoreThan(afterKey) },
      order: { key: 'ASC' },
      take: first,
    });
  }

  async find(lookup: EventDefinitionLookupArgs): Promise<EventDefinition | null> {
    if (!lookup.id === !lookup.key) throw invalidInput('id', 'give exactly one of id or key');
    if (lookup.id) {
      assertBigintId(lookup.id);
      return this.dataSource.getRepository(EventDefinition).findOneBy({ id: lookup.id });
    }
    return this.findByAlias(this.dataSource.manager, lookup.key!);
  }

  /** Creates the definition with this key, or updates the one that has (or had) it. */
  async define(args: DefineEventArgs, actor: string): Promise<EventDefinition> {
    const input = parseOrThrow(defineEventSchema, args, '');
    return this.dataSource.transaction(async (manager) => {
      await lockKey(manager, input.key);
      const existing = await this.findByAlias(manager, input.key, true);
      if (!existing) {
        const [row] = await manager.query(
          `INSERT INTO event_definitions (key, display_name, description, category, source)
           VALUES ($1, $2, $3, $4, 'api') RETURNING id`,
          [
            input.key,
            input.displayName ?? input.key,
            input.description ?? null,
            input.category ?? null,
          ],
        );
        await manager.query(
          `INSERT INTO event_definition_aliases (alias, definition_id) VALUES ($1, $2)`,
          [input.key, row.id],
        );
        const created = await manager
          .getRepository(EventDefinition)
          .findOneByOrFail({ id: row.id });
        await recordChange(
          manager,
          created.id,
          'create',
          null,
          fieldsOf(created),
          actor,
          input.reason,
        );
        return created;
      }
      const before = fieldsOf(existing);
      const after: DefinitionFields = {
        ...before,
        ...(input.displayName != null && { displayName: input.displayName }),
        ...(input.description !== undefined && { description: input.description }),
        ...(input.category !== undefined && { category: input.category || null }),
      };
      if (JSON.stringify(before) === JSON.stringify(after)) return existing;
      await manager.query(
        `UPDATE event_definitions SET display_name = $2, description = $3, category = $4
         WHERE id = $1`,
        [existing.id, after.displayName, after.description, after.category],
      );
      await recordChange(manager, existing.id, 'update', before, after, actor, input.reason);
      return manager.getRepository(EventDefinition).findOneByOrFail({ id: existing.id });
    });
  }

  /** Gives a definition a new key; the old key stays an alias of the same definition. */
  async rename(args: RenameEventDefinitionArgs, actor: string): Promise<EventDefinition> {
    const input = parseOrThrow(renameEventDefinitionSchema, args, '');
    return this.dataSource.transaction(async (manager) => {
      await lockKey(manager, input.key);
      const definition = await manager
        .getRepository(EventDefinition)
        .findOne({ where: { id: input.id }, lock: { mode: 'pessimistic_write' } });
      if (!definition) throw notFound('event definition', input.id);
      const owner = await this.findByAlias(manager, input.key);
      if (owner && owner.id !== definition.id) {
        throw new HarmonyError(
          'CONFLICT',
          `key "${input.key}" already belongs to event definition ${owner.id} ("${owner.key}")`,
          { field: 'key', definitionId: owner.id },
        );
      }
      const before = fieldsOf(definition);
      const after = {
        ...before,
        key: input.key,
        displayName: input.displayName ?? before.displayName,
      };
      await manager.query(
        `UPDATE event_definitions SET key = $2, display_name = $3 WHERE id = $1`,
        [definition.id, after.key, after.displayName],
      );
      await manager.query(
        `INSERT INTO event_definition_aliases (alias, definition_id) VALUES ($1, $2)
         ON CONFLICT (alias) DO NOTHING`,
        [input.key, definition.id],
      );
      await recordChange(manager, definition.id, 'rename', before, after, actor, input.reason);
      return manager.getRepository(EventDefinition).findOneByOrFail({ id: definition.id });
    });
  }

  private async findByAlias(
    manager: EntityManager,
    key: string,
    forUpdate = false,
  ): Promise<EventDefinition | null> {
    const rows: Array<{ definition_id: string }> = await manager.query(
      `SELECT definition_id FROM event_definition_aliases WHERE alias = $1`,
      [key],
    );
    if (!rows[0]) return null;
    return manager.getRepository(EventDefinition).findOne({
      where: { id: String(rows[0].definition_id) },
      ...(forUpdate && { lock: { mode: 'pessimistic_write' as const } }),
    });
  }
}

/** Serialises changes claiming the same key (two renames to one new name). */
async function lockKey(manager: EntityManager, key: string): Promise<void> {
  await manager.query(`SELECT pg_advisory_xact_lock(hashtext('event_definition_key:' || $1))`, [
    key,
  ]);
}

async function recordChange(
  manager: EntityManager,
  definitionId: string,
  change: 'create' | 'update' | 'rename',
  before: DefinitionFields | null,
  after: DefinitionFields,
  actor: string,
  reason: string | null | undefined,
): Promise<void> {
  await manager.query(
    `INSERT INTO event_definition_changes (definition_id, change, before, after, changed_by, reason)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      definitionId,
      change,
      before && JSON.stringify(before),
      JSON.stringify(after),
      actor,
      reason ?? null,
    ],
  );
}

export { EventDefinitionChange };
