import { Field, Float, Int, ObjectType } from 'type-graphql';
import { FreshnessTierEnum, MetricWindow } from '../metrics';

@ObjectType('MetricChange', {
  description:
    'A new value of a metric over a window, sent by `metricChanged`: first the current value, ' +
    'then each value that differs from the last one sent.',
})
export class MetricChangeType {
  @Field({ description: 'The metric, as named in `metricChanged(name)`.' })
  name: string;

  @Field(() => MetricWindow, {
    description:
      'The absolute window the value was computed over; a relative window (LAST_30_DAYS) moves ' +
      'with time, and a move that changes the value is sent too.',
  })
  window: MetricWindow;

  @Field(() => Float, {
    description: 'The metric over the window: what `metric(name, window) { total }` answers now.',
  })
  value: number;

  @Field(() => Float, {
    nullable: true,
    description: 'The value this subscription was sent before this one; null in the first message.',
  })
  previousValue: number | null;

  @Field({ description: 'When the value was computed (the start of its SQL evaluation).' })
  computedAt: Date;

  @Field(() => FreshnessTierEnum, {
    description:
      "The metric's freshness tier, which sets how soon ingested events show: REALTIME within a " +
      'second, the other tiers within their promise; entity writes (upserts, subscription ' +
      'changes) show at once in every tier.',
  })
  tier: keyof typeof FreshnessTierEnum;

  @Field(() => Int, { description: 'The definition version the value was computed with.' })
  definitionVersion: number;
}
