import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { firstInvalidUtf8, readLines, type Line } from '../src';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

async function read(chunks: (Buffer | string)[], maxLineBytes = 1024): Promise<Line[]> {
  const lines: Line[] = [];
  for await (const l of readLines(Readable.from(chunks.map((c) => Buffer.from(c))), { maxLineBytes })) lines.push(l);
  return lines;
}
/** Every way to cut `bytes` into two chunks, and one byte per chunk. */
const cuts = (bytes: Buffer) => [
  ...Array.from({ length: bytes.length + 1 }, (_, i) => [bytes.subarray(0, i), bytes.subarray(i)]),
  [...bytes].map((b) => Buffer.from([b])),
];

describe('readLines', () => {
  it('splits across chunk boundaries and multi-byte characters', async () => {
    const bytes = Buffer.from('héllo\nwörld\nlast');
    const lines = await read([bytes.subarray(0, 2), bytes.subarray(2, 8), bytes.subarray(8)]);
    expect(lines).toEqual([
      { number: 1, text: 'héllo', bytes: 6, problem: null },
      { number: 2, text: 'wörld', bytes: 6, problem: null },
      { number: 3, text: 'last', bytes: 4, problem: null },
    ]);
  });

  it('drops CR before LF and counts it in bytes', async () => {
    expect(await read(['a\r\n\r\nb\r\n'])).toEqual([
      { number: 1, text: 'a', bytes: 2, problem: null },
      { number: 2, text: '', bytes: 1, problem: null },
      { number: 3, text: 'b', bytes: 2, problem: null },
    ]);
  });

  it('strips a byte-order mark at the start of the stream (counted in line 1 bytes)', async () => {
    const lines = await read([Buffer.concat([BOM, Buffer.from('{"a":1}\r\n{"b":2}\n')])]);
    expect(lines).toEqual([
      { number: 1, text: '{"a":1}', bytes: 11, problem: null },
      { number: 2, text: '{"b":2}', bytes: 7, problem: null },
    ]);
  });

  it('strips a byte-order mark split across chunks, however it is cut', async () => {
    const bytes = Buffer.concat([BOM, Buffer.from('é\nx')]);
    for (const chunks of cuts(bytes)) {
      const lines = await read(chunks);
      expect(lines.map((l) => [l.text, l.bytes])).toEqual([
        ['é', 5],
        ['x', 1],
      ]);
    }
  });

  it('does not strip a byte-order mark anywhere but byte 0', async () => {
    const lines = await read([Buffer.concat([Buffer.from('a\n'), BOM, Buffer.from('b\n'), BOM, BOM, Buffer.from('c')])]);
    expect(lines.map((l) => l.text)).toEqual(['a', '\uFEFFb', '\uFEFF\uFEFFc']);
    // two marks at the start: only the first is the byte-order mark
    expect((await read([Buffer.concat([BOM, BOM, Buffer.from('x')])])).map((l) => l.text)).toEqual(['\uFEFFx']);
  });

  it('handles streams that are only a byte-order mark, or a part of one', async () => {
    expect(await read([BOM])).toEqual([{ number: 1, text: '', bytes: 3, problem: null }]); // a blank line 1
    expect(await read([])).toEqual([]);
    expect(await read([BOM.subarray(0, 2)])).toEqual([{ number: 1, text: null, bytes: 2, problem: { kind: 'invalid-utf8', offset: 0 } }]);
    expect(await read([Buffer.from([0xef]), Buffer.from('x\n')])).toEqual([{ number: 1, text: null, bytes: 2, problem: { kind: 'invalid-utf8', offset: 0 } }]);
  });

  it('reports invalid UTF-8 with the byte offset of the first invalid byte in the line', async () => {
    const line = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
    const cases: [Buffer, number][] = [
      [line('{"text":"abcdefg', [0xff], '"}'), 16], // never valid
      [line('é', [0x80]), 2], // continuation byte without a lead
      [line('ab', [0xc0, 0xaf]), 2], // overlong '/'
      [line('ab', [0xe0, 0x80, 0xaf]), 2], // overlong 3-byte form
      [line('abc', [0xed, 0xa0, 0x80]), 3], // UTF-16 surrogate
      [line('a', [0xf4, 0x90, 0x80, 0x80]), 1], // past U+10FFFF
      [line('€', [0xe2, 0x82], 'x'), 3], // truncated sequence in the middle
      [line('ü€', [0xe2, 0x82]), 5], // truncated sequence at the end of the line
      [line('ok', [0xf0, 0x9f, 0x98], '\r'), 2], // truncated before CRLF
    ];
    for (const [bytes, offset] of cases) {
      const text = Buffer.concat([Buffer.from('{"fine":"✓"}\n'), bytes, Buffer.from('\nafter\n')]);
      for (const chunks of [[text], [...text].map((b) => Buffer.from([b]))]) {
        const lines = await read(chunks);
        expect(lines.map((l) => l.problem)).toEqual([null, { kind: 'invalid-utf8', offset }, null]);
        expect(lines[1]).toMatchObject({ number: 2, text: null, bytes: bytes.length });
        expect(lines[2]!.text).toBe('after');
      }
    }
  });

  it('counts a byte-order mark in the offset on line 1 (offsets are into the line as in the file)', async () => {
    const lines = await read([Buffer.concat([BOM, Buffer.from('ab'), Buffer.from([0xff])])]);
    expect(lines).toEqual([{ number: 1, text: null, bytes: 6, problem: { kind: 'invalid-utf8', offset: 5 } }]);
  });

  it('keeps valid 4-byte characters and U+FFFD that was really sent', async () => {
    const lines = await read(['😀 \uFFFD 𐍈\n']);
    expect(lines).toEqual([{ number: 1, text: '😀 \uFFFD 𐍈', bytes: 13, problem: null }]);
  });

  it('reports over-long lines without their text, and goes on', async () => {
    const long = 'x'.repeat(5000);
    const lines = await read([`ok\n${long.slice(0, 3000)}`, `${long.slice(3000)}\n`, 'fine\n'], 1024);
    expect(lines).toEqual([
      { number: 1, text: 'ok', bytes: 2, problem: null },
      { number: 2, text: null, bytes: 5000, problem: { kind: 'too-long' } },
      { number: 3, text: 'fine', bytes: 4, problem: null },
    ]);
    // an over-long line is too long whatever its bytes are
    expect((await read([Buffer.alloc(2000, 0xff)], 1024))[0]!.problem).toEqual({ kind: 'too-long' });
  });

  it('accepts any async iterable of bytes', async () => {
    async function* gen() {
      yield new Uint8Array([0xef, 0xbb]);
      yield new TextEncoder().encode('\xbfa\nb');
    }
    // '\xbf' above is U+00BF, encoded as C2 BF: not the end of a byte-order mark
    const lines: Line[] = [];
    for await (const l of readLines(gen(), { maxLineBytes: 100 })) lines.push(l);
    expect(lines.map((l) => l.problem?.kind ?? l.text)).toEqual(['invalid-utf8', 'b']);
  });
});

describe('firstInvalidUtf8', () => {
  it('agrees with the strict TextDecoder on random bytes, and finds where U+FFFD would go', () => {
    const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    const lenient = new TextDecoder('utf-8', { ignoreBOM: true });
    // bytes around the edges of the UTF-8 ranges, so that most buffers have something to find
    const alphabet = [0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf4, 0xf5, 0xff];
    let seed = 42; // xorshift32: the same buffers every run
    const rand = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const mismatches: string[] = [];
    let found = 0;
    for (let t = 0; t < 20000; t += 1) {
      const bytes = Buffer.from(Array.from({ length: 1 + rand(8) }, () => alphabet[rand(alphabet.length)]!));
      const at = firstInvalidUtf8(bytes);
      let valid = true;
      try {
        strict.decode(bytes);
      } catch {
        valid = false;
      }
      if ((at === -1) !== valid) mismatches.push(bytes.toString('hex'));
      // everything before it is valid, and a lenient decoder puts its first U+FFFD there
      else if (at >= 0 && !lenient.decode(bytes).startsWith(`${strict.decode(bytes.subarray(0, at))}\uFFFD`)) mismatches.push(bytes.toString('hex'));
      else if (at >= 0) found += 1;
    }
    expect(mismatches).toEqual([]);
    expect(found).toBeGreaterThan(1000);
  });
});
