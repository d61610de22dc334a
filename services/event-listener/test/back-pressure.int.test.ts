import { randomUUID } from 'node:crypto';
import { createLogger } from '@signalbox/runtime';
import { redisForTest } from '@signalbox/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type BackPressure, createBackPressure } from '../src/back-pressure.ts';
import { buildTestListener, signedPushHeaders, type TestListener } from './build-test-listener.ts';

const { url, prefix } = redisForTest(import.meta.url);
let listener: TestListener;
let backPressure: BackPressure | undefined;

beforeAll(async () => {
  listener = await buildTestListener({
    redisUrl: url,
    prefix,
    // No run-scheduler takes the runs: each push leaves one waiting.
    backPressure: (producers) => {
      backPressure = createBackPressure({
        maxBacklog: 3,
        waiting: () => producers.runs.queue.getWaitingCount(),
        sampleMs: 10,
        logger: createLogger({ level: 'silent' }),
      });
      return backPressure;
    },
  });
});
afterAll(async () => {
  backPressure?.stop();
  await listener.close();
});

const push = () => {
  const payload = JSON.stringify({ ref: 'refs/heads/main', after: randomUUID() });
  return listener.app.inject({
    method: 'POST',
    url: '/hooks/github',
    headers: signedPushHeaders(payload),
    payload,
  });
};

/** Pushes until the answer is not `status`; the deliveries are answered as the backlog is sampled. */
async function pushUntilNot(status: number) {
  for (let i = 0; i < 500; i++) {
    const answer = await push();
    if (answer.statusCode !== status) return answer;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`every push was answered ${status}`);
}

it('answers 503 + Retry-After once the runs waiting exceed the backlog, and accepts again when they are taken', async () => {
  const refused = await pushUntilNot(202);
  expect(refused.statusCode).toBe(503);
  expect(refused.headers['retry-after']).toBe('10');
  expect(refused.json()).toEqual({
    error: 'at_capacity',
    message: "more than 3 deliveries' runs are waiting for the run-scheduler; retry later",
  });
  // The limit was passed (a commit in flight counts until Redis answers, so the refusals may
  // begin with 3 waiting and a 4th being stored); refused before its body was evaluated, a push
  // enqueues nothing more.
  const waiting = await listener.producers.runs.queue.getWaitingCount();
  expect(waiting).toBeGreaterThanOrEqual(3);
  expect((await push()).statusCode).toBe(503);
  expect(await listener.producers.runs.queue.getWaitingCount()).toBe(waiting);

  // The scheduler catches up (here: the waiting runs are taken away).
  await listener.producers.runs.queue.drain();
  const accepted = await pushUntilNot(503);
  expect(accepted.statusCode).toBe(202);
});
