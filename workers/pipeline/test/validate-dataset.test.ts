import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readLines } from '@refinery/storage';
import { validateDataset } from '../src/ingest/validate-dataset';

const jsonl = (...records: unknown[]) => records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n');
const validate = (text: string, format: 'chat' | 'prompt_completion' | 'text' | 'preference', maxLineBytes?: number) =>
  validateDataset(Readable.from([Buffer.from(text)]), { format, sha256: 'x', maxLineBytes });
const chat = (user: string, assistant: string) => ({ messages: [{ role: 'user', content: user }, { role: 'assistant', content: assistant }] });

describe('validateDataset', () => {
  it('computes stats for a valid chat dataset', async () => {
    const r = await validate(jsonl(chat('hello', 'hi there'), chat('a much longer question', 'ok')) + '\n', 'chat');
    expect(r).toMatchObject({ records: 2, errorCount: 0, characters: 5 + 8 + 22 + 2, roleCounts: { user: 2, assistant: 2 }, longestRecord: { line: 2, characters: 24 } });
    expect(r.estimatedTokens).toBe(Math.ceil(37 / 4));
  });

  it('reports each bad line with line number, field and reason', async () => {
    const r = await validate(
      jsonl(chat('a', 'b'), '{"messages": [', { prompt: 'x' }, { messages: [{ role: 'robot', content: 'x' }, { role: 'assistant', content: 'y' }] }, { messages: [{ role: 'user', content: '' }] }, '[1,2]'),
      'chat',
    );
    expect(r.records).toBe(1);
    expect(r.errors).toEqual([
      { line: 2, field: '(line)', reason: expect.stringMatching(/^invalid JSON/) },
      { line: 3, field: 'messages', reason: 'is required' },
      { line: 4, field: 'messages[0].role', reason: 'invalid role "robot"; expected one of system, user, assistant' },
      { line: 5, field: 'messages[0].content', reason: 'must not be empty' },
      { line: 5, field: 'messages', reason: 'has no assistant message to learn from' },
      { line: 6, field: '(line)', reason: 'expected a JSON object' },
    ]);
    expect(r.errorsByReason['messages[].role: invalid role "robot"']).toBe(1);
  });

  it('validates prompt_completion and text formats', async () => {
    const pc = await validate(jsonl({ prompt: 'p', completion: 'c' }, { prompt: 'p' }, { prompt: 1, completion: 'c' }), 'prompt_completion');
    expect(pc.errors).toEqual([
      { line: 2, field: 'completion', reason: 'is required' },
      { line: 3, field: 'prompt', reason: 'must be a string' },
    ]);
    const t = await validate(jsonl({ text: 'abc' }, { txt: 'x' }), 'text');
    expect(t.records).toBe(1);
    expect(t.errors).toEqual([{ line: 2, field: 'text', reason: 'is required' }]);
  });

  it('validates preference pairs in both shapes and reports a malformed one with its line number', async () => {
    const turn = (content: string) => ({ role: 'assistant', content });
    const r = await validate(
      jsonl(
        { prompt: 'route: card charged twice', chosen: '{"department":"billing"}', rejected: '{"department":"shipping"}' },
        { messages: [{ role: 'system', content: 'route tickets' }, { role: 'user', content: 'parcel lost' }], chosen: turn('shipping'), rejected: turn('billing') },
        { prompt: 'p', chosen: 'a' },
        { prompt: 'p', chosen: 'same', rejected: 'same' },
        { messages: [{ role: 'user', content: 'q' }], chosen: 'a string', rejected: turn('b') },
        { messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }], chosen: turn('x'), rejected: turn('y') },
        { prompt: 'p', messages: [{ role: 'user', content: 'q' }], chosen: 'a', rejected: 'b' },
        { chosen: 'a', rejected: 'b' },
        { messages: [{ role: 'user', content: 'q' }], chosen: { role: 'user', content: 'x' }, rejected: turn('y') },
      ),
      'preference',
    );
    expect(r.records).toBe(2);
    expect(r.roleCounts).toEqual({ system: 1, user: 1, assistant: 2 });
    expect(r.characters).toBe(25 + 24 + 25 + 13 + 11 + 8 + 7);
    expect(r.errors).toEqual([
      { line: 3, field: 'rejected', reason: 'is required' },
      { line: 4, field: 'rejected', reason: 'is the same as "chosen": the pair teaches no preference' },
      { line: 5, field: 'chosen', reason: 'must be an object {role: "assistant", content} when the record has "messages"' },
      { line: 6, field: 'messages', reason: 'must end with a user message (chosen and rejected are the answers to it)' },
      { line: 7, field: 'messages', reason: 'give either "prompt" (a string) or "messages" (a chat), not both' },
      { line: 8, field: 'prompt', reason: 'is required (or "messages" for the chat shape)' },
      { line: 9, field: 'chosen.role', reason: 'must be "assistant", got "user"' },
    ]);
  });

  it('keeps the first 100 errors but counts all', async () => {
    const r = await validate(Array.from({ length: 250 }, () => 'nope').join('\n'), 'text');
    expect(r.errorCount).toBe(250);
    expect(r.errors).toHaveLength(100);
    expect(r.errorsTruncated).toBe(true);
    expect(r.errorsByReason['invalid JSON']).toBe(250);
  });

  it('reports an over-long line without buffering it, and goes on', async () => {
    const huge = JSON.stringify({ text: 'x'.repeat(5000) });
    const r = await validate(jsonl({ text: 'ok' }, huge, { text: 'fine' }), 'text', 1024);
    expect(r.records).toBe(2);
    expect(r.errors).toEqual([{ line: 2, field: '(line)', reason: `line is ${huge.length} bytes, over the 1024-byte limit` }]);
  });

  it('accepts a UTF-8 byte-order mark at the start of the file, even split across chunks', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"text":"a"}\r\n{"text":"b"}\r\n')]);
    for (const chunks of [[bytes], [bytes.subarray(0, 1), bytes.subarray(1, 2), bytes.subarray(2)]]) {
      const r = await validateDataset(Readable.from(chunks), { format: 'text', sha256: 'x' });
      expect(r).toMatchObject({ records: 2, errorCount: 0, errors: [], characters: 2, bytes: bytes.length });
    }
  });

  it('reports a line with invalid UTF-8 with its line number and the byte offset of the first bad byte', async () => {
    const bad = Buffer.concat([Buffer.from('{"text":"café '), Buffer.from([0xe9]), Buffer.from(' au lait"}')]); // Latin-1 é
    const truncated = Buffer.concat([Buffer.from('{"text":"€'), Buffer.from([0xe2, 0x82])]);
    const bytes = Buffer.concat([Buffer.from('{"text":"ok"}\n'), bad, Buffer.from('\n{"text":"fine"}\n'), truncated, Buffer.from('\n')]);
    const r = await validateDataset(Readable.from([bytes]), { format: 'text', sha256: 'x' });
    expect(r.records).toBe(2);
    expect(r.errors).toEqual([
      { line: 2, field: '(line)', reason: 'invalid UTF-8 at byte offset 15' },
      { line: 4, field: '(line)', reason: 'invalid UTF-8 at byte offset 12' },
    ]);
    expect(r.errorsByReason).toEqual({ 'invalid UTF-8': 2 });
    expect(r.bytes).toBe(bytes.length);
  });

  it.each([
    ['a 0-byte file', ''],
    ['blank lines only', '\n  \r\n\t\n\n'],
    ['a byte-order mark only', '\uFEFF\n'],
  ])('fails %s with "dataset is empty"', async (_, text) => {
    const r = await validate(text, 'chat');
    expect(r.records).toBe(0);
    expect(r.errorCount).toBe(1);
    expect(r.errors).toEqual([{ line: 0, field: '(file)', reason: 'dataset is empty' }]);
    expect(r.errorsByReason).toEqual({ 'dataset is empty': 1 });
  });

  it('does not call a file of bad lines empty', async () => {
    const r = await validate('nope\n\n', 'text');
    expect(r.errors).toEqual([{ line: 1, field: '(line)', reason: expect.stringMatching(/^invalid JSON/) }]);
  });

  it('counts the bytes of the file, with or without a final newline', async () => {
    for (const text of ['{"text":"a"}', '{"text":"a"}\n', '{"text":"a"}\r\n\n', '{"text":"é"}\n{"text":"b"}']) {
      expect((await validate(text, 'text')).bytes).toBe(Buffer.byteLength(text));
    }
  });

  it('skips blank lines and tolerates CRLF', async () => {
    const r = await validate('{"text":"a"}\r\n\r\n{"text":"b"}\r\n', 'text');
    expect(r.records).toBe(2);
    expect(r.errorCount).toBe(0);
  });
});

describe('readLines', () => {
  it('splits across chunk boundaries and multi-byte characters', async () => {
    const bytes = Buffer.from('héllo\nwörld\nlast');
    const chunks = [bytes.subarray(0, 2), bytes.subarray(2, 8), bytes.subarray(8)];
    const lines = [];
    for await (const l of readLines(Readable.from(chunks), { maxLineBytes: 100 })) lines.push(l);
    expect(lines.map((l) => [l.number, l.text, l.problem])).toEqual([
      [1, 'héllo', null],
      [2, 'wörld', null],
      [3, 'last', null],
    ]);
  });
});
