import { describe, expect, it } from 'vitest';
import { ErasureReferenceSchema, formatErasureReference, parseErasureReference } from '../src';

const hex = 'ab'.repeat(32);

describe('erasure references', () => {
  it('reads what the CLI accepts', () => {
    expect(parseErasureReference(`sha256:${hex}`)).toEqual({ type: 'sha256', value: hex });
    expect(parseErasureReference(hex.toUpperCase())).toEqual({ type: 'sha256', value: hex });
    expect(parseErasureReference(`record:${hex}`)).toEqual({ type: 'record_hash', value: hex });
    expect(parseErasureReference('file://examples/datasets/support-tickets.jsonl')).toEqual({ type: 'uri', value: 'file://examples/datasets/support-tickets.jsonl' });
    expect(parseErasureReference('s3://bucket/key.jsonl')).toEqual({ type: 'uri', value: 's3://bucket/key.jsonl' });
    expect(parseErasureReference(`object://sha256/${hex}`)).toEqual({ type: 'uri', value: `object://sha256/${hex}` });
    expect(parseErasureReference('art_0abcdefgh0123456789ab')).toEqual({ type: 'artifact', value: 'art_0abcdefgh0123456789ab' });
  });

  it('refuses what it cannot read, saying what is accepted', () => {
    expect(() => parseErasureReference('support-tickets.jsonl')).toThrow(/sha256:<64 hex>.*record:<64 hex>.*URI.*artifact id/);
    expect(() => parseErasureReference('sha256:abc')).toThrow(/64 lowercase hex digits/);
    expect(() => parseErasureReference('record:xyz')).toThrow(/record hash is 64/);
    expect(() => parseErasureReference('hf://org/model')).toThrow(/scheme "hf:\/\/" is not supported/);
    expect(() => parseErasureReference('file://../etc/passwd')).toThrow(/\.\./);
    expect(() => parseErasureReference('art_short')).toThrow(/artifact id looks like/);
  });

  it('formats back to the same syntax, and the API schema checks values too', () => {
    for (const text of [`sha256:${hex}`, `record:${hex}`, 's3://bucket/key.jsonl', 'art_0abcdefgh0123456789ab']) expect(formatErasureReference(parseErasureReference(text))).toBe(text);
    expect(ErasureReferenceSchema.safeParse({ type: 'sha256', value: 'nope' }).success).toBe(false);
    expect(ErasureReferenceSchema.safeParse({ type: 'uri', value: 'object://sha256/short' }).success).toBe(false);
    expect(ErasureReferenceSchema.safeParse({ type: 'record_hash', value: hex }).success).toBe(true);
  });
});
