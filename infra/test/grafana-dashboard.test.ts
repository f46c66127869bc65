import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EXTERNAL_METRICS, METRICS, TEMPORAL_SDK_METRICS } from '@refinery/core/metrics';

/**
 * infra/grafana/refinery.json is a Grafana dashboard (the classic JSON model, as exported and
 * imported by Grafana and its file provisioning) whose every query reads a metric the code
 * defines, so renaming a metric without the dashboard (or the reverse) fails here.
 */
const DASHBOARD = new URL('../grafana/refinery.json', import.meta.url);

const Datasource = z.object({ type: z.literal('prometheus'), uid: z.literal('${datasource}') });
const GridPos = z.object({ h: z.number().int().positive(), w: z.number().int().min(1).max(24), x: z.number().int().min(0).max(23), y: z.number().int().min(0) });
const Row = z.object({ id: z.number().int().positive(), type: z.literal('row'), title: z.string().min(1), gridPos: GridPos, collapsed: z.boolean(), panels: z.array(z.unknown()) });
const QueryPanel = z.object({
  id: z.number().int().positive(),
  type: z.enum(['timeseries', 'bargauge', 'stat', 'gauge', 'table']),
  title: z.string().min(1),
  description: z.string().min(1),
  datasource: Datasource,
  gridPos: GridPos,
  fieldConfig: z.object({ defaults: z.object({ unit: z.string().min(1) }).loose(), overrides: z.array(z.unknown()) }),
  targets: z.array(z.object({ refId: z.string().regex(/^[A-Z]$/), datasource: Datasource, expr: z.string().min(1), legendFormat: z.string() })).min(1),
});
const DashboardSchema = z.object({
  title: z.string().min(1),
  uid: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'Grafana uids are at most 40 letters, digits, "-" or "_"'),
  schemaVersion: z.number().int().min(36),
  version: z.number().int().min(0),
  tags: z.array(z.string()),
  time: z.object({ from: z.string(), to: z.string() }),
  refresh: z.string(),
  editable: z.boolean(),
  annotations: z.object({ list: z.array(z.unknown()) }),
  templating: z.object({
    list: z.array(z.object({ name: z.string(), type: z.string(), query: z.unknown() }).loose()).refine((l) => l.some((v) => v.type === 'datasource' && v.query === 'prometheus' && v.name === 'datasource'), 'needs a Prometheus datasource variable named "datasource"'),
  }),
  panels: z.array(z.union([Row, QueryPanel])).min(1),
});

const dashboard = DashboardSchema.parse(JSON.parse(readFileSync(DASHBOARD, 'utf8')));
const queryPanels = dashboard.panels.filter((p): p is z.infer<typeof QueryPanel> => p.type !== 'row');

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'le', 'inf', 'nan']);
/** The metric names a PromQL expression reads: what is left after labels, ranges, strings, grouping clauses, functions and numbers. */
function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  return [...stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)]
    .filter((m) => !/^\s*\(/.test(stripped.slice(m.index + m[0].length)) && !/[\d.]$/.test(stripped.slice(0, m.index)))
    .map((m) => m[0])
    .filter((n) => !KEYWORDS.has(n.toLowerCase()));
}

/** The series each defined metric exposes (histograms: _bucket, _count, _sum). */
const exposed = new Map<string, string>();
for (const m of Object.values(METRICS)) {
  const series = m.kind === 'histogram' ? ['_bucket', '_count', '_sum'].map((s) => m.name + s) : [m.name];
  for (const s of series) exposed.set(s, m.name);
}
for (const name of Object.values(TEMPORAL_SDK_METRICS)) for (const s of [name, `${name}_bucket`, `${name}_count`, `${name}_sum`]) exposed.set(s, name);
for (const name of Object.values(EXTERNAL_METRICS)) exposed.set(name, name);

describe('the Grafana dashboard (infra/grafana/refinery.json)', () => {
  it('is a Grafana dashboard model: unique panel ids, panels within the 24-column grid and not overlapping', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w, `panel "${p.title}" is wider than the grid`).toBeLessThanOrEqual(24);
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect(cells.has(`${x},${y}`), `panel "${p.title}" overlaps another at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  it('reads only metrics the code defines (or the Temporal SDK and DCGM export), and shows every metric the code defines', () => {
    const used = new Set<string>();
    for (const p of queryPanels) {
      for (const t of p.targets) {
        const names = metricNamesIn(t.expr);
        expect(names.length, `panel "${p.title}" query ${t.refId} reads no metric: ${t.expr}`).toBeGreaterThan(0);
        for (const n of names) {
          expect(exposed.has(n), `panel "${p.title}" reads ${n}, which no code defines (packages/core/src/metrics.ts)`).toBe(true);
          used.add(exposed.get(n)!);
        }
      }
    }
    const all = [...Object.values(METRICS).map((m) => m.name), ...Object.values(TEMPORAL_SDK_METRICS), ...Object.values(EXTERNAL_METRICS)];
    expect(all.filter((n) => !used.has(n))).toEqual([]);
  });

  it('finds metric names in PromQL the way the check above needs', () => {
    expect(metricNamesIn('histogram_quantile(0.95, sum by (le, route) (rate(refinery_api_request_duration_seconds_bucket{status=~"5.."}[5m])))')).toEqual(['refinery_api_request_duration_seconds_bucket']);
    expect(metricNamesIn('refinery_trainer_tokens_per_second and on (instance, pool) (refinery_trainer_jobs_running > 0)')).toEqual(['refinery_trainer_tokens_per_second', 'refinery_trainer_jobs_running']);
    expect(metricNamesIn('max by (status) (refinery_runs)')).toEqual(['refinery_runs']);
  });
});
