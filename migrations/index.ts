import { Foundation1764000000000 } from './1764000000000-Foundation';
import { Events1764000001000 } from './1764000001000-Events';
import { MetricDefinitions1764000004400 } from './1764000004400-MetricDefinitions';
import { UserActiveMonths1764000004410 } from './1764000004410-UserActiveMonths';
import { LastSeenIsNotAnEdit1764000004520 } from './1764000004520-LastSeenIsNotAnEdit';
import { MonthlyActivityIsPresence1764000005000 } from './1764000005000-MonthlyActivityIsPresence';
import { RoomForHotUpdates1764000006000 } from './1764000006000-RoomForHotUpdates';
import { EntityStorageEpoch1764000007000 } from './1764000007000-EntityStorageEpoch';
import { ApiKeyChangeNotifications1764000008300 } from './1764000008300-ApiKeyChangeNotifications';
import { ShortApiKeyPrefixes1764000008310 } from './1764000008310-ShortApiKeyPrefixes';
import { Pushes1764000009400 } from './1764000009400-Pushes';
import { ChangeFeed1764000009200 } from './1764000009200-ChangeFeed';
import { AccountViews1764000009210 } from './1764000009210-AccountViews';
import { PlanEntries1764000009300 } from './1764000009300-PlanEntries';
import { Thresholds1764000009310 } from './1764000009310-Thresholds';
import { LiveInputNotifications1764000009500 } from './1764000009500-LiveInputNotifications';

/** Every migration in the order it applies; listed by hand so built and ts-node runs agree. */
export const migrations = [
  Foundation1764000000000,
  Events1764000001000,
  MetricDefinitions1764000004400,
  UserActiveMonths1764000004410,
  LastSeenIsNotAnEdit1764000004520,
  MonthlyActivityIsPresence1764000005000,
  RoomForHotUpdates1764000006000,
  EntityStorageEpoch1764000007000,
  ApiKeyChangeNotifications1764000008300,
  ShortApiKeyPrefixes1764000008310,
  Pushes1764000009400,
  ChangeFeed1764000009200,
  AccountViews1764000009210,
  PlanEntries1764000009300,
  Thresholds1764000009310,
  LiveInputNotifications1764000009500,
];
