import crypto from 'node:crypto';
import type { DestinationKind } from './destination-kinds';

/** A push_changes row, as the worker reads it. */
export type ChangeRow = {
  id: string;
  kind: string;
  type: string;
  idempotency_key: string;
  account_id: string | null;
  collapse_key: string | null;
  old_value: unknown;
  new_value: unknown;
  data: Record<string, unknown>;
  caused_at: Date;
};

/** One request's content: the body text (signed as is) and how it is sent. */
export type RequestContent = {
  method: 'POST' | 'PATCH';
  type: string;
  idempotencyKey: string;
  body: string;
};

/**
 * Scheduled tiers send a diff: of several changes with the same collapse key (an account's
 * field) only the latest is kept, carrying the first one's old value. Order: by the latest.
 */
export function collapseChanges(changes: ChangeRow[]): ChangeRow[] {
  const byKey = new Map<string, ChangeRow>();
  const kept: ChangeRow[] = [];
  for (const change of changes) {
    if (!change.collapse_key) {
      kept.push(change);
      continue;
    }
    const first = byKey.get(change.collapse_key);
    const merged = first ? { ...change, old_value: first.old_value } : change;
    if (first) kept.splice(kept.indexOf(first), 1);
    byKey.set(change.collapse_key, merged);
    kept.push(merged);
  }
  return kept;
}

/** The idempotency key of a request: its change's, or one derived from all of its changes'. */
export function idempotencyKeyOf(changes: ChangeRow[]): string {
  if (changes.length === 1) return changes[0].idempotency_key;
  const digest = crypto.createHash('sha256');
  for (const change of changes) digest.update(change.idempotency_key).update('\n');
  return `batch:${digest.digest('base64url').slice(0, 32)}`;
}

/** One change as Standard Webhooks `{ type, timestamp, data }`, its idempotency key inside. */
function message(change: ChangeRow) {
  const data: Record<string, unknown> = { ...change.data, idempotencyKey: change.idempotency_key };
  if (change.kind !== 'EVENT')
    Object.assign(data, { oldValue: change.old_value, newValue: change.new_value });
  return { type: change.type, timestamp: new Date(change.caused_at).toISOString(), data };
}

/** The record a CRM upserts for an account: its external id and the fields that changed. */
function crmRecords(
  changes: ChangeRow[],
): Array<{ id: string; properties: Record<string, unknown> }> {
  const records = new Map<string, Record<string, unknown>>();
  for (const change of changes) {
    const id = String(
      change.data.accountExternalId ?? change.data.userExternalId ?? change.account_id ?? 'unknown',
    );
    const properties = records.get(id) ?? {};
    if (change.kind === 'EVENT') {
      properties.harmony_last_event = change.data.event;
      properties.harmony_last_event_at = change.data.timestamp;
    } else {
      properties[String(change.data.field ?? change.type)] = change.new_value;
    }
    records.set(id, properties);
  }
  return [...records].map(([id, properties]) => ({ id, properties }));
}

function slackLine(change: ChangeRow): string {
  const d = change.data;
  const who = [
    d.accountExternalId && `account ${d.accountExternalId}`,
    d.userExternalId && `user ${d.userExternalId}`,
  ]
    .filter(Boolean)
    .join(', ');
  if (change.kind === 'EVENT') return `*${d.event}*${who ? ` by ${who}` : ''} at ${d.timestamp}`;
  return `*${change.type}*${who ? ` for ${who}` : ''}: ${JSON.stringify(change.old_value)} → ${JSON.stringify(change.new_value)}`;
}

/** How each kind shapes a request from changes (already collapsed and cut to its batch size). */
export const REQUEST_SHAPES: Record<
  DestinationKind,
  (changes: ChangeRow[], batched: boolean) => Omit<RequestContent, 'idempotencyKey'>
> = {
  WEBHOOK: (changes, batched) => {
    if (!batched && changes.length === 1) {
      return { method: 'POST', type: changes[0].type, body: JSON.stringify(message(changes[0])) };
    }
    const body = {
      type: 'changes.batch',
      timestamp: new Date().toISOString(),
      data: { idempotencyKey: idempotencyKeyOf(changes), changes: changes.map(message) },
    };
    return { method: 'POST', type: 'changes.batch', body: JSON.stringify(body) };
  },
  SLACK: (changes) => ({
    method: 'POST',
    type: 'slack.message',
    body: JSON.stringify({ text: changes.map(slackLine).join('\n') }),
  }),
  HUBSPOT: (changes) => ({
    method: 'POST',
    type: 'hubspot.batch_upsert',
    body: JSON.stringify({
      inputs: crmRecords(changes).map((r) => ({
        idProperty: 'harmony_external_id',
        id: r.id,
        properties: r.properties,
      })),
    }),
  }),
  SALESFORCE: (changes) => ({
    method: 'PATCH',
    type: 'salesforce.composite_upsert',
    body: JSON.stringify({
      allOrNone: false,
      records: crmRecords(changes).map((r) => ({
        attributes: { type: 'Account' },
        Harmony_External_Id__c: r.id,
        ...r.properties,
      })),
    }),
  }),
};

/** The request for a group of changes to a destination of this kind. */
export function requestFor(
  kind: DestinationKind,
  changes: ChangeRow[],
  batched: boolean,
): RequestContent {
  return { ...REQUEST_SHAPES[kind](changes, batched), idempotencyKey: idempotencyKeyOf(changes) };
}
