import {
  DIMENSIONS,
  REVENUE_MEASURE_TRAITS,
  referencedMetrics,
  type Dimension,
  type MetricDefinition,
} from './definition';
import { identifiersOf, parseExpression } from './expression';

/** Where a definition came from, for error messages: a YAML file or the API. */
export type DefinitionOrigin = { file: string };

/** A definition problem that names the file, the metric and the field. */
export class DefinitionError extends Error {
  constructor(
    readonly file: string,
    readonly metric: string,
    readonly field: string,
    problem: string,
  ) {
    super(`${file}: metric "${metric}", field "${field}": ${problem}`);
    this.name = 'DefinitionError';
  }
}

const NO_PLAN: Dimension[] = ['industry', 'employee_count_band', 'account'];

/**
 * Dimensions a definition can be grouped by at all: revenue movements and retention are
 * per account, so they cannot split by plan; composites support what all inputs support.
 */
export function supportedDimensions(
  definition: MetricDefinition,
  lookup: (name: string) => MetricDefinition | undefined,
  seen: Set<string> = new Set(),
): Dimension[] {
  if (definition.type === 'revenue') {
    return REVENUE_MEASURE_TRAITS[definition.measure].byPlan ? [...DIMENSIONS] : NO_PLAN;
  }
  // Imported actuals are company-wide figures: nothing to split them by.
  if (definition.type === 'actuals') return [];
  if (!['ratio', 'derived', 'cumulative'].includes(definition.type)) return [...DIMENSIONS];
  if (seen.has(definition.name)) return [];
  seen.add(definition.name);
  let supported: Dimension[] = [...DIMENSIONS];
  for (const name of referencedMetrics(definition, identifiersFor(definition))) {
    const input = lookup(name);
    if (!input) continue;
    const inner = supportedDimensions(input, lookup, seen);
    supported = supported.filter((d) => inner.includes(d));
  }
  return supported;
}

function identifiersFor(definition: MetricDefinition): string[] {
  return definition.type === 'derived' ? identifiersOf(parseExpression(definition.expression)) : [];
}

/**
 * Checks a whole catalog: names unique, expressions parse, references exist, no cycles, and
 * declared dimensions supported. Throws the first DefinitionError.
 */
export function validateCatalog(
  entries: Array<{ definition: MetricDefinition; origin: DefinitionOrigin }>,
): void {
  const byName = new Map<string, { definition: MetricDefinition; origin: DefinitionOrigin }>();
  for (const entry of entries) {
    const earlier = byName.get(entry.definition.name);
    if (earlier) {
      throw new DefinitionError(
        entry.origin.file,
        entry.definition.name,
        'name',
        `already defined in ${earlier.origin.file}`,
      );
    }
    byName.set(entry.definition.name, entry);
  }
  const lookup = (name: string) => byName.get(name)?.definition;
  for (const { definition, origin } of entries) {
    let identifiers: string[] = [];
    if (definition.type === 'derived') {
      try {
        identifiers = identifiersOf(parseExpression(definition.expression));
      } catch (error) {
        throw new DefinitionError(
          origin.file,
          definition.name,
          'expression',
          (error as Error).message,
        );
      }
    }
    for (const name of referencedMetrics(definition, identifiers)) {
      if (!byName.has(name)) {
        throw new DefinitionError(
          origin.file,
          definition.name,
          referenceField(definition),
          `unknown metric "${name}"`,
        );
      }
    }
  }
  for (const { definition, origin } of entries) {
    const cycle = findCycle(definition.name, lookup, []);
    if (cycle) {
      throw new DefinitionError(
        origin.file,
        definition.name,
        referenceField(definition),
        `cycle between metrics: ${cycle.join(' -> ')}`,
      );
    }
    const supported = supportedDimensions(definition, lookup);
    const unsupported = definition.dimensions.filter((d) => !supported.includes(d));
    if (unsupported.length) {
      throw new DefinitionError(
        origin.file,
        definition.name,
        'dimensions',
        `"${unsupported.join('", "')}" not supported; expected some of: ${supported.join(', ')}`,
      );
    }
  }
}

function referenceField(definition: MetricDefinition): string {
  if (definition.type === 'ratio') return 'numerator';
  if (definition.type === 'derived') return 'expression';
  return 'metric';
}

/** The path of a cycle through `name`, or null. */
function findCycle(
  name: string,
  lookup: (name: string) => MetricDefinition | undefined,
  path: string[],
): string[] | null {
  if (path.includes(name)) return [...path.slice(path.indexOf(name)), name];
  const definition = lookup(name);
  if (!definition) return null;
  for (const next of referencedMetrics(definition, identifiersFor(definition))) {
    const cycle = findCycle(next, lookup, [...path, name]);
    if (cycle) return cycle;
  }
  return null;
}
