import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src';

describe('loadConfig', () => {
  it('applies defaults and coerces numbers', () => {
    const c = loadConfig(['DATABASE_URL', 'PORT', 'TEMPORAL_ADDRESS'], { DATABASE_URL: 'postgres://u:p@h/db' });
    expect(c).toEqual({ DATABASE_URL: 'postgres://u:p@h/db', PORT: 3000, TEMPORAL_ADDRESS: 'localhost:7233' });
  });

  it('names every bad variable once, without printing the password', () => {
    let err: unknown;
    try {
      loadConfig(['DATABASE_URL', 'PORT', 'TEMPORAL_ADDRESS'], { DATABASE_URL: 'mysql://admin:hunter2@db/x', PORT: '99999', TEMPORAL_ADDRESS: 'nope' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems[0]).toBe('DATABASE_URL: must start with postgres:// or postgresql:// (got "mysql://admin:***@db/x")');
    expect(problems[1]).toMatch(/^PORT: .* \(got "99999"\)$/);
    expect(problems[2]).toMatch(/^TEMPORAL_ADDRESS: must be host:port/);
    expect((err as Error).message).not.toContain('hunter2');
  });

  it('reports a missing required variable', () => {
    expect(() => loadConfig(['DATABASE_URL'], {})).toThrow(/DATABASE_URL: .*\(not set\)/);
  });
});
