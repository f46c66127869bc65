import { describe, expect, it } from 'vitest';
import { takeHomeCommands, type ModelDetail } from '@refinery/core';
import { pickVersion } from '../src/commands/models';

const version = (n: number) => ({ id: `v${n}`, version: n, runId: `r${n}`, createdAt: '', aliases: [], record: {} }) as unknown as ModelDetail['versions'][number];
const model = { project: 'p', name: 'router', latestVersion: 3, aliases: { production: 2, v1: 3 }, affectedAliases: [], createdAt: '', versions: [version(1), version(2), version(3)], history: [] } as ModelDetail;

describe('refinery models pull: which version', () => {
  it('by alias, by v<N>, by --version; an alias named like a version wins', () => {
    expect(pickVersion(model, { alias: 'production' }).version).toBe(2);
    expect(pickVersion(model, { alias: 'v2' }).version).toBe(2);
    expect(pickVersion(model, { alias: 'v1' }).version).toBe(3);
    expect(pickVersion(model, { alias: null }, 1).version).toBe(1);
  });

  it('says what is missing', () => {
    expect(() => pickVersion(model, { alias: 'staging' })).toThrow(/has no alias staging \(aliases: production, v1\)/);
    expect(() => pickVersion(model, { alias: 'v9' })).toThrow(/has no version 9/);
    expect(() => pickVersion(model, { alias: null })).toThrow(/name the version/);
    expect(() => pickVersion(model, { alias: 'production' }, 1)).toThrow(/name the version once/);
  });
});

describe('the model page\'s "Take it home" commands', () => {
  it('name the alias (or v<N>), the project, the directory pull writes and the Ollama model', () => {
    const v = (aliases: string[], formats: string[]) => ({ version: 4, aliases, record: { ggufs: formats.map((format) => ({ format })) } });
    expect(takeHomeCommands({ project: 'demo', name: 'router' }, v(['production'], ['f16', 'q8_0']))).toEqual({
      format: 'q8_0',
      pull: 'refinery models pull router@production -p demo',
      create: 'cd router-v4 && ollama create router:v4 -f Modelfile && ollama run router:v4',
    });
    expect(takeHomeCommands({ project: 'demo', name: 'router' }, v([], ['q4_K_M', 'f16']))?.pull).toBe('refinery models pull router@v4 -p demo');
    expect(takeHomeCommands({ project: 'demo', name: 'router' }, v([], []))).toBeNull();
  });
});
