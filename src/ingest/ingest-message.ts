/** The kinds of Segment calls Harmony understands. */
export const MESSAGE_TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** The calls that become a row in `events`; identify, group and alias only change entities. */
export const EVENT_TYPES: ReadonlySet<MessageType> = new Set(['track', 'page', 'screen']);

/** A message that passed validation, in the shape the writer needs. */
export type IngestMessage = {
  /** Position in the request, for answers and for the order messages apply in. */
  index: number;
  type: MessageType;
  messageId: string;
  userId: string | null;
  anonymousId: string | null;
  /** Event name: `event` of a track, "Page Viewed" / "Screen Viewed" for page and screen. */
  event: string | null;
  /** `groupId` of a group call. */
  groupId: string | null;
  /** `previousId` of an alias call (an anonymous id). */
  previousId: string | null;
  /** The account an event belongs to, from `context.groupId`. */
  contextGroupId: string | null;
  traits: Record<string, unknown>;
  properties: Record<string, unknown>;
  context: Record<string, unknown>;
  occurredAt: Date;
  /** When Harmony received the request that carried it. */
  receivedAt: Date;
};

/** Why one message of a request was refused; the rest of the request is still stored. */
export type RejectionReason =
  | 'message_too_large'
  | 'invalid_type'
  | 'no_user_anon_id'
  | 'missing_event'
  | 'missing_group_id'
  | 'missing_previous_id'
  | 'message_id_too_long'
  | 'invalid_timestamp'
  | 'invalid_field';

export type Rejection = {
  index: number;
  messageId: string | null;
  reason: RejectionReason;
  message: string;
};
