import {
  type CelExplanation,
  explainCel,
  type ListenerModel,
  type TriggerEngine,
  toHeaderMap,
} from '@signalbox/triggers';
import type { DeliveryRecord, StoredVerdict } from '../delivery-ledger.ts';

// The cel interceptor's reason for a false filter: `filter "<source as JSON>" did not return true`;
// for one that raised an error, `filter error: <message>` (the source is then the interceptor's).
const falseFilter = /filter ("(?:[^"\\]|\\.)*") did not return true/;
const filterError = ': filter error: ';

type Interceptors = ListenerModel['triggers'][number]['interceptors'];

/** A trigger's whole chain in the current config: its group's interceptors, then its own. */
function chainOf(listener: ListenerModel | undefined, trigger: string): Interceptors | undefined {
  const own = listener?.triggers.find((t) => t.name === trigger);
  if (own) return own.interceptors;
  const group = listener?.groups.find((g) => g.triggers.some((t) => t.name === trigger));
  const member = group?.triggers.find((t) => t.name === trigger);
  return group && member ? [...group.interceptors, ...member.interceptors] : undefined;
}

/**
 * The chain run again, as a replay runs it (trusted: no secret is read; no GitHub client, so
 * nothing is fetched), up to the interceptor that stops it: that one, and the extensions the
 * interceptors before it gave.
 */
async function replayChain(
  chain: Interceptors,
  request: Omit<Parameters<Interceptors[number]['run']>[0], 'extensions'>,
): Promise<{ extensions: Record<string, unknown>; stoppedBy?: Interceptors[number] }> {
  let extensions: Record<string, unknown> = {};
  for (const interceptor of chain) {
    const result = await interceptor.run({ ...request, extensions }, { secrets: { read: () => undefined } });
    if (!result.continue) return { extensions, stoppedBy: interceptor };
    if (result.extensions) extensions = { ...extensions, ...result.extensions };
  }
  return { extensions };
}

/**
 * Why a trigger's CEL filter was false, or raised an error, for this delivery: the filter (as the
 * verdict quoted it, or for an error the source of the interceptor that stops the chain again)
 * explained clause by clause by the engine that evaluated it, against the stored body and headers
 * and the extensions the interceptors before it give under the current config. Undefined when the
 * verdict is not a filter's, or the body was not kept.
 */
export async function explainVerdict(
  engine: TriggerEngine | undefined,
  record: DeliveryRecord,
  verdict: StoredVerdict,
): Promise<{ explanation: CelExplanation } | { error: string } | undefined> {
  const quoted = verdict.reason ? falseFilter.exec(verdict.reason)?.[1] : undefined;
  if ((!quoted && !verdict.reason?.includes(filterError)) || record.body === undefined) return undefined;
  try {
    const body = JSON.parse(record.body) as Record<string, unknown>;
    const request = {
      rawBody: Buffer.from(record.body, 'utf8'),
      body,
      header: toHeaderMap(record.headers),
      requestURL: `/hooks/${record.listener}`,
      trusted: true,
    };
    const chain = chainOf(engine?.config.listeners.get(record.listener), verdict.name);
    const { extensions, stoppedBy } = chain ? await replayChain(chain, request) : { extensions: {} };
    const source = quoted ? (JSON.parse(quoted) as string) : stoppedBy?.filter;
    if (source === undefined) return undefined;
    return {
      explanation: explainCel(source, {
        body,
        header: request.header,
        extensions,
        requestURL: request.requestURL,
      }),
    };
  } catch (err) {
    return { error: (err as Error).message };
  }
}
