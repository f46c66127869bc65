import { randomBytes } from 'node:crypto';

/** Time-ordered ids (sortable like ULIDs) so cursors and listings follow creation order. */
export function newId(prefix: string): string {
  const time = Date.now().toString(36).padStart(9, '0');
  return `${prefix}_${time}${randomBytes(6).toString('hex')}`;
}
