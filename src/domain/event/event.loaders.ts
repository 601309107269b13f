import DataLoader from 'dataloader';
import { In, type DataSource } from 'typeorm';
import { manyPerKeyLoader, onePerKeyLoader } from '../../db/loader-helpers';
import { EventDefinition, EventDefinitionChange } from './event-definition.entity';

export type EventCountRow = { accountId: string; definitionId: string; count: number };

function isUtcMidnight(instant: Date): boolean {
  return instant.getTime() % 86_400_000 === 0;
}

/** Per-request loaders for event definitions and the daily event counts. */
export function createEventLoaders(dataSource: DataSource) {
  const countLoaders = new Map<string, DataLoader<string, EventCountRow[]>>();
  return {
    eventDefinitionById: onePerKeyLoader<EventDefinition>(
      (ids) => dataSource.getRepository(EventDefinition).findBy({ id: In([...ids]) }),
      (definition) => definition.id,
    ),
    /** Definitions by any key they ever had. */
    eventDefinitionByKey: onePerKeyLoader<EventDefinition & { alias: string }>(
      async (keys) => {
        const aliases: Array<{ alias: string; definition_id: string }> = await dataSource.query(
          `SELECT alias, definition_id::text FROM event_definition_aliases WHERE alias = ANY($1)`,
          [keys],
        );
        const definitions = await dataSource
          .getRepository(EventDefinition)
          .findBy({ id: In(aliases.map((a) => a.definition_id)) });
        const byId = new Map(definitions.map((d) => [d.id, d]));
        return aliases.map((a) =>
          Object.assign(new EventDefinition(), byId.get(a.definition_id), { alias: a.alias }),
        );
      },
      (row) => row.alias,
    ),
    /** Every key a definition ever had, its current one included, oldest first. */
    aliasesByDefinitionId: manyPerKeyLoader<{ definition_id: string; alias: string }>(
      (ids) =>
        dataSource.query(
          `SELECT definition_id::text, alias FROM event_definition_aliases
           WHERE definition_id = ANY($1::bigint[]) ORDER BY created_at, alias`,
          [ids],
        ),
      (row) => row.definition_id,
    ),
    changesByDefinitionId: manyPerKeyLoader<EventDefinitionChange>(
      (ids) =>
        dataSource.getRepository(EventDefinitionChange).find({
          where: { definitionId: In([...ids]) },
          order: { changedAt: 'ASC', id: 'ASC' },
        }),
      (change) => change.definitionId,
    ),
    /**
     * Event counts per account in `[from, to)` for some definitions (null = all): one statement
     * for every account of the request asking the same question. Windows whose ends are UTC
     * midnights read the daily rollup; others (another time zone, an hour) count raw events.
     */
    eventCountsByAccountId(from: Date, to: Date, definitionIds: string[] | null) {
      const cacheKey = `${from.toISOString()}|${to.toISOString()}|${definitionIds?.join(',') ?? '*'}`;
      let loader = countLoaders.get(cacheKey);
      if (!loader) {
        const byDay = isUtcMidnight(from) && isUtcMidnight(to);
        loader = manyPerKeyLoader<EventCountRow>(
          async (accountIds) => {
            const rows: Array<{ account_id: string; definition_id: string; count: string }> =
              await dataSource.query(
                byDay
                  ? `SELECT account_id::text, definition_id::text, sum(event_count) AS count
                     FROM event_counts_daily
                     WHERE account_id = ANY($1::bigint[]) AND day >= ($2::timestamptz AT TIME ZONE 'UTC')::date
                       AND day < ($3::timestamptz AT TIME ZONE 'UTC')::date
                       AND ($4::bigint[] IS NULL OR definition_id = ANY($4::bigint[]))
                     GROUP BY account_id, definition_id`
                  : `SELECT account_id::text, definition_id::text, count(*) AS count
                     FROM events
                     WHERE account_id = ANY($1::bigint[]) AND occurred_at >= $2 AND occurred_at < $3
                       AND ($4::bigint[] IS NULL OR definition_id = ANY($4::bigint[]))
                     GROUP BY account_id, definition_id`,
                [accountIds, from.toISOString(), to.toISOString(), definitionIds],
              );
            return rows.map((row) => ({
              accountId: row.account_id,
              definitionId: row.definition_id,
              count: Number(row.count),
            }));
          },
          (row) => row.accountId,
        );
        countLoaders.set(cacheKey, loader);
      }
      return loader;
    },
  };
}
