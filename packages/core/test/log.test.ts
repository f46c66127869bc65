import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, loggableError, scrubSecrets, WITHHELD_MESSAGE } from '../src/log';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { lines, destination };
}

describe('JSON logger', () => {
  it('writes one JSON object per line with time, level label, process and message', () => {
    const { lines, destination } = capture();
    createLogger('pipeline-worker', { destination, level: 'info' }).child({ runId: 'run_1', stage: 'ingest', attempt: 2 }).info('polling refinery-pipeline');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', process: 'pipeline-worker', runId: 'run_1', stage: 'ingest', attempt: 2, msg: 'polling refinery-pipeline' });
    expect(new Date(lines[0]!.time as string).toISOString()).toBe(lines[0]!.time);
  });

  it('blanks secret-bearing keys up to three levels deep', () => {
    const { lines, destination } = capture();
    createLogger('web', { destination }).info(
      { password: 'hunter2', headers: { authorization: 'Bearer abc', cookie: 'session=1', 'set-cookie': 'x' }, env: { DATABASE_URL: 'postgres://u:p@h/db', REFINERY_PAYLOAD_KEYS: 'k:AAAA' }, a: { b: { token: 'rfy_x' } } },
      'request',
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of ['hunter2', 'Bearer abc', 'session=1', 'u:p@', 'k:AAAA', 'rfy_x']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ password: '[redacted]', headers: { authorization: '[redacted]', cookie: '[redacted]', 'set-cookie': '[redacted]' }, a: { b: { token: '[redacted]' } } });
  });

  it('scrubs URL credentials, API tokens and bearer values from message strings', () => {
    const token = `rfy_${'a'.repeat(43)}`;
    const { lines, destination } = capture();
    createLogger('gpu-worker', { destination }).warn(`connect postgres://refinery:s3cret@db:5432/x failed; token ${token}; header Bearer abcdefghijklmnop`);
    const msg = lines[0]!.msg as string;
    expect(msg).toBe('connect postgres://refinery:***@db:5432/x failed; token rfy_***; header Bearer ***');
    expect(scrubSecrets('nothing to hide: run_1 line 3')).toBe('nothing to hide: run_1 line 3');
  });

  it('logs an error by name, type and frames; a run error without its message (it may quote a record)', () => {
    const err = Object.assign(new Error('invalid JSON: "{"email": "a@b.example"'), { type: 'DatasetInvalid', nonRetryable: true, details: [{ rows: ['a@b.example'] }] });
    const safe = loggableError(err, { withholdMessage: true });
    expect(safe).toMatchObject({ name: 'Error', type: 'DatasetInvalid', nonRetryable: true, message: WITHHELD_MESSAGE });
    expect(JSON.stringify(safe)).not.toContain('a@b.example');
    expect((safe.stack as string[])[0]).toMatch(/^at /);
    expect(loggableError(new Error('no key at postgres://u:pw@h/db'), { withholdMessage: false }).message).toBe('no key at postgres://u:***@h/db');
  });

  it('writes `err` in that shape, whether given an Error or an already safe object', () => {
    const { lines, destination } = capture();
    const log = createLogger('web', { destination });
    class ConfigError extends Error {
      name = 'ConfigError';
    }
    log.error({ err: new ConfigError('DATABASE_URL postgres://u:pw@h/db is wrong') }, 'a');
    log.error({ err: loggableError(Object.assign(new Error('x'), { type: 'DatasetInvalid' }), { withholdMessage: true }) }, 'b');
    expect(lines[0]!.err).toMatchObject({ name: 'ConfigError', message: 'DATABASE_URL postgres://u:***@h/db is wrong' });
    expect(lines[1]!.err).toMatchObject({ name: 'Error', type: 'DatasetInvalid', message: WITHHELD_MESSAGE });
  });
});
