import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parseStageReport, type ModelDetail } from '@refinery/core';
import { probeGguf } from '../../workers/gpu/src/gguf-check';
import { api, DEMO_SPEC, submitYaml, waitForRun } from '../support/api';
import { refinery } from '../support/cli';

/**
 * Take it home: a promoted version with a quantization section is pulled with the real CLI
 * (`refinery models pull <model>@<alias>`); the GGUF arrives checked against the version's
 * sha256 and loads and generates in llama.cpp (node-llama-cpp, in a child process), and the
 * Modelfile names it and carries the model's chat template in Ollama's syntax.
 */
const MODEL = 'pull-e2e';

function pullSpec(): string {
  const spec = parse(DEMO_SPEC);
  spec.name = 'pull-e2e';
  spec.training = { ...spec.training, maxSteps: 3, epochs: 1 };
  spec.quantization = { formats: ['q8_0'] };
  delete spec.evaluation;
  spec.promotion = { model: MODEL, alias: 'production' };
  return stringify(spec);
}

const sha256File = (path: string) =>
  new Promise<string>((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path).on('data', (c) => h.update(c)).on('end', () => resolve(h.digest('hex'))).on('error', reject);
  });

describe('refinery models pull', () => {
  it('downloads a promoted version\'s GGUF (checksum-verified, loads in llama.cpp) and writes an Ollama Modelfile', { timeout: 15 * 60_000 }, async () => {
    const run = await waitForRun((await submitYaml(pullSpec())).body.id, undefined, 12 * 60_000);
    expect(run.status, run.error ?? '').toBe('succeeded');
    const quantize = parseStageReport('quantize', run.stages.find((s) => s.stage === 'quantize')?.metrics).report!;
    expect(quantize.chatFormat).toMatchObject({ supported: true, system: { placement: 'turn' } });

    const model: ModelDetail = (await api('GET', `/api/v1/models/${MODEL}?project=demo`)).body;
    const version = model.versions.find((v) => v.runId === run.id)!;
    expect(model.aliases.production).toBe(version.version);
    expect(version.record.chatFormat).toEqual(quantize.chatFormat);
    const gguf = version.record.ggufs.find((g) => g.format === 'q8_0')!;
    expect(gguf.sha256).toMatch(/^[0-9a-f]{64}$/);

    const out = join(mkdtempSync(join(tmpdir(), 'refinery-pull-')), 'home');
    const pulled = await refinery(['--json', 'models', 'pull', `${MODEL}@production`, '-p', 'demo', '-o', out]);
    expect(pulled.code, pulled.stderr).toBe(0);
    const result = JSON.parse(pulled.stdout);
    expect(result).toMatchObject({ model: MODEL, version: version.version, format: 'q8_0', sha256: gguf.sha256, bytes: gguf.bytes, template: true, warning: null });
    expect(readdirSync(out).sort()).toEqual(['Modelfile', 'model-q8_0.gguf']); // no partial files left behind
    const file = join(out, 'model-q8_0.gguf');
    expect(statSync(file).size).toBe(gguf.bytes);
    expect(await sha256File(file)).toBe(gguf.sha256);

    // The file loads and generates in llama.cpp, and its chat prompt is the model's.
    const chat = [{ role: 'system' as const, content: 'You route support tickets.' }, { role: 'user' as const, content: 'Where is my order?' }];
    const probe = await probeGguf(file, 'Hello, my order', chat);
    expect(probe.error).toBeNull();
    expect(probe.ok).toBe(true);
    expect(probe.generated!.length).toBeGreaterThan(0);
    expect(probe.chat!.text).toBe('<|system|>\nYou route support tickets.<|end|>\n<|user|>\nWhere is my order?<|end|>\n<|assistant|>\n');

    // The Modelfile: FROM the pulled file, the tiny Llama's template in Go syntax, its stop tokens.
    const lines = readFileSync(join(out, 'Modelfile'), 'utf8').split('\n');
    expect(lines.filter((l) => /^[A-Z]+ /.test(l)).map((l) => l.split(' ')[0])).toEqual(['FROM', 'TEMPLATE', 'PARAMETER', 'PARAMETER']);
    expect(lines).toContain('FROM ./model-q8_0.gguf');
    expect(lines).toContain(`# ollama create ${MODEL}:v${version.version} -f Modelfile`);
    expect(lines).toContain('TEMPLATE """{{- range $i, $m := .Messages }}');
    expect(lines).toContain('{{- if eq $m.Role "system" }}{{ "<|system|>\\n" }}{{ $m.Content }}{{ "<|end|>\\n" }}');
    expect(lines).toContain('{{- else if eq $m.Role "user" }}{{ "<|user|>\\n" }}{{ $m.Content }}{{ "<|end|>\\n" }}');
    expect(lines).toContain('{{- if and $last (ne $m.Role "assistant") }}{{ "<|assistant|>\\n" }}{{ end }}');
    expect(lines).toContain('{{- end }}"""');
    expect(lines.filter((l) => l.startsWith('PARAMETER stop'))).toEqual(['PARAMETER stop "<|end|>"', 'PARAMETER stop "<|user|>"']);

    // Pulling again into the same place refuses (nothing replaced) unless --force; a missing format is named.
    const again = await refinery(['models', 'pull', `${MODEL}@v${version.version}`, '-p', 'demo', '-o', out]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('already exists');
    const forced = await refinery(['--json', 'models', 'pull', MODEL, '--version', String(version.version), '-p', 'demo', '-o', out, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await sha256File(file)).toBe(gguf.sha256);
    const missing = await refinery(['models', 'pull', `${MODEL}@production`, '-p', 'demo', '-o', `${out}-2`, '--format', 'q4_K_M']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('has no q4_K_M GGUF; it has q8_0');
  });
});
