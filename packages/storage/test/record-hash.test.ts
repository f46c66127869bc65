import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { findRecordLines, recordContentHash, recordHashOfLine } from '../src/record-hash';

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const chunks = (...parts: (string | Buffer)[]) => Readable.from(parts.map((p) => Buffer.from(p)));

describe('record content hash', () => {
  it('is the sha256 of the line bytes without the line end', () => {
    expect(recordContentHash('{"a":1}')).toBe(sha('{"a":1}'));
    expect(recordContentHash('{"name":"Zoë"}')).toBe(sha(Buffer.from('{"name":"Zoë"}', 'utf8')));
    // No parsing: spacing is part of the record.
    expect(recordContentHash('{"a": 1}')).not.toBe(recordContentHash('{"a":1}'));
  });

  it('finds a record on every line that holds it, whatever the line ends and chunking', async () => {
    const target = '{"text":"erase me"}';
    // BOM on line 1, CRLF on line 2, the target split across chunks, no newline at the end.
    const stream = chunks('\uFEFF{"text":"first"}\r\n{"text":"er', 'ase me"}\r\n{"text":"other"}\n', target);
    const found = await findRecordLines(stream, sha(target));
    expect(found).toMatchObject({ lines: [2, 4], occurrences: 2, linesRead: 4 });
    expect((await findRecordLines(chunks('\uFEFF{"text":"first"}\n'), sha('{"text":"first"}'))).lines).toEqual([1]);
    expect((await findRecordLines(chunks('a\nb\n'), sha('c'))).occurrences).toBe(0);
  });

  it('lists at most maxLines lines but counts them all', async () => {
    const found = await findRecordLines(chunks('x\n'.repeat(5)), sha('x'), { maxLines: 2 });
    expect(found).toMatchObject({ lines: [1, 2], occurrences: 5 });
  });

  it('hashes line n of a file as the search does; null past the end', async () => {
    expect(await recordHashOfLine(chunks('a\r\nb\n'), 1)).toBe(sha('a'));
    expect(await recordHashOfLine(chunks('a\r\nb\n'), 2)).toBe(sha('b'));
    expect(await recordHashOfLine(chunks('a\r\nb\n'), 3)).toBeNull();
    await expect(recordHashOfLine(chunks(Buffer.from([0x61, 0xff, 0x0a])), 1)).rejects.toThrow(/not valid UTF-8/);
  });
});
