import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRedis } from '@signalbox/runtime';
import { redisForTest } from '@signalbox/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listDeliveries } from '../../src/console/list-deliveries.ts';
import { DeliveryLedger, type LedgerEntry } from '../../src/delivery-ledger.ts';
import { createRefusalLog } from '../../src/refusal-log.ts';
import {
  adminToken,
  buildTestListener,
  harborAuth,
  sign,
  type TestListener,
} from '../build-test-listener.ts';
import { recordDeliveries } from '../record-deliveries.ts';
import { consoleConfig, signedPush } from './console-config.ts';
import { consoleLogin } from './console-login.ts';

const { url, prefix } = redisForTest(import.meta.url);
let listener: TestListener;
const html = { accept: 'text/html' };
const rowIds = (page: string) => [...page.matchAll(/<tr id="d-([0-9a-f-]{36})"/g)].map((m) => m[1] as string);
const webhook = (url: string, headers: Record<string, string>, payload: string) =>
  listener.app.inject({ method: 'POST', url, headers, payload });

beforeAll(async () => {
  listener = await buildTestListener({ redisUrl: url, prefix, config: consoleConfig });
});
afterAll(() => listener.close());

describe('refused deliveries in the console', () => {
  it('lists an unsigned, a wrongly signed and a malformed push as rejected rows with their status; never an unknown listener', async () => {
    const { cookie } = await consoleLogin(listener.admin);
    const { body, headers } = signedPush({ sha: 'a'.repeat(40), message: 'refused' });
    const { 'x-hub-signature-256': _, ...unsigned } = headers;
    const unsignedId = randomUUID();
    expect(
      (await webhook('/hooks/ci', { ...unsigned, 'x-github-delivery': unsignedId }, body)).statusCode,
    ).toBe(401);
    const forged = { ...headers, 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` };
    expect((await webhook('/hooks/ci', forged, body)).statusCode).toBe(401);
    const notJson = signedPush({ sha: 'b'.repeat(40), message: 'x' });
    const broken = '{"ref": ';
    const malformed = { ...notJson.headers, 'x-hub-signature-256': sign(broken) };
    expect((await webhook('/hooks/ci', malformed, broken)).statusCode).toBe(400);
    const secretName = `no-such-listener-${randomUUID()}`;
    expect((await webhook(`/hooks/${secretName}`, unsigned, body)).statusCode).toBe(404);

    // Refusals are recorded without holding the answer: wait until all three are there.
    const rejected = await vi.waitFor(async () => {
      const page = await listener.admin.inject({
        url: '/console/deliveries?outcome=rejected',
        headers: { cookie, ...html },
      });
      expect(rowIds(page.body)).toHaveLength(3);
      return page.body;
    });
    expect(rejected).toContain('rejected: unauthorized');
    expect(rejected).toContain('rejected: invalid_body');
    expect(rejected).toMatch(/<td class="bad">401<\/td>/);
    expect(rejected).toMatch(/<td class="bad">400<\/td>/);
    expect(rejected).not.toContain(secretName);
    const raw = await listener.redis.zrange(listener.ledger.refusalsKey, 0, -1);
    expect(raw.join('\n')).not.toContain(secretName);
    // Nor does a refusal keep a body or a signature.
    expect(raw.join('\n')).not.toContain('refused');
    expect(raw.join('\n')).not.toContain('sha256=');

    // The refusal's own page: the headers it came with (redacted), its status, no body.
    const detail = await vi.waitFor(async () => {
      const pages = await Promise.all(
        rowIds(rejected).map((id) =>
          listener.admin.inject({ url: `/console/refusals/${id}`, headers: { cookie, ...html } }),
        ),
      );
      const found = pages.find((p) => p.body.includes(unsignedId));
      expect(found?.statusCode).toBe(200);
      return found?.body ?? '';
    });
    expect(detail).toContain('401 unauthorized');
    expect(detail).toContain('x-github-event');
    expect(detail).not.toContain('x-hub-signature-256');
    expect(detail).not.toContain('<h2>Body</h2>');

    // Other outcomes do not show refusals; the unfiltered list does.
    const fired = await listener.admin.inject({
      url: '/console/deliveries?outcome=fired',
      headers: { cookie, ...html },
    });
    for (const id of rowIds(rejected)) expect(fired.body).not.toContain(`d-${id}`);
    const all = await listener.admin.inject({ url: '/console/deliveries', headers: { cookie, ...html } });
    for (const id of rowIds(rejected)) expect(all.body).toContain(`d-${id}`);
  });
});

describe('duplicate deliveries in the console', () => {
  it('shows a redelivery as its own row, status 202, naming the delivery it repeats; the API lists the original only', async () => {
    const { cookie } = await consoleLogin(listener.admin);
    const { body, headers } = signedPush({ sha: 'c'.repeat(40), message: 'twice', repo: 'org/dup' });
    const first = await webhook('/hooks/ci', headers, body);
    const again = await webhook('/hooks/ci', headers, body);
    expect(first.statusCode).toBe(202);
    expect(again.json()).toMatchObject({ duplicate: true, eventID: first.json().eventID });
    const original = first.json().eventID as string;

    const dups = await listener.admin.inject({
      url: '/console/deliveries?outcome=duplicate&repo=org/dup',
      headers: { cookie, ...html },
    });
    const [copy] = rowIds(dups.body);
    expect(rowIds(dups.body)).toHaveLength(1);
    expect(copy).not.toBe(original);
    expect(dups.body).toContain(`duplicate of <a class="mono" href="/console/deliveries/${original}">`);
    expect(dups.body).toContain('<td>202</td>');
    const fired = await listener.admin.inject({
      url: '/console/deliveries?outcome=fired&repo=org/dup',
      headers: { cookie, ...html },
    });
    expect(rowIds(fired.body)).toEqual([original]);

    const page = await listener.admin.inject({
      url: `/console/deliveries/${copy}`,
      headers: { cookie, ...html },
    });
    expect(page.body).toContain(`202 duplicate of <a class="mono" href="/console/deliveries/${original}">`);
    expect(page.body).not.toContain('Dry-run replay');

    const api = await listener.admin.inject({
      url: '/api/v1/deliveries?repo=org/dup',
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect((api.json() as { items: { eventID: string }[] }).items.map((r) => r.eventID)).toEqual([original]);
  });
});

describe('Harbor deliveries in the console', () => {
  it('show image:tag, a Harbor retry too', async () => {
    const { cookie } = await consoleLogin(listener.admin);
    const fixture = new URL(
      '../../../../packages/triggers/test/fixtures/harbor/PUSH_ARTIFACT.json',
      import.meta.url,
    );
    const payload = JSON.stringify({ ...JSON.parse(readFileSync(fixture, 'utf8')), occur_at: Date.now() });
    const headers = { 'content-type': 'application/json', authorization: harborAuth };
    const first = await webhook('/hooks/harbor', headers, payload);
    const retry = await webhook('/hooks/harbor', headers, payload);
    expect(retry.json()).toMatchObject({ duplicate: true, eventID: first.json().eventID });
    expect(await listener.ledger.summary(first.json().eventID)).toMatchObject({
      image: 'harbor.example.com/team-a/api',
      tag: '1.4.2',
    });
    const list = await listener.admin.inject({
      url: '/console/deliveries?listener=harbor',
      headers: { cookie, ...html },
    });
    const rows = list.body
      .split('<tr id="d-')
      .filter((row) => row.includes('harbor.example.com/team-a/api:1.4.2'));
    expect(rows).toHaveLength(2);
    expect(rows.filter((row) => row.includes('duplicate of'))).toHaveLength(1);
  });
});

describe('the refusals set', () => {
  const redis = createRedis(url, { forWorker: true });
  afterAll(() => redis.disconnect());
  const ledgerAt = (name: string, maxRefusals = 1000) =>
    new DeliveryLedger(redis, {
      prefix: `${prefix}:${name}`,
      ttlSeconds: 600,
      maxRecords: 100,
      dedupWindowSeconds: 600,
      maxRefusals,
    });

  it('keeps at most maxRefusals, each header cut, under a TTL', async () => {
    const ledger = ledgerAt('cap', 3);
    // One refusal per millisecond: within one, the set keeps them in id order, not arrival order.
    let at = Date.now();
    const refuse = createRefusalLog(redis, ledger, () => at++);
    for (let n = 0; n < 5; n++)
      await refuse({
        listener: 'ci',
        status: 401,
        error: 'unauthorized',
        headers: { 'user-agent': `${n}${'x'.repeat(10_000)}`, 'x-github-event': 'push' },
      });
    const members = await redis.zrange(ledger.refusalsKey, 0, -1);
    expect(members.map((m) => m.slice(36)).map((j) => JSON.parse(j).headers['user-agent'][0])).toEqual([
      '2',
      '3',
      '4',
    ]);
    for (const m of members) expect(m.length).toBeLessThan(1000);
    expect(await redis.ttl(ledger.refusalsKey)).toBeGreaterThan(0);
  });

  it('pages refusals and deliveries together by time: each exactly once, newest first', async () => {
    const ledger = ledgerAt('merge');
    const base = Date.parse('2026-12-07T10:00:00Z');
    const entry = (n: number): LedgerEntry => ({
      record: {
        eventID: randomUUID(),
        deliveryId: randomUUID(),
        listener: 'ci',
        receivedAt: new Date(base + n * 1000).toISOString(),
        contentType: 'application/json',
        headers: { 'x-github-event': 'push' },
        bodyBytes: 2,
        verdicts: [{ name: 'build', fired: true }],
        jobIds: [],
      },
    });
    await recordDeliveries(redis, ledger)([0, 2, 4, 6].map(entry));
    for (const n of [1, 3, 5, 7])
      await createRefusalLog(
        redis,
        ledger,
        () => base + n * 1000,
      )({
        listener: 'ci',
        status: 413,
        error: 'payload_too_large',
        headers: {},
      });
    const walk = async (filter: Parameters<typeof listDeliveries>[2]['filter']) => {
      const seen: number[] = [];
      let cursor: { score: number; eventID: string } | undefined;
      do {
        const page = await listDeliveries(redis, ledger, {
          filter,
          limit: 3,
          maxScan: 2000,
          ...(cursor ? { cursor } : {}),
        });
        seen.push(...page.items.map((r) => (Date.parse(r.receivedAt) - base) / 1000));
        cursor = page.next;
      } while (cursor);
      return seen;
    };
    expect(await walk({})).toEqual([7, 6, 5, 4, 3, 2, 1, 0]);
    expect(await walk({ outcome: 'rejected' })).toEqual([7, 5, 3, 1]);
    expect(await walk({ outcome: 'fired' })).toEqual([6, 4, 2, 0]);
  });
});
