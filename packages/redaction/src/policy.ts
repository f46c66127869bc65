import { createHash } from 'node:crypto';
import { z } from 'zod';
import { findPatternProblems } from './patternSafety';
import { ENTITY_TYPES, REDACTION_ACTIONS, isBuiltInEntityType, type RedactionAction } from './types';

export const EntityTypeSchema = z.enum(ENTITY_TYPES);
export const RedactionActionSchema = z.enum(REDACTION_ACTIONS);

/** Custom entity names become placeholders like [CUSTOMER_ID], so keep them upper snake case. */
const EntityNameSchema = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{0,39}$/, 'use UPPER_SNAKE_CASE, 1-40 characters, starting with a letter');

const CustomPatternSchema = z
  .object({
    name: EntityNameSchema,
    pattern: z.string().min(1).max(1000),
  })
  .strict();

const DenyListSchema = z
  .object({
    name: EntityNameSchema,
    values: z.array(z.string().min(1).max(1000)).min(1).max(100_000),
  })
  .strict();

/**
 * The `redaction:` section of a RunSpec. Unknown fields are rejected (a misspelt key must not
 * silently leave data unredacted). `overrides` may name built-in types and the policy's own
 * custom/deny-list names.
 */
export const RedactionPolicySchema = z
  .object({
    entities: z.array(EntityTypeSchema).default([...ENTITY_TYPES]),
    action: RedactionActionSchema.default('mask'),
    overrides: z.record(z.string(), RedactionActionSchema).optional(),
    custom: z.array(CustomPatternSchema).optional(),
    denyList: z.array(DenyListSchema).optional(),
    /**
     * Types deliberately left in the data (not in `entities`): the verification gate, which
     * otherwise scans for every type, does not count them. Leaving a type out of `entities` alone
     * fails the gate, so keeping PII is always a visible decision in the spec.
     */
    keep: z.array(EntityTypeSchema).optional(),
    /**
     * What the verification gate does when its second opinion (secondOpinion.ts, built without
     * the detectors' resources) suspects PII left in the output: 'review' lets the run go on and
     * lists the suspicions in the redact report, 'fail' stops the run, 'off' skips the check.
     */
    secondOpinion: z.enum(['review', 'fail', 'off']).default('review'),
  })
  .strict()
  .superRefine((policy, ctx) => {
    policy.custom?.forEach((custom, index) => {
      const problems = findPatternProblems(custom.pattern);
      let syntaxError: string | undefined;
      try {
        new RegExp(custom.pattern, 'u');
      } catch (error) {
        syntaxError = `not a valid regular expression (${(error as Error).message})`;
      }
      for (const problem of syntaxError ? [syntaxError] : problems) {
        ctx.addIssue({ code: 'custom', path: ['custom', index, 'pattern'], message: problem });
      }
    });
    for (const type of policy.keep ?? []) {
      if (policy.entities.includes(type)) ctx.addIssue({ code: 'custom', path: ['keep'], message: `${type} is both redacted (entities) and kept; remove it from one of them` });
    }
    const names = [...(policy.custom ?? []), ...(policy.denyList ?? [])].map((entry) => entry.name);
    names.forEach((name, index) => {
      if (isBuiltInEntityType(name) || names.indexOf(name) !== index) {
        ctx.addIssue({ code: 'custom', path: ['custom'], message: `entity name ${name} is already used; pick a unique name` });
      }
    });
    for (const key of Object.keys(policy.overrides ?? {})) {
      if (!isBuiltInEntityType(key) && !names.includes(key)) {
        ctx.addIssue({ code: 'custom', path: ['overrides', key], message: `unknown entity type ${key}; use a built-in type or a custom/denyList name` });
      }
    }
  });

export type RedactionPolicyInput = z.input<typeof RedactionPolicySchema>;
export type RedactionPolicy = z.output<typeof RedactionPolicySchema>;

export function parseRedactionPolicy(input: unknown): RedactionPolicy {
  return RedactionPolicySchema.parse(input ?? {});
}

/** The action that applies to an entity type under this policy. */
export function actionFor(policy: RedactionPolicy, type: string): RedactionAction {
  return policy.overrides?.[type] ?? policy.action;
}

/** Every entity type the policy scans for: built-ins, then custom and deny-list names. */
export function policyEntityTypes(policy: RedactionPolicy): string[] {
  return [...policy.entities, ...(policy.custom ?? []).map((c) => c.name), ...(policy.denyList ?? []).map((d) => d.name)];
}

/**
 * sha256 of the canonical policy (redaction settings only): defaults applied, object keys sorted, entity list sorted and
 * de-duplicated — two policies that redact identically hash identically.
 */
export function policyHash(policy: RedactionPolicy): string {
  // The second opinion only changes what the gate does, not the redacted output: not hashed.
  const canonical = { ...policy, secondOpinion: undefined, entities: [...new Set(policy.entities)].sort() };
  return createHash('sha256').update(canonicalJson(canonical)).digest('hex');
}

/** JSON with object keys sorted and undefined members left out: equal values, equal text (and hash). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
