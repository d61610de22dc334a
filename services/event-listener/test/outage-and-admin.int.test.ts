import { randomUUID } from 'node:crypto';
import { redisForTest, startRedisServer } from '@signalbox/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { adminToken, buildTestListener, sign } from './build-test-listener.ts';

const push = (n: number) =>
  JSON.stringify({
    ref: 'refs/heads/main',
    after: `sha-${n}`,
    repository: { full_name: 'org/app' },
    commits: [],
  });

describe('Redis stopped mid-run', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn();
  });

  it('answers 503 while it is down; after a restart the redeliveries land, nothing lost, nothing doubled', async () => {
    const server = await startRedisServer({ persist: true });
    cleanup.push(() => server.stop());
    const listener = await buildTestListener({ redisUrl: server.url, prefix: 'outage' });
    cleanup.push(() => listener.close());
    const deliveries = Array.from({ length: 20 }, (_v, n) => ({ id: randomUUID(), body: push(n) }));
    const send = (d: { id: string; body: string }) =>
      listener.app.inject({
        method: 'POST',
        url: '/hooks/github',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-github-delivery': d.id,
          'x-hub-signature-256': sign(d.body),
        },
        payload: d.body,
      });

    const statuses: number[] = [];
    for (const d of deliveries.slice(0, 10)) statuses.push((await send(d)).statusCode);
    await server.stop();
    for (const d of deliveries.slice(10)) {
      const res = await send(d);
      statuses.push(res.statusCode);
      expect(res.json()).toEqual({ error: 'unavailable', message: expect.stringMatching(/retry/) });
    }
    expect(statuses).toEqual([...Array(10).fill(202), ...Array(10).fill(503)]);
    expect((await listener.app.inject({ url: '/readyz' })).statusCode).toBe(503);

    await server.restart();
    const deadline = Date.now() + 15_000;
    while (listener.redis.status !== 'ready' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    // GitHub redelivers the failed ones (same delivery ids); an impatient operator redelivers all.
    const again = await Promise.all(deliveries.map(send));
    expect(again.map((r) => r.statusCode)).toEqual(Array(20).fill(202));
    expect(again.map((r) => r.json().duplicate ?? false)).toEqual([
      ...Array(10).fill(true),
      ...Array(10).fill(false),
    ]);
    expect(again.slice(10).every((r) => r.json().duplicate === undefined)).toBe(true);
    // Redis runs with AOF (as in production): what was acknowledged before the stop is still
    // there, and each delivery is one run and one notification, none doubled.
    const counts = await listener.counts();
    expect(counts.runs).toBe(20);
    expect(counts.notifications).toBe(20);
  });
});

describe('Redis hanging (not down)', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const fn of cleanup.reverse()) await fn();
  });

  it('answers 503 at the ack deadline; the late write lands, and the retry is a duplicate of it', async () => {
    // Its own server: CLIENT PAUSE stalls every client of the server it is sent to.
    const server = await startRedisServer();
    cleanup.push(() => server.stop());
    const listener = await buildTestListener({ redisUrl: server.url, prefix: 'hang', ackDeadlineMs: 300 });
    cleanup.push(() => listener.close());
    const admin = listener.redis.duplicate();
    await new Promise((resolve) => admin.once('ready', resolve));
    const body = push(7);
    const send = () =>
      listener.app.inject({
        method: 'POST',
        url: '/hooks/github',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'push',
          'x-github-delivery': 'hang-1',
          'x-hub-signature-256': sign(body),
        },
        payload: body,
      });
    // Writes stall for 1.5 s: the dedup lookup (a read) answers, the jobs and the record wait.
    await admin.call('CLIENT', 'PAUSE', '1500', 'WRITE');
    const slow = await send();
    expect(slow.statusCode).toBe(503);
    expect(slow.json()).toEqual({ error: 'unavailable', message: expect.stringMatching(/retry/) });
    await new Promise((r) => setTimeout(r, 1_700));
    const retry = await send();
    expect(retry.statusCode).toBe(202);
    expect(retry.json()).toMatchObject({ duplicate: true });
    expect((await listener.counts()).runs).toBe(1);
    admin.disconnect();
  });
});

describe('the admin delivery API', () => {
  const { url, prefix } = redisForTest(import.meta.url);
  let close: () => Promise<void> = async () => {};
  afterAll(() => close());

  it('lists, shows and replays deliveries behind the admin token', async () => {
    const listener = await buildTestListener({ redisUrl: url, prefix });
    close = listener.close;
    const auth = { authorization: `Bearer ${adminToken}` };
    const body = push(1);
    const res = await listener.app.inject({
      method: 'POST',
      url: '/hooks/github',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': 'd-1',
        'x-hub-signature-256': sign(body),
      },
      payload: body,
    });
    const { eventID } = res.json();

    const anonymous = await listener.admin.inject({ url: '/api/v1/deliveries' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toEqual({ error: 'unauthorized', message: expect.any(String) });
    expect(
      (await listener.admin.inject({ url: '/api/v1/deliveries', headers: { authorization: 'Bearer wrong' } }))
        .statusCode,
    ).toBe(401);

    const list = (
      await listener.admin.inject({ url: '/api/v1/deliveries?repo=org/app&sha=sha-1', headers: auth })
    ).json();
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({
      eventID,
      deliveryId: 'd-1',
      listener: 'github',
      repo: 'org/app',
      sha: 'sha-1',
    });
    expect(
      (await listener.admin.inject({ url: '/api/v1/deliveries?listener=harbor', headers: auth })).json()
        .items,
    ).toHaveLength(0);
    const byDelivery = await listener.admin.inject({
      url: '/api/v1/deliveries?deliveryId=d-1',
      headers: auth,
    });
    expect(byDelivery.json().items.map((d: { eventID: string }) => d.eventID)).toEqual([eventID]);
    expect(
      (await listener.admin.inject({ url: '/api/v1/deliveries?deliveryId=d-unknown', headers: auth })).json()
        .items,
    ).toEqual([]);

    const shown = (
      await listener.admin.inject({ url: `/api/v1/deliveries/${eventID}`, headers: auth })
    ).json();
    expect(shown.body).toBe(body);
    expect(shown.headers['x-hub-signature-256']).toBeUndefined();
    expect(shown.verdicts.map((v: { name: string; fired: boolean }) => [v.name, v.fired])).toEqual([
      ['catch-all', true],
      ['pushes-only', true],
    ]);

    const before = await listener.counts();
    const dry = await listener.admin.inject({
      method: 'POST',
      url: `/api/v1/deliveries/${eventID}/replay?dryRun=true`,
      headers: auth,
    });
    expect(dry.statusCode).toBe(200);
    expect(dry.json()).toMatchObject({
      dryRun: true,
      triggers: [
        { name: 'catch-all', fired: true },
        { name: 'pushes-only', fired: true },
      ],
    });
    expect(await listener.counts()).toEqual(before);

    const replay = await listener.admin.inject({
      method: 'POST',
      url: `/api/v1/deliveries/${eventID}/replay`,
      headers: auth,
    });
    expect(replay.statusCode).toBe(202);
    expect(replay.json()).toMatchObject({ replayOf: eventID });
    expect(replay.json().eventID).not.toBe(eventID);
    const after = await listener.counts();
    expect(after.runs - before.runs).toBe(1);
    const replayed = (
      await listener.admin.inject({ url: `/api/v1/deliveries/${replay.json().eventID}`, headers: auth })
    ).json();
    expect(replayed.replayOf).toBe(eventID);
    const unknown = await listener.admin.inject({
      url: '/api/v1/deliveries/00000000-0000-4000-8000-000000000000',
      headers: auth,
    });
    expect(unknown.statusCode).toBe(404);
    const notAnId = await listener.admin.inject({ url: '/api/v1/deliveries/nope', headers: auth });
    expect(notAnId.statusCode).toBe(400);
    expect(notAnId.json()).toEqual({ error: 'bad_request', message: expect.stringMatching(/eventID/) });
    // The webhook port serves no admin route at all.
    expect((await listener.app.inject({ url: '/api/v1/deliveries', headers: auth })).statusCode).toBe(404);
  });
});
