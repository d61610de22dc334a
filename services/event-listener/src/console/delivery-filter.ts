import type { DeliveryRecord } from '../delivery-ledger.ts';

/** What the deliveries list can be narrowed to; every field optional. */
export interface DeliveryFilter {
  readonly listener?: string;
  readonly repo?: string;
  /** A prefix of the commit sha (7 characters are what people paste). */
  readonly sha?: string;
  /** X-GitHub-Event (`push`, `pull_request`, …), or `harbor` for deliveries without one. */
  readonly event?: string;
  /** `fired`: some trigger fired; `none`: no trigger fired; `replay`: a replay of another delivery. */
  readonly outcome?: 'fired' | 'none' | 'replay';
  /** Received at or after (epoch ms). */
  readonly since?: number;
  /** Received at or before (epoch ms). */
  readonly until?: number;
}

type Summary = Omit<DeliveryRecord, 'body'>;

/** The event a delivery carried: GitHub's `X-GitHub-Event`, else a CloudEvents type, else `harbor`. */
export function eventOf(record: Summary): string {
  return record.headers['x-github-event'] ?? record.headers['ce-type'] ?? 'harbor';
}

/** Whether a ledger record passes the filter (time bounds are applied to the index, not here). */
export function matchesFilter(record: Summary, filter: DeliveryFilter): boolean {
  if (filter.listener && record.listener !== filter.listener) return false;
  if (filter.repo && record.repo !== filter.repo) return false;
  if (filter.sha && !record.sha?.startsWith(filter.sha.toLowerCase())) return false;
  if (filter.event && eventOf(record) !== filter.event) return false;
  if (filter.outcome) {
    const fired = record.verdicts.some((v) => v.fired);
    if (filter.outcome === 'fired' && !fired) return false;
    if (filter.outcome === 'none' && fired) return false;
    if (filter.outcome === 'replay' && !record.replayOf) return false;
  }
  return true;
}
