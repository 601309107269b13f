import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { DefinitionError, validateCatalog } from './catalog-validation';
import { metricDefinitionSchema, type MetricDefinition } from './definition';

/** The built-in catalog's folder: `schema/metrics/` at the repository root (also from dist/). */
export const CATALOG_DIR = [
  path.resolve(__dirname, '..', '..', 'schema', 'metrics'),
  path.resolve(__dirname, '..', '..', '..', 'schema', 'metrics'),
].find((candidate) => fs.existsSync(candidate))!;

export type CatalogEntry = { definition: MetricDefinition; file: string };

/**
 * Reads every `*.yml` under the folder (each `metrics: [...]`), validates each entry and the
 * whole set (references, cycles, dimensions). Errors name the file, the metric and the field.
 */
export function loadCatalog(directory: string = CATALOG_DIR): CatalogEntry[] {
  const files = fs
    .readdirSync(directory)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort();
  const entries = files.flatMap((file) =>
    parseCatalogFile(
      path.join('schema', 'metrics', file),
      fs.readFileSync(path.join(directory, file), 'utf8'),
    ),
  );
  validateCatalog(entries.map((e) => ({ definition: e.definition, origin: { file: e.file } })));
  return entries;
}

/** Parses one YAML file's text; `file` is only used in messages. */
export function parseCatalogFile(file: string, text: string): CatalogEntry[] {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new DefinitionError(file, '-', '-', `not valid YAML: ${(error as Error).message}`);
  }
  const metrics = (document as { metrics?: unknown } | null)?.metrics;
  if (!Array.isArray(metrics)) {
    throw new DefinitionError(file, '-', 'metrics', 'expected a top-level "metrics:" list');
  }
  return metrics.map((raw, index) => ({ definition: parseDefinition(raw, file, index), file }));
}

/** Validates one definition object (YAML entry or defineMetric input). */
export function parseDefinition(raw: unknown, file: string, index = 0): MetricDefinition {
  const result = metricDefinitionSchema.safeParse(raw);
  if (result.success) return result.data;
  const name =
    typeof (raw as { name?: unknown })?.name === 'string'
      ? (raw as { name: string }).name
      : `#${index + 1}`;
  const issue = result.error.issues[0];
  throw new DefinitionError(file, name, fieldOf(issue), issue.message);
}

function fieldOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return issue.keys.join(', ');
  return issue.path.length ? issue.path.map(String).join('.') : 'type';
}
