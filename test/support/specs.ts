import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument, parse as parseYaml } from 'yaml';
import { REPO_ROOT } from '../../infra/src/toolchain';

/** The RunSpecs the tests start from: the demo (with training) and a data-only one. */
/** examples/specs/demo.yaml as `npm start` seeds it: through approval (a person) and promotion. */
export const DEMO_SPEC_FULL = readFileSync(join(REPO_ROOT, 'examples/specs/demo.yaml'), 'utf8');
/** The demo without its human step and registry: the base most tests adapt (they add those back where they test them). */
export const DEMO_SPEC = withoutSections(DEMO_SPEC_FULL, ['approval', 'promotion']);

/** YAML text without some top-level sections; the rest, comments included, as written. */
function withoutSections(text: string, sections: string[]): string {
  const doc = parseDocument(text);
  for (const section of sections) doc.delete(section);
  return doc.toString();
}

export const INGEST_ONLY_SPEC = readFileSync(join(REPO_ROOT, 'test/fixtures/ingest-only.yaml'), 'utf8');

/** A spec with some top-level lines replaced (YAML text, as a user would edit it). */
export function specWith(overrides: Record<string, string>, base = INGEST_ONLY_SPEC): string {
  let text = base;
  for (const [key, value] of Object.entries(overrides)) text = text.replace(new RegExp(`^${key}:.*$`, 'm'), `${key}: ${value}`);
  return text;
}

/** A spec as the object a client would send, to add or remove sections from. */
export const specObject = (yamlText = INGEST_ONLY_SPEC): Record<string, unknown> => parseYaml(yamlText) as Record<string, unknown>;
