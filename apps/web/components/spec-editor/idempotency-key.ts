/**
 * A random key for one form session. crypto.getRandomValues works on plain-http origins too
 * (randomUUID needs a secure context, and self-hosted dashboards are often served over http).
 */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
