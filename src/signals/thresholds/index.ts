/** Thresholds with hysteresis and the PQL score, as the rest of Harmony uses them. */
export { ThresholdService, THRESHOLD_TOPIC } from './threshold.service';
export { ThresholdResolver } from './threshold.resolver';
export { ThresholdTrigger, signalsViewProvider } from './threshold-trigger';
export { ScoreService } from '../pql/score.service';
export { AccountSignalsResolver, AccountSignalsFieldsResolver } from '../account-signals.resolver';
