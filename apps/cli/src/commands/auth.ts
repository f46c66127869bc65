import { hostname } from 'node:os';
import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { API_TOKEN_PATTERN, isProjectRole, type Me } from '@refinery/core';
import { RefineryApi } from '../api-client';
import { credentialsFile, forgetCredential, loadToken, saveCredential, storedCredential } from '../credentials';
import { UsageError } from './redact';

/** The options every command reads from the program (`--api-url`, `--json`). */
export interface GlobalOpts {
  apiUrl: string;
  json?: boolean;
}

/** `--json`: the value as JSON; otherwise the text for people. */
export const print = (json: boolean | undefined, value: unknown, text: () => string) => console.log(json ? JSON.stringify(value, null, 2) : text());

/** The API client with the caller's token (REFINERY_TOKEN, or the one `refinery login` stored). */
export const authedApi = (globals: () => GlobalOpts) => new RefineryApi(globals().apiUrl, { token: loadToken(globals().apiUrl) });

/**
 * `refinery login`: with --email, signs in (password from REFINERY_PASSWORD or a prompt) and
 * creates an API token for one project; with --token, stores a token made in the dashboard.
 * Either way the token is checked against the API before it is stored (0600 file).
 */
export function loginCommand(globals: () => GlobalOpts): Command {
  return new Command('login')
    .description(`sign in and store an API token for this API URL (in ${credentialsFile()})`)
    .option('--email <email>', 'sign in with this account and create a token')
    .option('--token <token>', 'store this API token (from the dashboard); - reads it from stdin')
    .option('-p, --project <project>', 'the project the new token is for (default: your only project)')
    .option('--role <role>', 'the new token\'s role (default: your role in the project)')
    .option('--expires-in-days <days>', 'the new token\'s lifetime', (v) => Number(v), 30)
    .action(async (o: { email?: string; token?: string; project?: string; role?: string; expiresInDays: number }) => {
      const { apiUrl, json } = globals();
      if (Boolean(o.email) === Boolean(o.token)) throw new UsageError('give either --email <email> (sign in and create a token) or --token <token>');
      let token: string;
      if (o.token) {
        token = (o.token === '-' ? await readLine('') : o.token).trim();
        if (!API_TOKEN_PATTERN.test(token)) throw new UsageError('that does not look like a Refinery API token (rfy_ followed by 43 characters)');
      } else {
        const password = process.env.REFINERY_PASSWORD ?? (await readLine(`password for ${o.email}: `, true));
        const session = new RefineryApi(apiUrl, { cookie: await new RefineryApi(apiUrl).signIn(o.email!, password) });
        const me = await session.me();
        const project = pickProject(me, o.project);
        const role = o.role ?? project.role;
        if (!isProjectRole(role)) throw new UsageError(`--role must be one of viewer, reviewer, ml_engineer, admin`);
        const created = await session.createToken({ name: `cli on ${hostname()}`, project: project.id, role, expiresInDays: o.expiresInDays });
        token = created.token;
      }
      const me = await new RefineryApi(apiUrl, { token }).me();
      saveCredential(apiUrl, { token, tokenId: me.token!.id, project: me.token!.project, role: me.token!.role, email: me.user.email });
      const stored = { email: me.user.email, project: me.token!.project, role: me.token!.role, tokenId: me.token!.id, file: credentialsFile() };
      console.log(json ? JSON.stringify(stored) : `logged in as ${stored.email}: ${stored.role} in project ${stored.project} (token ${stored.tokenId}, stored in ${stored.file})`);
    });
}

export function logoutCommand(globals: () => GlobalOpts): Command {
  return new Command('logout').description('revoke the stored API token and forget it').action(async () => {
    const { apiUrl } = globals();
    const stored = storedCredential(apiUrl);
    if (!stored) return console.log(`no stored token for ${apiUrl}`);
    await new RefineryApi(apiUrl, { token: stored.token }).revokeToken(stored.tokenId).catch((err: Error) => console.error(`warning: could not revoke the token on the server (${err.message}); forgetting it here anyway`));
    forgetCredential(apiUrl);
    console.log(`logged out of ${apiUrl}`);
  });
}

export function whoamiCommand(globals: () => GlobalOpts): Command {
  return new Command('whoami').description('who the API sees you as, and your projects').action(async () => {
    const me = await authedApi(globals).me();
    if (globals().json) return console.log(JSON.stringify(me, null, 2));
    const via = me.token ? `API token ${me.token.id} (${me.token.role} in ${me.token.project})` : 'session';
    console.log(`${me.user.name} <${me.user.email}>${me.user.instanceAdmin ? ' · instance admin' : ''} via ${via}`);
    for (const p of me.projects) console.log(`  ${p.id.padEnd(20)} ${p.role}`);
  });
}

export function tokensCommand(globals: () => GlobalOpts): Command {
  const tokens = new Command('tokens').description('list and revoke API tokens (create them with `refinery login` or the dashboard)');
  tokens.command('list').action(async () => {
    const { tokens: list } = await authedApi(globals).listTokens();
    if (globals().json) return console.log(JSON.stringify(list, null, 2));
    if (!list.length) return console.log('no tokens');
    for (const t of list) {
      const state = t.revokedAt ? 'revoked' : Date.parse(t.expiresAt) <= Date.now() ? 'expired' : `expires ${t.expiresAt.slice(0, 10)}`;
      console.log(`${t.id}  ${t.prefix}…  ${t.project}/${t.role}  ${t.owner}  ${state}  last used ${t.lastUsedAt?.slice(0, 16) ?? 'never'}  ${t.name}`);
    }
  });
  tokens
    .command('revoke <id>')
    .action(async (id: string) => {
      const t = await authedApi(globals).revokeToken(id);
      console.log(globals().json ? JSON.stringify(t) : `revoked ${t.id} (${t.name})`);
    });
  return tokens;
}

function pickProject(me: Me, wanted: string | undefined) {
  if (wanted) {
    const p = me.projects.find((x) => x.id === wanted);
    if (!p) throw new UsageError(`you are not a member of project "${wanted}"; yours: ${me.projects.map((x) => x.id).join(', ') || 'none'}`);
    return p;
  }
  if (me.projects.length !== 1) throw new UsageError(`choose the token's project with --project (${me.projects.map((x) => x.id).join(', ') || 'you have none'})`);
  return me.projects[0]!;
}

/** One line from the terminal (not echoed when hidden) or from piped stdin. */
export async function readLine(prompt: string, hidden = false): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY && hidden });
  if (hidden && process.stdin.isTTY) {
    // Print the prompt, then swallow the echo of what is typed.
    process.stderr.write(prompt);
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
  } else if (prompt) process.stderr.write(prompt);
  try {
    const line: string = await new Promise((resolve, reject) => {
      rl.once('line', resolve);
      rl.once('close', () => reject(new UsageError('no input; set REFINERY_PASSWORD or run in a terminal')));
    });
    if (hidden && process.stdin.isTTY) process.stderr.write('\n');
    return line;
  } finally {
    rl.close();
  }
}
