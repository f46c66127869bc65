import type { Payload } from '@temporalio/common';

/**
 * The SDK's own patch marker (`patched()` in workflow code, e.g. project-quotas): the patch's id
 * and nothing else, written by the SDK outside the data converter, so never encrypted.
 */
export function isPatchMarker(p: Payload): boolean {
  try {
    const value = JSON.parse(new TextDecoder().decode(p.data ?? new Uint8Array())) as Record<string, unknown>;
    return Object.keys(value).sort().join() === 'deprecated,id' && /^[a-z0-9-]+$/.test(String(value.id)) && typeof value.deprecated === 'boolean';
  } catch {
    return false;
  }
}
