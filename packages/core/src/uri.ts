import { z } from 'zod';

/**
 * Where inputs come from. `file://` is checked again against allowed roots when read
 * (packages/storage); here we only reject what can never be right.
 */
export const URI_SCHEMES = ['file', 's3', 'object', 'hf'] as const;

const hasTraversal = (path: string) => path.split(/[\\/]/).some((seg) => seg === '..');

export function checkUri(uri: string, allowed: readonly (typeof URI_SCHEMES)[number][]): string | null {
  const m = /^([a-z0-9]+):\/\/(.*)$/i.exec(uri);
  if (!m) return `"${uri}" is not a URI; use one of ${allowed.map((s) => `${s}://`).join(', ')}`;
  const scheme = m[1]!.toLowerCase();
  const rest = m[2]!;
  if (!(allowed as readonly string[]).includes(scheme)) {
    return `scheme "${scheme}://" is not supported here; use one of ${allowed.map((s) => `${s}://`).join(', ')}`;
  }
  if (rest.length === 0) return 'the URI has no path';
  if (hasTraversal(decodeURIComponentSafe(rest))) return 'the URI must not contain ".." path segments';
  if (rest.includes('\0')) return 'the URI must not contain NUL bytes';
  if (scheme === 's3' && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+/.test(rest)) return 's3 URIs look like s3://bucket/key';
  if (scheme === 'object' && !/^sha256\/[0-9a-f]{64}$/.test(rest)) return 'object URIs look like object://sha256/<64 hex digits>';
  if (scheme === 'hf' && !/^[A-Za-z0-9][\w.-]*\/[\w.-]+$/.test(rest)) return 'hf URIs look like hf://org/name';
  return null;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export const uriSchema = (allowed: readonly (typeof URI_SCHEMES)[number][]) =>
  z.string().max(2048).superRefine((uri, ctx) => {
    const problem = checkUri(uri, allowed);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
