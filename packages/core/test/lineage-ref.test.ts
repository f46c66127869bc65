import { describe, expect, it } from 'vitest';
import { LINEAGE_DEFAULT_DEPTH, LineageQuerySchema, parseLineageRef } from '../src/lineage';

describe('lineage start node references', () => {
  const sha = 'AB'.repeat(32);
  it('reads each accepted form', () => {
    expect(parseLineageRef(sha)).toEqual({ kind: 'sha256', sha256: sha.toLowerCase() });
    expect(parseLineageRef(`sha256:${sha}`)).toEqual({ kind: 'sha256', sha256: sha.toLowerCase() });
    expect(parseLineageRef('art_0mx33y09sd8dac885e567')).toEqual({ kind: 'artifact', id: 'art_0mx33y09sd8dac885e567' });
    expect(parseLineageRef(' run_0mx33y09pabcdefabcdef ')).toEqual({ kind: 'run', id: 'run_0mx33y09pabcdefabcdef' });
    expect(parseLineageRef('demo/support-router@v3')).toEqual({ kind: 'version', project: 'demo', model: 'support-router', version: 3 });
    expect(parseLineageRef('demo/support-router@production')).toEqual({ kind: 'alias', project: 'demo', model: 'support-router', alias: 'production' });
  });

  it('refuses anything else', () => {
    for (const bad of ['', 'abc', sha.slice(1), 'art_short', 'support-router@v3', 'demo/support-router', 'Demo/x@v1', 'demo/x@', 'demo/x@v1.2', 'run_0mx33y09pabcdefabcdeg']) expect(parseLineageRef(bad), bad).toBeNull();
  });

  it('validates the query with defaults and bounds', () => {
    expect(LineageQuerySchema.parse({ node: 'demo/m@v1' })).toEqual({ node: 'demo/m@v1', direction: 'both', depth: LINEAGE_DEFAULT_DEPTH });
    expect(LineageQuerySchema.parse({ node: 'demo/m@v1', direction: 'up', depth: '3' }).depth).toBe(3);
    expect(LineageQuerySchema.safeParse({ node: 'demo/m@v1', depth: '0' }).success).toBe(false);
    expect(LineageQuerySchema.safeParse({ node: 'demo/m@v1', depth: '51' }).success).toBe(false);
    expect(LineageQuerySchema.safeParse({ node: 'demo/m@v1', direction: 'left' }).success).toBe(false);
    expect(LineageQuerySchema.safeParse({ node: 'x' }).error?.issues[0]?.message).toMatch(/not a lineage start node/);
    expect(LineageQuerySchema.safeParse({}).error?.issues[0]?.message).toMatch(/name the start node/);
  });
});
