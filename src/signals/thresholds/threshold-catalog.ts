import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { HarmonyError } from '../../shared/errors';
import { thresholdDefinitionSchema, type ThresholdDefinition } from './threshold-definition';

/** `schema/thresholds/` at the repository root (also from dist/). */
export const THRESHOLDS_DIR = [
  path.resolve(__dirname, '..', '..', '..', 'schema', 'thresholds'),
  path.resolve(__dirname, '..', '..', '..', '..', 'schema', 'thresholds'),
].find((candidate) => fs.existsSync(candidate));

/** Validates one definition object; the error names where it came from, the threshold and the field. */
export function parseThreshold(raw: unknown, origin: string): ThresholdDefinition {
  const result = thresholdDefinitionSchema.safeParse(raw);
  if (result.success) return result.data;
  const name =
    typeof (raw as { name?: unknown })?.name === 'string' ? (raw as { name: string }).name : '-';
  const issue = result.error.issues[0];
  const field =
    issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.') || '-';
  throw new HarmonyError(
    'BAD_USER_INPUT',
    `${origin}: threshold "${name}", field "${field}": ${issue.message}`,
    { threshold: name, field },
  );
}

/** Every `thresholds:` entry of `schema/thresholds/*.yml`. */
export function loadThresholdCatalog(
  directory: string | undefined = THRESHOLDS_DIR,
): Array<{ definition: ThresholdDefinition; file: string }> {
  if (!directory || !fs.existsSync(directory)) return [];
  return fs
    .readdirSync(directory)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort()
    .flatMap((file) => {
      const shown = path.join('schema', 'thresholds', file);
      const document = parseYaml(fs.readFileSync(path.join(directory, file), 'utf8')) as {
        thresholds?: unknown[];
      } | null;
      if (!Array.isArray(document?.thresholds)) {
        throw new HarmonyError(
          'BAD_USER_INPUT',
          `${shown}: expected a top-level "thresholds:" list`,
        );
      }
      return document.thresholds.map((raw) => ({
        definition: parseThreshold(raw, shown),
        file: shown,
      }));
    });
}
