import type { ThresholdDefinition } from './threshold-definition';

/**
 * The next state of one account for one threshold: pure, so the no-flapping rule is tested on
 * its own. Between the levels (ABOVE: exit <= value < enter) the state does not change.
 */
export function nextThresholdState(
  definition: Pick<ThresholdDefinition, 'direction' | 'enter' | 'exit'>,
  active: boolean,
  value: number,
): boolean {
  if (definition.direction === 'ABOVE') {
    return active ? value >= definition.exit : value >= definition.enter;
  }
  return active ? value < definition.exit : value <= definition.enter;
}
