import { Arg, Authorized, Resolver, Root, Subscription } from 'type-graphql';
import type { RequestContext } from '../context/request-context';
import { WindowInput } from '../metrics';
import type { MetricChange } from './metric-watch';
import { MetricChangeType } from './live.types';

/** Thin subscription resolvers over LiveService. */
@Resolver()
export class MetricChangedResolver {
  @Authorized('read')
  @Subscription(() => MetricChangeType, {
    description:
      'The value of a metric over a window, live: the current value at once, then every new ' +
      'value when a committed write to its inputs changes it (REALTIME metrics within a second ' +
      'of ingested events; every tier at once after entity writes), and when a relative window ' +
      'slides. Values equal to the last one sent are not sent again. Needs the `read` scope.',
    subscribe: ({ args, context }) =>
      (context as RequestContext).services.live.metricChanges(args.name, args.window),
  })
  metricChanged(
    @Root() change: MetricChange,
    @Arg('name', { description: 'The metric name, e.g. `mrr` (see `metricDefinitions`).' })
    _name: string,
    @Arg('window', () => WindowInput, {
      description:
        'The window, as in `metric(name, window)`: absolute or relative, with a time zone.',
    })
    _window: WindowInput,
  ): MetricChange {
    return change;
  }
}
