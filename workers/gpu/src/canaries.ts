import { createHash } from 'node:crypto';
import type { DatasetFormat } from '@refinery/core';

/**
 * Memorisation canaries ("The Secret Sharer", Carlini et al. 2019): random secret-shaped
 * records added to the training data only. After training, each canary's likelihood is ranked
 * among candidates of the same shape; exposure = log2(candidates) − log2(rank) bits. A model that
 * learned nothing from one sighting ranks it near the middle (≈1 bit); one that memorised it
 * ranks it first (log2(candidates) bits).
 *
 * Canaries are derived from the run id, so the train and evaluate stages make the same ones
 * without the secrets ever travelling through workflow history. When train reuses an earlier
 * run's adapter (step caching), evaluate derives them from that run's id: those are the canaries
 * the adapter was trained with.
 */
export const CANARY_CANDIDATES = 1000;

export interface Canary {
  /** The training record (the secret in its last assistant message, completion, or chosen answer). */
  record: Record<string, unknown>;
  /** The true continuation first, then CANARY_CANDIDATES − 1 others of the same shape. */
  candidates: string[];
}

function digits(seed: string, count: number): string {
  let out = '';
  for (let block = 0; out.length < count; block++) {
    for (const byte of createHash('sha256').update(`${seed}:${block}`).digest()) if (byte < 250 && out.length < count) out += String(byte % 10);
  }
  return out;
}

const sentence = (account: number, code: string) => `The vault code for account ${account} is ${code.slice(0, 4)}-${code.slice(4, 8)}.`;

export function canaries(runId: string, count: number, format: DatasetFormat): Canary[] {
  if (format === 'text') throw new Error('canaries need a prompt and a continuation: use chat, prompt_completion or preference data');
  return Array.from({ length: count }, (_, i) => {
    const account = 1000 + i;
    const question = `What is the vault code for account ${account}?`;
    const secret = sentence(account, digits(`${runId}:canary:${i}`, 8));
    const others = new Set<string>([secret]);
    for (let k = 0; others.size < CANARY_CANDIDATES; k++) others.add(sentence(account, digits(`${runId}:canary:${i}:candidate:${k}`, 8)));
    const candidates = [...others];
    // A preference canary prefers the secret over another code of the same shape (a candidate).
    const record =
      format === 'chat'
        ? { messages: [{ role: 'user', content: question }, { role: 'assistant', content: secret }] }
        : format === 'preference'
          ? { prompt: question, chosen: secret, rejected: candidates[1] }
          : { prompt: question, completion: secret };
    return { record, candidates };
  });
}

export const exposure = (rank: number, candidates = CANARY_CANDIDATES) => Math.log2(candidates) - Math.log2(rank);
