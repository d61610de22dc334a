import type { ImageUpdatePolicySpec } from '@signalbox/triggers';

/** Harbor's own ranking (src/pkg/scan/vuln/severity.go); an unrecognised severity ranks highest. */
const rank: Readonly<Record<string, number>> = {
  None: 0,
  Unknown: 0,
  Negligible: 1,
  Low: 2,
  Medium: 3,
  High: 4,
  Critical: 5,
};

/** The scan gate's answer for one Harbor event. */
export type ScanVerdict =
  | { readonly state: 'pass'; readonly summary: string }
  | { readonly state: 'block'; readonly summary: string }
  /** The event is a push: the gate needs the scan that follows it. */
  | { readonly state: 'awaiting-scan' }
  /** Not a scan and not a push (nothing to decide). */
  | { readonly state: 'irrelevant' };

/** `blockAt` when the policy names none: a High finding blocks, as in the examples. */
export const defaultBlockAt = 'High';

/**
 * Reads one event against the policy's gate. `scan: required` passes only a SCANNING_COMPLETED
 * whose highest severity is below `blockAt`; SCANNING_FAILED and SCANNING_STOPPED block (an
 * unscanned image is not a clean one); a completed scan that names no severity blocks too, since
 * the gate cannot tell it is clean. Without a gate, the push itself passes.
 */
export function scanVerdict(
  gate: ImageUpdatePolicySpec['gate'],
  event: { event: string; severity?: string | undefined },
): ScanVerdict {
  const isPush = event.event === 'PUSH_ARTIFACT';
  if (!gate || gate.scan === 'none') {
    return isPush ? { state: 'pass', summary: 'no scan gate' } : { state: 'irrelevant' };
  }
  if (isPush) return { state: 'awaiting-scan' };
  if (event.event === 'SCANNING_FAILED') return { state: 'block', summary: 'the scan failed' };
  if (event.event === 'SCANNING_STOPPED') return { state: 'block', summary: 'the scan was stopped' };
  if (event.event !== 'SCANNING_COMPLETED') return { state: 'irrelevant' };
  const blockAt = gate.blockAt ?? defaultBlockAt;
  const severity = event.severity ?? '';
  if (severity === '') return { state: 'block', summary: 'the scan reported no severity' };
  const found = rank[severity] ?? 99;
  const limit = rank[blockAt] ?? 99;
  return found >= limit
    ? { state: 'block', summary: `highest severity ${severity} (blocks at ${blockAt})` }
    : { state: 'pass', summary: `highest severity ${severity} (below ${blockAt})` };
}
