import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/**
 * Validates OpenLineage RunEvents against the upstream JSON Schemas committed under
 * test/fixtures/openlineage (see its README for their source and versions): the event against
 * OpenLineage.json's RunEvent, and every facet against the facet schema its `_schemaURL` names,
 * which must be one of the committed copies and must define a facet under the key it is sent as.
 */
export const OPENLINEAGE_TEST_API_KEY = 'openlineage-test-key';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'openlineage');
const CORE_ID = 'https://openlineage.io/spec/2-0-2/OpenLineage.json';

type Schema = { $id: string; properties?: Record<string, unknown> };
const readSchema = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Schema;

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const facetFiles = new Map<string, Schema>();
ajv.addSchema(readSchema(join(FIXTURES, 'OpenLineage.json')));
for (const name of readdirSync(join(FIXTURES, 'facets'))) {
  const schema = readSchema(join(FIXTURES, 'facets', name));
  facetFiles.set(schema.$id, schema);
  ajv.addSchema(schema);
}
const runEvent = ajv.compile({ $ref: `${CORE_ID}#/$defs/RunEvent` });

const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
const byUrl = (url: string) => {
  if (!compiled.has(url)) compiled.set(url, ajv.compile({ $ref: url }));
  return compiled.get(url)!;
};

const errorsOf = (v: { errors?: { instancePath: string; message?: string }[] | null }) => (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');

type Facets = Record<string, { _schemaURL?: string }> | undefined;

/** Every problem with the event, as "where: what"; empty when it is valid. */
export function openLineageProblems(event: unknown): string[] {
  const problems: string[] = [];
  if (!runEvent(event)) problems.push(`RunEvent: ${errorsOf(runEvent)}`);
  const e = event as {
    run?: { facets?: Facets };
    job?: { facets?: Facets };
    inputs?: { name: string; facets?: Facets; inputFacets?: Facets }[];
    outputs?: { name: string; facets?: Facets; outputFacets?: Facets }[];
  };
  const groups: [string, Facets][] = [
    ['run.facets', e.run?.facets],
    ['job.facets', e.job?.facets],
    ...(e.inputs ?? []).flatMap((d, i): [string, Facets][] => [[`inputs[${i}].facets`, d.facets], [`inputs[${i}].inputFacets`, d.inputFacets]]),
    ...(e.outputs ?? []).flatMap((d, i): [string, Facets][] => [[`outputs[${i}].facets`, d.facets], [`outputs[${i}].outputFacets`, d.outputFacets]]),
  ];
  for (const [where, facets] of groups) {
    for (const [key, facet] of Object.entries(facets ?? {})) {
      const url = facet._schemaURL ?? '';
      const file = facetFiles.get(url.split('#')[0]!);
      if (!file) {
        problems.push(`${where}.${key}: _schemaURL ${JSON.stringify(url)} is not one of the committed facet schemas`);
        continue;
      }
      if (!file.properties?.[key]) {
        problems.push(`${where}.${key}: ${file.$id} defines no facet named "${key}"`);
        continue;
      }
      // The facet under its key, against the facet file (its $defs via the property), and against the definition its URL points to.
      for (const [what, validate] of [
        ['file', ajv.getSchema(file.$id)!],
        ['_schemaURL', byUrl(url)],
      ] as const) {
        const ok = what === 'file' ? validate({ [key]: facet }) : validate(facet);
        if (!ok) problems.push(`${where}.${key} (${what}): ${errorsOf(validate)}`);
      }
    }
  }
  return problems;
}
