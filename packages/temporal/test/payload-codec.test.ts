import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DefaultPayloadConverter, type Payload } from '@temporalio/common';
import { ConfigError, loadConfig } from '@refinery/core';
import { codecServerCall, CodecRequestError, EncryptionCodec, ENCRYPTED_ENCODING, isEncrypted, KEY_ID_METADATA, PayloadDecryptionError, payloadCodecFromConfig, payloadKeyId } from '../src/client';

const converter = new DefaultPayloadConverter();
const text = (b: Uint8Array | null | undefined) => new TextDecoder().decode(b ?? new Uint8Array());
const keyEntry = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const codecOf = (keys: string, active: string) => payloadCodecFromConfig({ REFINERY_PAYLOAD_KEYS: keys, REFINERY_PAYLOAD_KEY_ID: active });
const CANARY = 'canary-7f3a9 a customer e-mail: jane@example.com';

describe('EncryptionCodec', () => {
  const keyA = keyEntry('a');
  const codec = codecOf(keyA, 'a');

  it('round-trips payloads, metadata included, and leaves no plaintext in the encoded bytes', async () => {
    const original = [converter.toPayload({ spec: { name: CANARY } }), converter.toPayload(new Uint8Array([0, 1, 2, 255])), converter.toPayload(undefined)];
    const encoded = await codec.encode(original);
    expect(encoded).toHaveLength(3);
    for (const p of encoded) {
      expect(text(p.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
      expect(text(p.metadata![KEY_ID_METADATA])).toBe('a');
      expect(Object.keys(p.metadata!).sort()).toEqual(['encoding', KEY_ID_METADATA]);
      expect(Buffer.from(p.data!).includes('canary-7f3a9')).toBe(false);
      expect(Buffer.from(p.data!).includes('json/plain')).toBe(false);
    }
    const decoded = await codec.decode(encoded);
    expect(decoded.map((p) => text(p.metadata!.encoding))).toEqual(['json/plain', 'binary/plain', 'binary/null']);
    expect(converter.fromPayload(decoded[0]!)).toEqual({ spec: { name: CANARY } });
    expect(converter.fromPayload(decoded[1]!)).toEqual(new Uint8Array([0, 1, 2, 255]));
    expect(converter.fromPayload(decoded[2]!)).toBeUndefined();
  });

  it('uses a fresh IV per payload: the same value encrypts differently each time', async () => {
    const p = converter.toPayload('same');
    const [x, y] = await codec.encode([p, p]);
    expect(Buffer.from(x!.data!).equals(Buffer.from(y!.data!))).toBe(false);
    expect(Buffer.from(x!.data!).subarray(0, 12).equals(Buffer.from(y!.data!).subarray(0, 12))).toBe(false);
  });

  it('passes payloads that were never encrypted through unchanged (histories from before encryption)', async () => {
    const plain: Payload[] = [converter.toPayload({ a: 1 }), { metadata: { encoding: new TextEncoder().encode('json/protobuf') }, data: new Uint8Array([1]) }, {}];
    expect(await codec.decode(plain)).toEqual(plain);
    expect(plain.map(isEncrypted)).toEqual([false, false, false]);
  });

  it('after a rotation, decrypts old payloads with the retired key and encrypts new ones with the active key', async () => {
    const old = await codec.encode([converter.toPayload('written with a')]);
    const rotated = codecOf(`${keyEntry('b')},${keyA}`, 'b');
    const fresh = await rotated.encode([converter.toPayload('written with b')]);
    expect(payloadKeyId(old[0]!)).toBe('a');
    expect(payloadKeyId(fresh[0]!)).toBe('b');
    expect((await rotated.decode([...old, ...fresh])).map((p) => converter.fromPayload(p))).toEqual(['written with a', 'written with b']);
  });

  it('names an unknown key id, and says what to do', async () => {
    const encoded = await codecOf(keyEntry('retired-2025'), 'retired-2025').encode([converter.toPayload('x')]);
    const err = await codec.decode(encoded).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayloadDecryptionError);
    expect((err as Error).message).toMatch(/key id "retired-2025", which is not configured \(known: a\); add that key to REFINERY_PAYLOAD_KEYS/);
  });

  it('refuses an altered payload (authentication failure), a swapped key id, and a different key under the same id', async () => {
    const [p] = await codec.encode([converter.toPayload({ amount: 100 })]);
    for (const at of [0, 12, p!.data!.length - 1]) {
      const data = new Uint8Array(p!.data!);
      data[at]! ^= 1;
      await expect(codec.decode([{ ...p, data }])).rejects.toThrow(/key id "a" failed authentication: it was altered/);
    }
    // The key id is authenticated data: relabelling the payload as another known key fails too.
    const twoKeys = codecOf(`${keyA},${keyEntry('b')}`, 'a');
    await expect(twoKeys.decode([{ data: p!.data, metadata: { ...p!.metadata, [KEY_ID_METADATA]: new TextEncoder().encode('b') } }])).rejects.toThrow(PayloadDecryptionError);
    await expect(codecOf(keyEntry('a'), 'a').decode([p!])).rejects.toThrow(/failed authentication/);
    await expect(codec.decode([{ ...p, data: p!.data!.subarray(0, 20) }])).rejects.toThrow(/too short/);
  });
});

describe('payload key configuration', () => {
  it('validates REFINERY_PAYLOAD_KEYS without echoing the keys', () => {
    const secret = randomBytes(16).toString('base64'); // 16 bytes: too short for AES-256
    const err = (() => {
      try {
        loadConfig(['REFINERY_PAYLOAD_KEYS'], { REFINERY_PAYLOAD_KEYS: `k1:${secret}` });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.message).toMatch(/key "k1" must be 32 random bytes in standard base64/);
    expect(err!.message).not.toContain(secret);
    expect(err!.message).toContain('***');
    expect(() => loadConfig(['REFINERY_PAYLOAD_KEYS'], { REFINERY_PAYLOAD_KEYS: `${keyEntry('x')},${keyEntry('x')}` })).toThrow(/key id "x" is listed twice/);
    expect(() => loadConfig(['REFINERY_PAYLOAD_KEYS'], {})).toThrow(/REFINERY_PAYLOAD_KEYS: .*not set/);
    expect(loadConfig(['REFINERY_PAYLOAD_KEYS'], { REFINERY_PAYLOAD_KEYS: `${keyEntry('x')}, ${keyEntry('y.2')}` }).REFINERY_PAYLOAD_KEYS).toMatch(/^x:/);
  });

  it('refuses an active key id that is not among the keys, naming it', () => {
    expect(() => codecOf(keyEntry('a'), 'b')).toThrow(/REFINERY_PAYLOAD_KEY_ID: "b" is not one of the ids in REFINERY_PAYLOAD_KEYS \(a\)/);
    expect(() => new EncryptionCodec({ keys: new Map([['a', new Uint8Array(16)]]), activeKeyId: 'a' })).toThrow(/16 bytes; AES-256 needs 32/);
  });
});

describe("Temporal's codec-server protocol", () => {
  const codec = codecOf(keyEntry('a'), 'a');

  it('encodes and decodes proto-JSON payloads and counts the encrypted ones', async () => {
    const json = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from(JSON.stringify(CANARY)).toString('base64') };
    const encoded = await codecServerCall(codec, 'encode', { payloads: [json] });
    expect(Buffer.from(encoded.payloads[0]!.metadata!.encoding!, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
    const decoded = await codecServerCall(codec, 'decode', { payloads: [...encoded.payloads, json] });
    expect(decoded.payloads).toEqual([json, json]);
    expect(decoded.encrypted).toBe(1);
  });

  it('says what is wrong with a malformed request', async () => {
    for (const [body, message] of [
      [{}, /the body must be \{"payloads": \[...\]\}/],
      [{ payloads: 'x' }, /the body must be/],
      [{ payloads: [42] }, /payloads\[0\] must be an object/],
      [{ payloads: [{ data: 'not base64!' }] }, /payloads\[0\].data must be a base64 string/],
      [{ payloads: [{ metadata: { encoding: 7 } }] }, /payloads\[0\].metadata.encoding must be a base64 string/],
    ] as const) {
      await expect(codecServerCall(codec, 'decode', body)).rejects.toThrow(CodecRequestError);
      await expect(codecServerCall(codec, 'decode', body)).rejects.toThrow(message);
    }
  });
});
