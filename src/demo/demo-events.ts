import type { EntityManager } from 'typeorm';
import {
  createEventStage,
  ensureEventDefinitions,
  loadStagedEvents,
  stageEvents,
  type EventDefinitionSpec,
  type StagedEvent,
} from './bulk-events';
import { createRandom, type Random } from './random';

/** How far back the demo's product events go. */
export const DEMO_EVENT_DAYS = 90;
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

const DEFINITIONS: EventDefinitionSpec[] = [
  { key: 'Signed In', category: 'engagement', description: 'A user signed in to the product.' },
  { key: 'Report Viewed', category: 'feature', description: 'A report was opened.' },
  { key: 'Report Created', category: 'feature', description: 'A new report was saved.' },
  { key: 'Dashboard Shared', category: 'collaboration', description: 'A dashboard was shared.' },
  { key: 'Export Run', category: 'feature', description: 'Data was exported (CSV, PDF).' },
  {
    key: 'Integration Connected',
    category: 'feature',
    description: 'A data source was connected.',
  },
  { key: 'Invite Sent', category: 'collaboration', description: 'A teammate was invited.' },
  { key: 'Help Clicked', category: 'support', description: 'The in-app help was opened.' },
  { key: 'Demo Requested', category: 'sales', description: 'A user asked for a sales demo.' },
];
const FEATURES = {
  'Report Viewed': 40,
  'Report Created': 12,
  'Dashboard Shared': 8,
  'Export Run': 10,
  'Integration Connected': 3,
} as const;

type Member = {
  user_id: string;
  account_id: string;
  role_code: string;
  /** When the user could first have been active: the later of signup and joining. */
  since: Date;
  /** Account has a subscription in force now (not canceled). */
  subscribed: boolean;
  on_free_plan: boolean;
};

/**
 * Ninety days of realistic product events for the demo accounts' current members, ending at
 * `now`: sign-ins followed by feature use, invites, now and then "Help Clicked", and a few
 * "Demo Requested" from accounts on free plans. Administrators of subscribed accounts are
 * active nearly every weekday (so admin-activity metrics have something to show); members are
 * active in proportion to their account's engagement; users who joined during the period get a
 * first session of two to eight actions (some activate, some do not). Same seed, same events.
 */
export async function writeDemoEvents(
  manager: EntityManager,
  options: { seed: number; now: Date },
): Promise<{ events: number }> {
  const members: Member[] = await manager.query(
    `SELECT m.user_id::text, m.account_id::text, m.role_code,
            greatest(u.created_at, m.joined_at) AS since,
            EXISTS (SELECT 1 FROM subscriptions s WHERE s.account_id = a.id AND s.deleted_at IS NULL
                    AND s.status_code <> 'CANCELED' AND s.started_at <= $1
                    AND (s.ended_at IS NULL OR s.ended_at > $1)) AS subscribed,
            NOT EXISTS (SELECT 1 FROM subscriptions s JOIN plans p ON p.id = s.plan_id
                        WHERE s.account_id = a.id AND p.is_paid AND s.status_code <> 'CANCELED'
                          AND (s.ended_at IS NULL OR s.ended_at > $1)) AS on_free_plan
     FROM memberships m
     JOIN users u ON u.id = m.user_id AND u.deleted_at IS NULL
     JOIN accounts a ON a.id = m.account_id AND a.deleted_at IS NULL
     WHERE m.deleted_at IS NULL AND m.left_at IS NULL
     ORDER BY m.id`,
    [options.now.toISOString()],
  );
  if (members.length === 0) return { events: 0 };
  const ids = await ensureEventDefinitions(manager, DEFINITIONS, 'demo');
  const random = createRandom(options.seed * 7919 + 3);
  const engagement = new Map<string, number>();
  const events: StagedEvent[] = [];
  const end = options.now.getTime();
  const start = dayStart(end - DEMO_EVENT_DAYS * DAY_MS);
  for (const member of members) {
    if (!engagement.has(member.account_id))
      engagement.set(member.account_id, random.float(0.15, 0.9));
    const since = new Date(member.since).getTime();
    const emit = (event: string, at: number, properties: Record<string, unknown> = {}) => {
      if (at >= end) return;
      events.push({
        definitionId: ids.get(event)!,
        userId: member.user_id,
        accountId: member.account_id,
        occurredAt: new Date(at),
        messageId: `demo-${member.user_id}-${member.account_id}-${events.length}`,
        properties,
      });
    };
    let firstSession = since >= start;
    for (let day = Math.max(start, dayStart(since)); day < end; day += DAY_MS) {
      const weekend = [0, 6].includes(new Date(day).getUTCDay());
      const active = firstSession || random.chance(activityChance(member, engagement, weekend));
      if (!active) continue;
      const sessionStart = Math.max(day + random.int(7 * 60, 18 * 60) * MINUTE_MS, since);
      const actions = firstSession ? random.int(2, 8) : random.int(1, 6);
      writeSession(random, member, sessionStart, actions, emit);
      firstSession = false;
    }
  }
  await createEventStage(manager);
  await stageEvents(manager, events);
  return { events: await loadStagedEvents(manager) };
}

function activityChance(member: Member, engagement: Map<string, number>, weekend: boolean) {
  const level = engagement.get(member.account_id)! * (member.subscribed ? 1 : 0.15);
  if (member.role_code === 'ADMINISTRATOR' && member.subscribed) return weekend ? 0.25 : 0.92;
  if (member.role_code === 'BILLING' || member.role_code === 'GUEST') return level * 0.1;
  return level * (weekend ? 0.08 : 0.45);
}

/** A sign-in followed by `actions - 1` product actions a few minutes apart. */
function writeSession(
  random: Random,
  member: Member,
  at: number,
  actions: number,
  emit: (event: string, at: number, properties?: Record<string, unknown>) => void,
): void {
  emit('Signed In', at, { method: random.pick(['password', 'google', 'sso']) });
  for (let i = 1; i < actions; i++) {
    at += random.int(1, 9) * MINUTE_MS;
    const feature = random.weighted(FEATURES);
    emit(feature, at, { source: random.pick(['web', 'web', 'mobile']) });
  }
  if (random.chance(0.04)) emit('Invite Sent', at + MINUTE_MS, { role: 'MEMBER' });
  if (random.chance(0.03)) emit('Help Clicked', at + 2 * MINUTE_MS, { article: random.int(1, 40) });
  if (member.on_free_plan && random.chance(0.01))
    emit('Demo Requested', at + 3 * MINUTE_MS, { seats: random.int(5, 50) });
}

function dayStart(time: number): number {
  return Math.floor(time / DAY_MS) * DAY_MS;
}
