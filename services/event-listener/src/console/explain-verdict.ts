import { type CelExplanation, explainCel, toHeaderMap } from '@signalbox/triggers';
import type { DeliveryRecord, StoredVerdict } from '../delivery-ledger.ts';

// The cel interceptor's reason for a false filter: `filter "<source as JSON>" did not return true`.
const falseFilter = /filter ("(?:[^"\\]|\\.)*") did not return true/;

/**
 * Why a trigger's CEL filter was false for this delivery: the filter (as the verdict quoted it)
 * explained clause by clause against the stored body and headers, by the engine that evaluated
 * it. Extensions from interceptors earlier in the chain are not recomputed, so a clause reading
 * `extensions` shows as an error. Undefined when the verdict is not a false filter or the body
 * was not kept.
 */
export function explainVerdict(
  record: DeliveryRecord,
  verdict: StoredVerdict,
): { explanation: CelExplanation } | { error: string } | undefined {
  const match = verdict.reason ? falseFilter.exec(verdict.reason) : null;
  if (!match?.[1] || record.body === undefined) return undefined;
  try {
    const source = JSON.parse(match[1]) as string;
    const body = JSON.parse(record.body) as unknown;
    return {
      explanation: explainCel(source, {
        body,
        header: toHeaderMap(record.headers),
        extensions: {},
        requestURL: `/hooks/${record.listener}`,
      }),
    };
  } catch (err) {
    return { error: (err as Error).message };
  }
}
