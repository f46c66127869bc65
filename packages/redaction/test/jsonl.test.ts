import { describe, expect, it } from 'vitest';
import {
  RedactionInputTooLargeError,
  RedactionRecordError,
  MissingProjectKeyError,
  createJsonlRedactor,
  redactJsonl,
  splitLines,
  type RedactionReport,
} from '../src/index';

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

const chat = JSON.stringify({
  id: 7,
  messages: [
    { role: 'user', content: 'Hi, I am Sarah Johnson, email sarah.j@acme.io, card 4111 1111 1111 1111' },
    { role: 'assistant', content: 'Thanks Sarah, I will call (415) 867-5309.', weight: 1 },
  ],
  meta: { source: 'zendesk', email: 'untouched@acme.io' },
});

describe('record formats', () => {
  it('chat: redacts only message contents and keeps the shape and other fields', async () => {
    const [line] = await collect(redactJsonl([chat], { policy: {}, format: 'chat' }));
    const record = JSON.parse(line);
    expect(Object.keys(record)).toEqual(['id', 'messages', 'meta']);
    expect(record.messages[0].content).toBe('Hi, I am [PERSON], email [EMAIL], card [CREDIT_CARD]');
    expect(record.messages[1]).toEqual({ role: 'assistant', content: 'Thanks [PERSON], I will call [PHONE].', weight: 1 });
    expect(record.meta.email).toBe('untouched@acme.io');
  });

  it('chat: redacts text parts of multi-part content', async () => {
    const input = JSON.stringify({ messages: [{ role: 'user', content: [{ type: 'text', text: 'mail bob@acme.io' }, { type: 'image_url', image_url: 'x' }] }] });
    const [line] = await collect(redactJsonl([input], { policy: {}, format: 'chat' }));
    expect(JSON.parse(line).messages[0].content).toEqual([{ type: 'text', text: 'mail [EMAIL]' }, { type: 'image_url', image_url: 'x' }]);
  });

  it('prompt_completion and text', async () => {
    const pc = JSON.stringify({ prompt: 'SSN 123-45-6789?', completion: 'It is on file.', label: 'ssn' });
    const [a] = await collect(redactJsonl([pc], { policy: {}, format: 'prompt_completion' }));
    expect(JSON.parse(a)).toEqual({ prompt: 'SSN [US_SSN]?', completion: 'It is on file.', label: 'ssn' });
    const [b] = await collect(redactJsonl([JSON.stringify({ text: 'ip 10.1.2.3', n: 1 })], { policy: {}, format: 'text' }));
    expect(JSON.parse(b)).toEqual({ text: 'ip [IP_ADDRESS]', n: 1 });
  });

  it('preference: redacts the prompt or the messages, and both answers (strings or assistant turns)', async () => {
    const simple = JSON.stringify({ prompt: 'SSN 123-45-6789?', chosen: 'Mail sarah.j@acme.io', rejected: 'Call (415) 867-5309', id: 3 });
    const [a] = await collect(redactJsonl([simple], { policy: {}, format: 'preference' }));
    expect(JSON.parse(a)).toEqual({ prompt: 'SSN [US_SSN]?', chosen: 'Mail [EMAIL]', rejected: 'Call [PHONE]', id: 3 });
    const chatPair = JSON.stringify({
      messages: [{ role: 'user', content: 'I am Sarah Johnson, card 4111 1111 1111 1111' }],
      chosen: { role: 'assistant', content: 'Thanks, we will write to sarah.j@acme.io' },
      rejected: { role: 'assistant', content: 'Call us at (415) 867-5309' },
    });
    const [b] = await collect(redactJsonl([chatPair], { policy: {}, format: 'preference' }));
    expect(JSON.parse(b)).toEqual({
      messages: [{ role: 'user', content: 'I am [PERSON], card [CREDIT_CARD]' }],
      chosen: { role: 'assistant', content: 'Thanks, we will write to [EMAIL]' },
      rejected: { role: 'assistant', content: 'Call us at [PHONE]' },
    });
    await expect(collect(redactJsonl(['{"prompt":"a","chosen":"b","rejected":7}'], { policy: {}, format: 'preference' }))).rejects.toThrow(/line 1: field "rejected" must be a string or an object/);
  });

  it('passes unchanged records through byte for byte and skips blank lines', async () => {
    const clean = '{"text":"nothing personal here",  "x":1}';
    expect(await collect(redactJsonl([clean, '', '  '], { policy: {}, format: 'text' }))).toEqual([clean]);
  });

  it('names the line of invalid JSON or a wrong shape', async () => {
    await expect(collect(redactJsonl(['{"text":"ok"}', '{"text":'], { policy: {}, format: 'text' }))).rejects.toThrow(/line 2: not valid JSON/);
    await expect(collect(redactJsonl(['{"prompt":"a"}'], { policy: {}, format: 'prompt_completion' }))).rejects.toThrow(RedactionRecordError);
    await expect(collect(redactJsonl(['{"messages":"hi"}'], { policy: {}, format: 'chat' }))).rejects.toThrow(/line 1: field "messages" must be an array/);
  });
});

describe('secrets written with JSON escapes', () => {
  it('are found after decoding, whatever the escaping', async () => {
    const escapedKey = '{"text":"key AKIA\\u0049OSFODNN7EXAMPLE"}';
    const pem = '{"text":"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----"}';
    const split = '{"text":"token: \\"9f8A7b6C\\u0035d4E3f2a1B0c\\""}';
    const out = await collect(redactJsonl([escapedKey, pem, split], { policy: {}, format: 'text' }));
    expect(out.map((line) => JSON.parse(line).text)).toEqual(['key [SECRET]', '[SECRET]', 'token: "[SECRET]"']);
  });
});

describe('actions and report', () => {
  it('drops records per policy and reports counts by type × action × field without values', async () => {
    let report: RedactionReport | undefined;
    const lines = [
      chat,
      JSON.stringify({ messages: [{ role: 'user', content: 'my key is AKIAIOSFODNN7EXAMPLE' }] }),
      JSON.stringify({ messages: [{ role: 'user', content: 'hello' }] }),
    ];
    const out = await collect(
      redactJsonl(lines, {
        policy: { action: 'pseudonymize', overrides: { SECRET: 'drop_record', CREDIT_CARD: 'hash' } },
        format: 'chat',
        projectKey: 'project-secret',
        onReport: (r) => (report = r),
      }),
    );
    expect(out).toHaveLength(2);
    expect(report!.records).toEqual({ read: 3, written: 2, changed: 1, dropped: 1 });
    expect(report!.droppedByType).toEqual({ SECRET: 1 });
    expect(report!.entities).toContainEqual({ type: 'CREDIT_CARD', action: 'hash', field: 'messages[user].content', count: 1 });
    expect(report!.entities).toContainEqual({ type: 'PHONE', action: 'pseudonymize', field: 'messages[assistant].content', count: 1 });
    expect(report!.policyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(report!.detectorVersions.email).toBe('1');
    const serialized = JSON.stringify(report);
    for (const raw of ['sarah', 'Sarah', '4111', '867-5309', 'AKIA', 'project-secret']) expect(serialized).not.toContain(raw);
    expect(out[0]).toMatch(/\[CREDIT_CARD:[0-9a-f]{10}\]/);
  });

  it('requires a project key for pseudonymize and hash', () => {
    expect(() => createJsonlRedactor({ policy: { action: 'hash' }, format: 'text' })).toThrow(MissingProjectKeyError);
  });
});

describe('input limits', () => {
  it('refuses an over-long text field with the limit in the message', async () => {
    const long = JSON.stringify({ text: 'a'.repeat(5000) });
    await expect(collect(redactJsonl([long], { policy: {}, format: 'text', maxInputBytes: 4096 }))).rejects.toThrow(
      /line 1 is longer than the redaction input limit of 4096 bytes/,
    );
  });

  it('splitLines stops an over-long line before buffering all of it', async () => {
    let chunksRead = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      yield new TextEncoder().encode('{"text":"ok"}\n');
      for (;;) {
        chunksRead++;
        yield new TextEncoder().encode('x'.repeat(1024));
      }
    }
    const error = await collect(splitLines(endless(), { maxLineBytes: 64 * 1024 })).catch((e) => e);
    expect(error).toBeInstanceOf(RedactionInputTooLargeError);
    expect(error.message).toMatch(/line 2 .*65536 bytes/);
    expect(chunksRead).toBeLessThanOrEqual(65);
  });

  it('splitLines handles CRLF, multi-byte characters split across chunks and a missing final newline', async () => {
    const bytes = new TextEncoder().encode('{"text":"é"}\r\n{"text":"ü"}');
    const chunks = [bytes.slice(0, 11), bytes.slice(11)];
    expect(await collect(splitLines(chunks))).toEqual(['{"text":"é"}', '{"text":"ü"}']);
  });

  it('a 1 MiB adversarial line completes under the default limit', async () => {
    const nasty = ['1.'.repeat(100_000), 'a@'.repeat(100_000), '4'.repeat(200_000), 'Aa '.repeat(100_000), '::'.repeat(50_000)].join(' ');
    const [line] = await collect(redactJsonl([JSON.stringify({ text: nasty.slice(0, 1_000_000) })], { policy: {}, format: 'text' }));
    expect(() => JSON.parse(line)).not.toThrow();
  });
});

describe('streaming', () => {
  it('pulls one input line per output line (no read-ahead, so memory stays constant)', async () => {
    let pulled = 0;
    async function* input(): AsyncGenerator<string> {
      for (let i = 0; i < 100_000; i++) {
        pulled++;
        yield JSON.stringify({ text: `user${i}@acme.io wrote line ${i}` });
      }
    }
    const output = redactJsonl(input(), { policy: {}, format: 'text' })[Symbol.asyncIterator]();
    for (let i = 0; i < 3; i++) {
      const { value } = await output.next();
      expect(JSON.parse(value as string).text).toBe(`[EMAIL] wrote line ${i}`);
      expect(pulled).toBe(i + 1);
    }
    await output.return?.(undefined);
  });

  it('hash tokens are stable per value and key', async () => {
    const lines = [JSON.stringify({ text: 'a@acme.io' }), JSON.stringify({ text: 'a@acme.io b@acme.io' })];
    const out = (await collect(redactJsonl(lines, { policy: { action: 'hash' }, format: 'text', projectKey: 'k' }))).map((l) => JSON.parse(l).text);
    const [token] = out[0].match(/\[EMAIL:[0-9a-f]{10}\]/)!;
    expect(out[1].startsWith(token)).toBe(true);
    expect(out[1].endsWith(token)).toBe(false);
  });
});
