import type { Payload, PayloadCodec } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
// The SDK's generated walker over every payload field of the API messages (inputs, results,
// heartbeat details, failure details, memos, headers). Not a documented entry point, hence the
// deep import; it is generated from the same protos as the history itself.
import { walkGetWorkflowExecutionHistoryResponse } from '@temporalio/proto/lib/payload-visitor.generated.js';

type History = temporal.api.history.v1.IHistory;

/** Replaces every payload of `history` by what `fn` returns for it, in place (search attributes stay: they are never encoded). */
export async function mapHistoryPayloads(history: History, fn: (payloads: Payload[]) => Promise<Payload[]>): Promise<History> {
  const pending = walkGetWorkflowExecutionHistoryResponse(
    { history },
    {
      transformPayload: async (p) => (await fn([p]))[0]!,
      transformPayloads: (ps) => fn(ps),
      skipHeaders: false,
      skipSearchAttributes: true,
    },
    undefined,
  );
  await Promise.all(pending);
  return history;
}

/** A history as a process with the codec sees it: every encrypted payload decrypted (in place). */
export const decodeHistory = (codec: PayloadCodec, history: History) => mapHistoryPayloads(history, (ps) => codec.decode(ps));

/** Every payload a history holds, as stored. */
export async function historyPayloads(history: History): Promise<Payload[]> {
  const seen: Payload[] = [];
  await mapHistoryPayloads(history, async (ps) => {
    seen.push(...ps);
    return ps;
  });
  return seen;
}
