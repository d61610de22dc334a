import type { DeliveryRecord } from '../delivery-ledger.ts';

/** What the deliveries list can be narrowed to; every field optional. */
export interface DeliveryFilter {
  readonly listener?: string;
  readonly repo?: string;
  /** A prefix of the commit sha (7 characters are what people paste). */
  readonly sha?: string;
  /** X-GitHub-Event (`push`, `pull_request`, …), or `harbor` for deliveries without one. */
  readonly event?: string;
  /**
   * `fired`: accepted and some trigger fired; `none`: accepted, no trigger fired; `rejected`:
   * refused (4xx/5xx); `duplicate`: a copy of an accepted delivery; `replay`: a replay of another.
   */
  readonly outcome?: Outcome;
  /** Received at or after (epoch ms). */
  readonly since?: number;
  /** Received at or before (epoch ms). */
  readonly until?: number;
}

type Summary = Omit<DeliveryRecord, 'body'>;

/** What became of a delivery, as the list filters it. */
export type Outcome = 'fired' | 'none' | 'rejected' | 'duplicate' | 'replay';

/** A delivery's outcome (a replay also counts as fired or none). */
export function outcomeOf(record: Summary): Exclude<Outcome, 'replay'> {
  if (record.error !== undefined) return 'rejected';
  if (record.duplicateOf !== undefined) return 'duplicate';
  return record.verdicts.some((v) => v.fired) ? 'fired' : 'none';
}

/** Whether a refusal (no body read, so no repository or commit) can pass the filter at all. */
export function refusalsCanMatch(filter: DeliveryFilter): boolean {
  return !filter.repo && !filter.sha && (!filter.outcome || filter.outcome === 'rejected');
}

/**
 * The event a delivery carried: GitHub's `X-GitHub-Event`, else a CloudEvents type, else `harbor`
 * (`unknown` for a refusal).
 */
export function eventOf(record: Summary): string {
  // A refusal may have been refused before anyone could tell GitHub from Harbor.
  return (
    record.headers['x-github-event'] ?? record.headers['ce-type'] ?? (record.error ? 'unknown' : 'harbor')
  );
}

/** Whether a ledger record passes the filter (time bounds are applied to the index, not here). */
export function matchesFilter(record: Summary, filter: DeliveryFilter): boolean {
  if (filter.listener && record.listener !== filter.listener) return false;
  if (filter.repo && record.repo !== filter.repo) return false;
  if (filter.sha && !record.sha?.startsWith(filter.sha.toLowerCase())) return false;
  if (filter.event && eventOf(record) !== filter.event) return false;
  if (filter.outcome === 'replay') return record.replayOf !== undefined;
  return !filter.outcome || outcomeOf(record) === filter.outcome;
}
