import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = new URL('../../', import.meta.url).pathname.replace(/\/$/, '');

/** Paths the bootstrap resolved (scripts/bootstrap writes .data/toolchain.env); env wins. */
export interface Toolchain {
  python: string;
  temporal: string;
  versitygw?: string;
  chromium?: string;
  /** llama.cpp tools and converter built from node-llama-cpp's source (the GGUF stages). */
  llamaCpp?: string;
  /** helm, for the chart test (infra/test/helm-chart.test.ts). */
  helm?: string;
  /** The cluster topology's Temporal Server and its schema tool (go.temporal.io/server). */
  temporalServer?: string;
  temporalSqlTool?: string;
}

export function loadToolchain(): Toolchain {
  const file = join(REPO_ROOT, '.data', 'toolchain.env');
  const fromFile: Record<string, string> = {};
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) fromFile[line.slice(0, eq)] = line.slice(eq + 1);
    }
  }
  const get = (k: string) => process.env[k] || fromFile[k] || undefined;
  const temporal = get('TEMPORAL_CLI');
  const python = get('REFINERY_PYTHON');
  if (!temporal || !python) throw new Error('toolchain not bootstrapped: run `bash scripts/bootstrap` (npm start and npm test do this)');
  return { temporal, python, versitygw: get('VERSITYGW'), chromium: get('CHROMIUM'), llamaCpp: get('REFINERY_LLAMA_CPP'), helm: get('REFINERY_HELM'), temporalServer: get('TEMPORAL_SERVER'), temporalSqlTool: get('TEMPORAL_SQL_TOOL') };
}
