import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../infra/src/toolchain';
import { tokenFor, webUrl } from './api';

/**
 * Runs the real `refinery` binary against the test stack, by default as the ML engineer's API
 * token (REFINERY_TOKEN) with an empty config directory of its own.
 */
export function refinery(args: string[], stdin?: string, env: Record<string, string | undefined> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = { ...process.env, XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'refinery-config-')), REFINERY_TOKEN: tokenFor('ml_engineer'), REFINERY_PASSWORD: undefined };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'apps/cli/bin/refinery.mjs'), '--api-url', webUrl(), ...args], { cwd: REPO_ROOT, env: { ...base, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    if (stdin !== undefined) child.stdin.end(stdin);
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

