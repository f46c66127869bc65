import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Stored API tokens, one per API URL, in <config dir>/refinery/credentials.json: the directory
 * is 0700 and the file 0600, written atomically. REFINERY_TOKEN, when set, wins over the file.
 */
export interface StoredCredential {
  token: string;
  tokenId: string;
  project: string;
  role: string;
  email: string;
}

export const credentialsFile = () => join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'refinery', 'credentials.json');

const keyFor = (apiUrl: string) => new URL(apiUrl).origin;

function readAll(): Record<string, StoredCredential> {
  const file = credentialsFile();
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, StoredCredential>;
  } catch (err) {
    throw new Error(`cannot read ${file} (${(err as Error).message}); delete it and run \`refinery login\` again`);
  }
}

function writeAll(all: Record<string, StoredCredential>): void {
  const file = credentialsFile();
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

export function loadToken(apiUrl: string): string | undefined {
  return process.env.REFINERY_TOKEN || readAll()[keyFor(apiUrl)]?.token;
}

export const storedCredential = (apiUrl: string): StoredCredential | undefined => readAll()[keyFor(apiUrl)];

export function saveCredential(apiUrl: string, credential: StoredCredential): void {
  writeAll({ ...readAll(), [keyFor(apiUrl)]: credential });
}

export function forgetCredential(apiUrl: string): boolean {
  const all = readAll();
  if (!all[keyFor(apiUrl)]) return false;
  delete all[keyFor(apiUrl)];
  writeAll(all);
  return true;
}
