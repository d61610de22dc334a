import { describe, expect, it } from 'vitest';
import { filterOf } from '../../src/console/deliveries-page.ts';
import { eventOf, matchesFilter } from '../../src/console/delivery-filter.ts';
import type { DeliveryRecord } from '../../src/delivery-ledger.ts';

const record = (over: Partial<DeliveryRecord> = {}): Omit<DeliveryRecord, 'body'> => ({
  eventID: '0b1e7c0e-5c1b-4a8e-9d53-1f0c8d7e6a21',
  deliveryId: 'd',
  listener: 'ci',
  receivedAt: '2026-12-07T10:05:30.000Z',
  contentType: 'application/json',
  headers: { 'x-github-event': 'push' },
  bodyBytes: 2,
  repo: 'org/app',
  sha: 'f00d2222',
  verdicts: [
    { name: 'build', fired: false, reason: 'no' },
    { name: 'always', fired: true, resources: [] },
  ],
  jobIds: [],
  ...over,
});

describe('filterOf', () => {
  it('reads the form: empty fields mean any, times are UTC minutes and "to" includes its minute', () => {
    expect(filterOf({ listener: '', repo: 'org/app', outcome: '' as never })).toEqual({ repo: 'org/app' });
    expect(filterOf({ since: '2026-12-07T10:05', until: '2026-12-07T10:05' })).toEqual({
      since: Date.UTC(2026, 11, 7, 10, 5),
      until: Date.UTC(2026, 11, 7, 10, 5, 59, 999),
    });
    expect(filterOf({ since: 'not a time' })).toEqual({});
  });
});

describe('matchesFilter', () => {
  it('takes a sha prefix in any case, and outcomes by what fired', () => {
    expect(matchesFilter(record(), { sha: 'F00D' })).toBe(true);
    expect(matchesFilter(record(), { sha: 'f00e' })).toBe(false);
    expect(matchesFilter(record(), { outcome: 'fired' })).toBe(true);
    expect(matchesFilter(record(), { outcome: 'none' })).toBe(false);
    expect(matchesFilter(record({ verdicts: [{ name: 'build', fired: false }] }), { outcome: 'none' })).toBe(
      true,
    );
    expect(matchesFilter(record(), { outcome: 'replay' })).toBe(false);
    expect(
      matchesFilter(record({ replayOf: 'x' }), { outcome: 'replay', listener: 'ci', event: 'push' }),
    ).toBe(true);
    expect(matchesFilter(record(), { listener: 'harbor' })).toBe(false);
  });

  it('tells refusals and duplicates from what fired or not', () => {
    const refused = record({ verdicts: [], status: 401, error: 'unauthorized' });
    const copy = record({ verdicts: [], duplicateOf: 'e' });
    expect(matchesFilter(refused, { outcome: 'rejected' })).toBe(true);
    expect(matchesFilter(copy, { outcome: 'duplicate' })).toBe(true);
    for (const outcome of ['fired', 'none', 'duplicate'] as const)
      expect(matchesFilter(refused, { outcome })).toBe(false);
    for (const outcome of ['fired', 'none', 'rejected'] as const)
      expect(matchesFilter(copy, { outcome })).toBe(false);
    expect(matchesFilter(record(), { outcome: 'rejected' })).toBe(false);
    expect(eventOf(record({ headers: {}, error: 'payload_too_large' }))).toBe('unknown');
  });

  it('names a delivery without a GitHub event after its CloudEvents type, else harbor', () => {
    expect(eventOf(record({ headers: { 'ce-type': 'dev.example.build' } }))).toBe('dev.example.build');
    expect(eventOf(record({ headers: {} }))).toBe('harbor');
  });
});
