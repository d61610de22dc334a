import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { redisForTest } from '@signalbox/testkit';
import type { Job } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { originalLabelsAnnotation } from '../src/sanitize-metadata.ts';
import { type Harness, harness, runJob } from './run-scheduler-helpers.ts';

const { url, prefix } = redisForTest(import.meta.url);
let h: Harness | undefined;
let n = 0;
const fresh = async (namespaces?: string[]) => {
  h = await harness(url, `${prefix}-${++n}`, namespaces);
  return h;
};
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const eventIds = (objects: Array<{ metadata: Record<string, unknown> }>) =>
  objects.map((o) => (o.metadata.labels as Record<string, string>)['triggers.tekton.dev/triggers-eventid']);

describe('exactly once', () => {
  it('500 events → exactly 500 PipelineRuns while the worker process is SIGKILLed twice', async () => {
    const { fake, runs, drained } = await fresh();
    await runs.addBulk(Array.from({ length: 500 }, (_v, i) => runJob(i)));
    const script = fileURLToPath(new URL('./fixtures/worker-process.ts', import.meta.url));
    const startWorker = () =>
      new Promise<ReturnType<typeof spawn>>((resolve, reject) => {
        const child = spawn(process.execPath, [script], {
          env: { ...process.env, REDIS_URL: url, PREFIX: `${prefix}-${n}`, KUBECONFIG: fake.kubeconfigPath },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        child.stdout?.on('data', (c: Buffer) => c.toString().includes('ready') && resolve(child));
        child.once('exit', (code) => reject(new Error(`worker exited with ${code} before ready`)));
      });
    const created = () => fake.objects('pipelineruns').length;
    const until = async (count: number) => {
      const deadline = Date.now() + 60_000;
      while (created() < count) {
        if (Date.now() > deadline) throw new Error(`only ${created()} created`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    for (const threshold of [120, 300]) {
      const child = await startWorker();
      await until(threshold);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    const last = await startWorker();
    await drained(90_000);
    last.kill('SIGTERM');
    const objects = fake.objects('pipelineruns');
    expect(objects).toHaveLength(500);
    expect(new Set(eventIds(objects)).size).toBe(500);
    expect(new Set(objects.map((o) => o.metadata.name)).size).toBe(500);
    // Every create beyond the 500 (a crashed worker's job taken over) was answered 409: none twice.
    const posts = fake.requestLog.filter((r) => r.method === 'POST' && r.path.includes('pipelineruns'));
    expect(posts.filter((r) => r.status === 201)).toHaveLength(500);
    expect(posts.filter((r) => r.status === 409)).toHaveLength(posts.length - 500);
    console.info(`crash test: ${posts.length - 500} creates repeated after a kill, each answered 409`);
  });

  it('30 % 5xx/429 and 5 % timeouts: all created, none twice; Retry-After respected', async () => {
    const { fake, runs, drained, startWorker } = await fresh(['ci', 'ra']);
    fake.faults.inject({
      method: 'POST',
      pathPattern: /\/namespaces\/ra\//,
      status: 429,
      plainText: true,
      retryAfter: 1,
      times: 1,
    });
    fake.faults.inject({ method: 'POST', pathPattern: /pipelineruns/, status: 503, probability: 0.15 });
    fake.faults.inject({
      method: 'POST',
      pathPattern: /pipelineruns/,
      status: 429,
      retryAfter: 0,
      probability: 0.15,
    });
    fake.faults.inject({ method: 'POST', pathPattern: /pipelineruns/, latencyMs: 400, probability: 0.05 });
    await runs.addBulk([
      ...Array.from({ length: 150 }, (_v, i) => runJob(i)),
      runJob(999, { namespace: 'ra' }),
    ]);
    startWorker({ timeoutMs: 200 });
    await drained();
    const objects = fake.objects('pipelineruns');
    expect(objects).toHaveLength(151);
    expect(new Set(eventIds(objects)).size).toBe(151);
    const faulted = fake.requestLog.filter((r) => r.method === 'POST' && r.status >= 429);
    expect(faulted.length).toBeGreaterThan(20);
    const ra = fake.requestLog.filter((r) => r.method === 'POST' && r.path.includes('/namespaces/ra/'));
    expect(ra[0]?.status).toBe(429);
    expect((ra[1]?.at ?? 0) - (ra[0]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
  });
});

describe('permanent errors are dead-lettered after one attempt with the API’s message', () => {
  it.each([
    [
      '400 (Tekton admission webhook)',
      400,
      'admission webhook "validation.webhook.pipeline.tekton.dev" denied the request',
    ],
    [
      '403 (RBAC)',
      403,
      'pipelineruns.tekton.dev is forbidden: User "system:serviceaccount:ci:sb" cannot create resource',
    ],
    ['404 (namespace missing)', 404, 'namespaces "ci" not found'],
    ['422 (invalid)', 422, 'PipelineRun.tekton.dev "x" is invalid'],
  ])('%s', async (_label, status, message) => {
    const { fake, runs, notifications, startWorker } = await fresh();
    fake.faults.inject({ method: 'POST', pathPattern: /pipelineruns/, status, message });
    const id = await runs.add(runJob(1));
    startWorker();
    const deadline = Date.now() + 15_000;
    let job: Job | undefined;
    while (Date.now() < deadline) {
      job = await runs.queue.getJob(id);
      if (job && (await job.getState()) === 'failed') break;
      await new Promise((r) => setTimeout(r, 30));
    }
    expect(await job?.getState()).toBe('failed');
    expect(job?.attemptsMade).toBe(1);
    expect(job?.failedReason).toContain(message);
    expect(fake.requestLog.filter((r) => r.method === 'POST')).toHaveLength(1);
    const [note] = await notifications.queue.getJobs(['waiting']);
    expect(note?.data).toMatchObject({
      kind: 'run.failed_to_create',
      data: { status, message: expect.stringContaining(message) },
    });
  });
});

describe('metadata from event text', () => {
  it('a label value that is not valid (a branch) still gets the run created', async () => {
    const { fake, runs, drained, startWorker } = await fresh();
    await runs.add(
      runJob(
        1,
        {},
        { labels: { branch: 'feature/login', 'triggers.tekton.dev/triggers-eventid': 'event-1' } },
      ),
    );
    startWorker();
    await drained();
    const [run] = fake.objects('pipelineruns');
    expect((run!.metadata.labels as Record<string, string>).branch).toBe('feature-login');
    expect(
      JSON.parse((run!.metadata.annotations as Record<string, string>)[originalLabelsAnnotation] ?? '{}'),
    ).toEqual({ branch: 'feature/login' });
  });
});

describe('concurrency groups, observable on the API', () => {
  const grouped = (i: number, policy: 'queue' | 'cancel-in-progress', limit = 1) =>
    runJob(i, { concurrency: { group: 'org/app-refs/heads/main', limit, policy } });
  const running = {
    startTime: '2026-01-01T00:00:00Z',
    conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running' }],
  };

  it('queue: runs beyond the limit are created PipelineRunPending and released in order as others finish', async () => {
    const { fake, runs, drained, startWorker, groups } = await fresh();
    startWorker();
    for (const i of [1, 2, 3]) {
      await runs.add(grouped(i, 'queue'));
      await drained();
    }
    const byEvent = () => new Map(fake.objects('pipelineruns').map((o) => [eventIds([o])[0], o] as const));
    const specStatus = (e: string) =>
      (byEvent().get(e) as unknown as { spec: { status?: string } }).spec.status ?? 'started';
    expect(['event-1', 'event-2', 'event-3'].map(specStatus)).toEqual([
      'started',
      'PipelineRunPending',
      'PipelineRunPending',
    ]);
    const first = byEvent().get('event-1')!;
    fake.setStatus('ci', 'pipelineruns', first.metadata.name, {
      conditions: [{ type: 'Succeeded', status: 'True', reason: 'Succeeded' }],
    });
    expect(
      await groups.release(
        fake.objects('pipelineruns').find((o) => o.metadata.name === first.metadata.name) as never,
      ),
    ).toHaveLength(1);
    expect(['event-2', 'event-3'].map(specStatus)).toEqual(['started', 'PipelineRunPending']);
  });

  it('cancel-in-progress: a newer run cancels the older running ones (limit 1, newest wins)', async () => {
    const { fake, runs, drained, startWorker } = await fresh();
    startWorker();
    await runs.add(grouped(1, 'cancel-in-progress'));
    await drained();
    const [older] = fake.objects('pipelineruns');
    fake.setStatus('ci', 'pipelineruns', older!.metadata.name, running);
    await runs.add(grouped(2, 'cancel-in-progress'));
    await drained();
    const patches = fake.requestLog.filter((r) => r.method === 'PATCH');
    expect(patches).toHaveLength(1);
    const after = new Map(
      fake
        .objects('pipelineruns')
        .map((o) => [eventIds([o])[0], (o as unknown as { spec: { status?: string } }).spec.status]),
    );
    expect(after.get('event-1')).toBe('Cancelled');
    expect(after.get('event-2')).toBeUndefined();
  });
});
