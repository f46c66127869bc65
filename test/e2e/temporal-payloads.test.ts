import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payloadToJSON } from '@temporalio/common/lib/proto-utils';
import type { Payload } from '@temporalio/common';
import proto from '@temporalio/proto';
import { loadConfig, type Config } from '@refinery/core';
import { connect, type Database } from '@refinery/db';
import { decodeHistory, historyPayloads, isEncrypted, payloadCodecFromConfig, payloadKeyId, type EncryptionCodec } from '@refinery/temporal';
import { loadToolchain } from '../../infra/src/toolchain';
import { isPatchMarker } from '../support/patch-marker';
import { api, INGEST_ONLY_SPEC, sessionOf, specWith, stackEnv, submitYaml, temporalClient, tokenFor, waitForRun, webUrl } from '../support/api';

/**
 * Encrypted workflow payloads on the real stack: a canary string in a RunSpec never reaches
 * Temporal's stored history in plaintext (the raw history's bytes are searched), yet the run
 * completes; through the codec (in process, the codec endpoint, the Temporal CLI) it is there.
 * Failure messages are sealed too (the workers' failure converter encodes them as payloads).
 */
const History = proto.temporal.api.history.v1.History;
const CANARY = `payload-canary-${randomUUID()}`;
const contains = (bytes: Uint8Array, needle: string) => Buffer.from(bytes).includes(needle);
type RawHistory = proto.temporal.api.history.v1.IHistory;

let runId = '';
let codec: EncryptionCodec;
let keys: Pick<Config, 'REFINERY_PAYLOAD_KEYS' | 'REFINERY_PAYLOAD_KEY_ID'>;
let database: Database;

/** The stored history, as Temporal returns it (no data converter is involved in this call). */
async function rawHistory(workflowId: string): Promise<RawHistory> {
  const client = await temporalClient();
  const { history } = await client.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId } });
  return history!;
}
const startInput = (h: RawHistory) => h.events!.find((e) => e.workflowExecutionStartedEventAttributes)!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
const decode = (body: string, headers: Record<string, string> = sessionOf('admin')) =>
  api('POST', '/api/v1/temporal/codec/decode', { as: headers, body, headers: { 'content-type': 'application/json' } });

beforeAll(async () => {
  keys = loadConfig(['REFINERY_PAYLOAD_KEYS', 'REFINERY_PAYLOAD_KEY_ID'], stackEnv());
  codec = payloadCodecFromConfig(keys);
  database = connect(stackEnv().DATABASE_URL!, { max: 2 });
  const res = await submitYaml(`${INGEST_ONLY_SPEC.replace(/^name: .*$/m, 'name: payload-canary').trimEnd()}\ndescription: "${CANARY}"\n`);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  runId = res.body.id;
  expect((await waitForRun(runId)).status).toBe('succeeded');
}, 180_000);
afterAll(async () => {
  await database?.close();
});

/** A JSON payload holding only W3C trace context: `{ traceparent, tracestate? }`. */
function isTraceContext(p: Payload): boolean {
  try {
    const value = JSON.parse(new TextDecoder().decode(p.data ?? new Uint8Array())) as Record<string, unknown>;
    const keys = Object.keys(value);
    return keys.every((k) => k === 'traceparent' || k === 'tracestate') && /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/.test(String(value.traceparent));
  } catch {
    return false;
  }
}

describe('encrypted Temporal payloads', () => {
  it('the run completes, yet its stored history holds the canary nowhere in plaintext; decoded, it is in the start input', async () => {
    const history = await rawHistory(runId);
    const bytes = History.encode(history).finish();
    expect(bytes.length).toBeGreaterThan(1000);
    expect(contains(bytes, CANARY)).toBe(false);
    expect(contains(bytes, 'payload-canary')).toBe(false); // the run name, too
    // Every payload (start input, activity inputs and results, the workflow result) is sealed with the active key.
    // The one exception: with tracing on, the SDK's OpenTelemetry interceptors write the W3C trace
    // context into headers, which Temporal's SDK never passes through a codec; such a header may
    // hold a traceparent (and tracestate) and nothing else. Likewise the SDK's patch markers
    // (a workflow change's id, e.g. project-quotas).
    const payloads = await historyPayloads(history);
    expect(payloads.length).toBeGreaterThan(10);
    const plaintext = payloads.filter((p) => !isEncrypted(p));
    expect(plaintext.filter((p) => !isTraceContext(p) && !isPatchMarker(p)).map((p) => new TextDecoder().decode(p.data ?? new Uint8Array()))).toEqual([]);
    expect(new Set(payloads.filter(isEncrypted).map(payloadKeyId))).toEqual(new Set([keys.REFINERY_PAYLOAD_KEY_ID]));

    await decodeHistory(codec, history);
    expect(contains(History.encode(history).finish(), CANARY)).toBe(true);
    const input = JSON.parse(new TextDecoder().decode(startInput(history).data!)) as { spec: { description: string } };
    expect(input.spec.description).toBe(CANARY);
  });

  it("a failure message quoting a record (JSON.parse's snippet of a malformed line) is sealed too", async () => {
    const leak = `leak-${randomBytes(5).toString('hex')}`; // short enough for V8 to quote it whole
    const good = { messages: [{ role: 'user', content: 'Where is my order?' }, { role: 'assistant', content: 'shipping' }] };
    const up = await api('POST', '/api/v1/uploads?project=demo', { body: `${JSON.stringify(good)}\n${leak}\n`, headers: { 'content-type': 'application/octet-stream' } });
    expect(up.status).toBe(201);
    const res = await submitYaml(specWith({ name: 'payload-failure-canary', dataset: `{ uri: "${up.body.uri}", format: chat }` }));
    const run = await waitForRun(res.body.id);
    expect(run.status).toBe('failed');
    // The premise: the error does quote the line (the run's own record in Postgres shows it to the project).
    expect(run.stages[0]!.error).toContain(leak);
    const history = await rawHistory(run.id);
    expect(history.events!.some((e) => e.activityTaskFailedEventAttributes)).toBe(true);
    expect(contains(History.encode(history).finish(), leak)).toBe(false);
    await decodeHistory(codec, history);
    const failed = history.events!.find((e) => e.activityTaskFailedEventAttributes)!.activityTaskFailedEventAttributes!.failure!;
    expect(new TextDecoder().decode(failed.encodedAttributes!.data!)).toContain(leak);
  });

  it('the codec endpoint decodes for an instance admin, and the audit log records the count, never the content', async () => {
    const sealed = payloadToJSON(startInput(await rawHistory(runId)));
    const res = await decode(JSON.stringify({ payloads: [sealed, sealed] }), { ...sessionOf('admin'), 'x-namespace': 'default' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.payloads).toHaveLength(2);
    const plain = Buffer.from(res.body.payloads[0].data, 'base64').toString('utf8');
    expect(plain).toContain(CANARY);
    expect(Buffer.from(res.body.payloads[0].metadata.encoding, 'base64').toString()).toBe('json/plain');
    // An already plain payload comes back as it was.
    const passthrough = await decode(JSON.stringify({ payloads: [res.body.payloads[0]] }));
    expect(passthrough.body.payloads).toEqual([res.body.payloads[0]]);

    const requestId = res.headers.get('x-request-id');
    const { rows } = await database.pool.query(`select actor, subject_type, subject_id, data from audit_events where action = 'temporal.payloads_decoded' and request_id = $1`, [requestId]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor: expect.stringMatching(/^user:/), subject_type: 'temporal_namespace', subject_id: 'default', data: { payloads: 2, encrypted: 2 } });
    expect(JSON.stringify(rows[0])).not.toContain(CANARY);

    // Encode seals with the active key; decode opens it again.
    const encoded = await api('POST', '/api/v1/temporal/codec/encode', { as: sessionOf('admin'), body: JSON.stringify({ payloads: [res.body.payloads[0]] }), headers: { 'content-type': 'application/json' } });
    expect(encoded.status).toBe(200);
    expect(Buffer.from(encoded.body.payloads[0].metadata['encryption-key-id'], 'base64').toString()).toBe(keys.REFINERY_PAYLOAD_KEY_ID);
    expect((await decode(JSON.stringify(encoded.body))).body.payloads[0].data).toBe(res.body.payloads[0].data);
  });

  it('refuses everyone but instance admins', async () => {
    const body = JSON.stringify({ payloads: [payloadToJSON(startInput(await rawHistory(runId)))] });
    for (const role of ['ml_engineer', 'reviewer', 'viewer'] as const) {
      const res = await decode(body, sessionOf(role));
      expect(res.status, role).toBe(403);
      expect(JSON.stringify(res.body)).not.toContain(CANARY);
    }
    // The project admin's API token: tokens never decode (payloads name no project).
    expect((await decode(body, { authorization: `Bearer ${tokenFor('admin')}` })).status).toBe(403);
    expect((await decode(body, {})).status).toBe(401);
  });

  it('answers garbage, a tampered payload and an unknown key id with a 400 that says what is wrong', async () => {
    const notJson = await decode('payloads please');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toMatchObject({ code: 'invalid_json' });
    const badShape = await decode(JSON.stringify({ payloads: [{ data: 'not base64!' }] }));
    expect(badShape.status).toBe(400);
    expect(badShape.body.error).toMatchObject({ code: 'invalid_body', message: expect.stringMatching(/payloads\[0\]\.data must be a base64 string/) });

    const sealed = payloadToJSON(startInput(await rawHistory(runId)));
    const data = Buffer.from(sealed.data!, 'base64');
    data[20]! ^= 1;
    const tampered = await decode(JSON.stringify({ payloads: [{ ...sealed, data: data.toString('base64') }] }));
    expect(tampered.status).toBe(400);
    expect(tampered.body.error).toMatchObject({ code: 'undecryptable_payload', message: expect.stringMatching(/failed authentication: it was altered/) });

    const foreign = await payloadCodecFromConfig({ REFINERY_PAYLOAD_KEYS: `elsewhere-1:${randomBytes(32).toString('base64')}`, REFINERY_PAYLOAD_KEY_ID: 'elsewhere-1' }).encode([{ metadata: {}, data: new Uint8Array([1]) }]);
    const unknown = await decode(JSON.stringify({ payloads: foreign.map((p) => payloadToJSON(p)) }));
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/key id "elsewhere-1", which is not configured/);
  });

  it("answers the Temporal Web UI's origin with CORS (preflight and call), and no other origin", async () => {
    const ui = stackEnv().REFINERY_TEMPORAL_UI_ORIGIN!;
    expect(ui).toMatch(/^http/);
    const preflight = await fetch(`${webUrl()}/api/v1/temporal/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: ui, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ui);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/i);
    const elsewhere = await fetch(`${webUrl()}/api/v1/temporal/codec/decode`, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();

    const body = JSON.stringify({ payloads: [payloadToJSON(startInput(await rawHistory(runId)))] });
    const fromUi = await fetch(`${webUrl()}/api/v1/temporal/codec/decode`, { method: 'POST', body, headers: { cookie: sessionOf('admin').cookie, origin: ui, 'content-type': 'application/json' } });
    expect(fromUi.status).toBe(200);
    expect(fromUi.headers.get('access-control-allow-origin')).toBe(ui);
    // A cookie-carrying write from any other site is refused (CSRF), and gets no CORS headers.
    const fromElsewhere = await fetch(`${webUrl()}/api/v1/temporal/codec/decode`, { method: 'POST', body, headers: { cookie: sessionOf('admin').cookie, origin: 'http://evil.example', 'content-type': 'application/json' } });
    expect(fromElsewhere.status).toBe(403);
    expect(((await fromElsewhere.json()) as { error: { code: string } }).error.code).toBe('cross_site_request');
    expect(fromElsewhere.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('`temporal workflow show` prints ciphertext, and the canary once pointed at the codec endpoint (as record-histories does)', () => {
    const show = (extra: string[]) =>
      execFileSync(loadToolchain().temporal, ['workflow', 'show', '--workflow-id', runId, '--address', stackEnv().TEMPORAL_ADDRESS!, '--output', 'json', ...extra], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const withoutCodec = show([]);
    expect(withoutCodec).not.toContain(CANARY);
    expect(withoutCodec).toContain('YmluYXJ5L2VuY3J5cHRlZA'); // "binary/encrypted"
    const admin = sessionOf('admin');
    const withCodec = show(['--codec-endpoint', `${webUrl()}/api/v1/temporal/codec`, '--codec-header', `cookie=${admin.cookie}`, '--codec-header', `origin=${admin.origin}`]);
    expect(withCodec).not.toContain('YmluYXJ5L2VuY3J5cHRlZA');
    // The CLI prints payload data as base64 (or as JSON); either way the canary is there.
    const dataFields = [...withCodec.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1]!, 'base64').toString('utf8'));
    expect(withCodec.includes(CANARY) || dataFields.some((d) => d.includes(CANARY))).toBe(true);
  });
});
