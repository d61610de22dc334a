import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KubernetesObjectApi } from '@kubernetes/client-node';
import { deterministicName, type RunJob, runsQueue } from '@signalbox/contracts';
import { redisForTest } from '@signalbox/testkit';
import type { Job } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { prepareObject } from '../src/create-run.ts';
import { originalLabelsAnnotation } from '../src/sanitize-metadata.ts';
import { type Harness, harness, runJob, single } from './run-scheduler-helpers.ts';

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
    await runs.addBulk(Array.from({ length: 500 }, (_v, i) => single(runJob(i))));
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
    await new Promise((r) => last.once('exit', r));
    const failed = await runs.queue.getFailed();
    expect(failed.map((j) => j.failedReason)).toEqual([]);
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

  it('30 % 5xx/429, 5 % timeouts and dropped connections: all created, none twice; Retry-After respected', async () => {
    const { fake, runs, drained, startWorker } = await fresh(['ci', 'ra']);
    // One run in its own namespace meets the apiserver's overload answer first: a plain-text 429
    // with Retry-After: 1. Its next attempt must come no sooner (the backoff alone is ~20 ms).
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
    // Slower than the client's 200 ms timeout: the client aborts and retries, the API still creates.
    fake.faults.inject({ method: 'POST', pathPattern: /pipelineruns/, latencyMs: 400, probability: 0.05 });
    fake.faults.inject({
      method: 'POST',
      pathPattern: /pipelineruns/,
      dropConnection: true,
      probability: 0.03,
    });
    await runs.addBulk(
      [...Array.from({ length: 150 }, (_v, i) => runJob(i)), runJob(999, { namespace: 'ra' })].map(single),
    );
    startWorker({ timeoutMs: 200 });
    await drained();

    const objects = fake.objects('pipelineruns');
    expect(objects).toHaveLength(151);
    expect(new Set(eventIds(objects)).size).toBe(151);
    const completed = await runs.queue.getJobCountByTypes('completed');
    expect(completed).toBe(151);
    const posts = fake.requestLog.filter((r) => r.method === 'POST');
    const count = (status: number) => posts.filter((r) => r.status === status).length;
    expect(count(201)).toBe(151);
    expect(count(503)).toBeGreaterThan(5);
    expect(count(429)).toBeGreaterThan(5);
    expect(count(0)).toBeGreaterThan(0); // dropped
    // Each failed attempt's error, as BullMQ kept it: every fault was seen and retried.
    const attempts = (await runs.queue.getJobs(['completed'])).flatMap((j) => j.stacktrace);
    const seen = (pattern: RegExp) => attempts.filter((t) => t !== null && pattern.test(t)).length;
    expect(seen(/^TransientKubeError: TimeoutError/)).toBeGreaterThan(0);
    // (A dropped request the client had already given up on counts as a timeout.)
    expect(seen(/^TransientKubeError: SocketError: other side closed \(UND_ERR_SOCKET\)/)).toBeGreaterThan(0);
    expect(
      seen(/^TransientKubeError: SocketError: other side closed \(UND_ERR_SOCKET\)/),
    ).toBeLessThanOrEqual(count(0));
    expect(seen(/^TransientKubeError: Too many requests/)).toBe(count(429)); // plain text or Status
    // A timed-out create the API still carried out meets its retry: one of the two is a 409.
    expect(count(409)).toBeGreaterThan(0);
    const ra = posts.filter((r) => r.path.includes('/namespaces/ra/'));
    expect(ra[0]?.status).toBe(429);
    const gap = (ra[1]?.at ?? 0) - (ra[0]?.at ?? 0);
    expect(gap).toBeGreaterThanOrEqual(1000);
    console.info(
      `faults: ${count(503)}×503 ${count(429)}×429 ${count(0)} dropped ${seen(/TimeoutError/)} timed out; Retry-After gap ${gap} ms`,
    );
  });
});

async function deadLettered(h: Harness, id: string) {
  const deadline = Date.now() + 15_000;
  while ((await h.runs.queue.getJobState(id)) !== 'failed') {
    if (Date.now() > deadline) throw new Error('job was not dead-lettered');
    await new Promise((r) => setTimeout(r, 30));
  }
  // Read the job after it failed: a copy fetched earlier holds the counters of that moment.
  return (await h.runs.queue.getJob(id)) as Job;
}

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
  ])('injected %s', async (_label, status, message) => {
    const h = await fresh();
    h.fake.faults.inject({ method: 'POST', pathPattern: /pipelineruns/, status, message });
    const id = await h.runs.add(single(runJob(1)));
    h.startWorker();
    const job = await deadLettered(h, id);
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toContain(message);
    expect(h.fake.requestLog.filter((r) => r.method === 'POST')).toHaveLength(1);
    const [note] = await h.notifications.queue.getJobs(['waiting']);
    expect(note?.data).toMatchObject({
      kind: 'run.failed_to_create',
      correlation: { eventId: 'event-1' },
      data: { status, message: expect.stringContaining(message), kind: 'PipelineRun', namespace: 'ci' },
    });
  });

  it.each([
    [
      '404: the namespace does not exist',
      { namespace: 'nowhere' },
      {},
      404,
      'namespaces "nowhere" not found',
    ],
    ['422: a fixed name that is not a DNS subdomain', {}, { name: 'Build_1' }, 422, 'RFC 1123 subdomain'],
    [
      '400: Tekton rejects a run name over 63 characters',
      {},
      { name: 'b'.repeat(70) },
      400,
      'must be no more than 63 characters',
    ],
  ])('the fake’s own rules: %s', async (_label, overrides, metadata, status, message) => {
    const h = await fresh();
    const id = await h.runs.add(single(runJob(1, overrides, metadata)));
    h.startWorker();
    const job = await deadLettered(h, id);
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toContain(message);
    expect(h.fake.requestLog.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([status]);
    const [note] = await h.notifications.queue.getJobs(['waiting']);
    expect(note?.data.data).toMatchObject({ status, message: expect.stringContaining(message) });
  });
});

describe('metadata from event text', () => {
  it('a label value that is not valid (a branch) still gets the run created', async () => {
    const { fake, runs, drained, startWorker } = await fresh();
    await runs.add(
      single(
        runJob(
          1,
          {},
          { labels: { branch: 'feature/login', 'triggers.tekton.dev/triggers-eventid': 'event-1' } },
        ),
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

describe('any kind, in the object’s namespace or the job’s', () => {
  it('creates a TaskRun in the template’s namespace and a ConfigMap in the listener’s, each exactly once', async () => {
    const { fake, runs, drained, startWorker } = await fresh(['ci', 'team-a']);
    const taskRun = runJob(1, {
      resource: {
        apiVersion: 'tekton.dev/v1',
        kind: 'TaskRun',
        metadata: { generateName: 'lint-', namespace: 'team-a' },
        spec: { taskRef: { name: 'lint' } },
      },
    });
    const configMap = runJob(2, {
      index: 1,
      resource: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { generateName: `${'release-notes-'.repeat(20)}` },
        data: { notes: 'n' },
      },
    });
    await runs.add({ runs: [taskRun, configMap] });
    startWorker();
    await drained();
    // The same events again under new job ids (a replay keeps the event id), as one-object jobs the
    // way listeners before runs jobs enqueued them (still accepted at an upgrade): nothing new.
    await runs.queue.add(runsQueue.jobName, taskRun, { jobId: 'replay-1' });
    await runs.queue.add(runsQueue.jobName, configMap, { jobId: 'replay-2' });
    await drained();
    const [tr] = fake.objects('taskruns');
    expect(fake.objects('taskruns')).toHaveLength(1);
    expect(tr?.metadata).toMatchObject({ namespace: 'team-a', name: expect.stringMatching(/^lint-\w{10}$/) });
    const [cm] = fake.objects('configmaps');
    expect(fake.objects('configmaps')).toHaveLength(1);
    expect(cm?.metadata.namespace).toBe('ci');
    // Not a Tekton run: the name may use the 253 characters of a DNS subdomain.
    expect(cm?.metadata.name.length).toBeGreaterThan(63);
    expect(cm?.metadata.name.length).toBeLessThanOrEqual(253);
    expect(
      fake.requestLog
        .filter((r) => r.method === 'POST')
        .map((r) => r.status)
        .sort(),
    ).toEqual([201, 201, 409, 409]);
  });

  it('a 300 KB commit message in an annotation is cut to fit; the run is created', async () => {
    const { fake, runs, drained, startWorker } = await fresh();
    await runs.add(
      single(runJob(1, {}, { annotations: { 'example.com/commit-message': 'm'.repeat(300_000) } })),
    );
    startWorker();
    await drained();
    const [run] = fake.objects('pipelineruns');
    expect(
      (run?.metadata.annotations as Record<string, string> | undefined)?.['example.com/commit-message'],
    ).toMatch(/…\[cut \d+ bytes\]$/);
  });
});

describe('concurrency groups, observable on the API', () => {
  const grouped = (i: number, policy: 'queue' | 'cancel-in-progress', limit = 1) =>
    runJob(i, { concurrency: { group: 'org/app-refs/heads/main', limit, policy } });
  const running = {
    startTime: new Date(Date.now() - 60_000).toISOString(),
    conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running' }],
  };
  const succeeded = {
    startTime: new Date(Date.now() - 60_000).toISOString(),
    completionTime: new Date().toISOString(),
    conditions: [{ type: 'Succeeded', status: 'True', reason: 'Succeeded' }],
  };
  const specStatus = (fake: Harness['fake']) =>
    new Map(
      fake
        .objects('pipelineruns')
        .map(
          (o) =>
            [
              eventIds([o])[0],
              (o as unknown as { spec: { status?: string } }).spec.status ?? 'started',
            ] as const,
        ),
    );
  const nameOf = (fake: Harness['fake'], event: string) =>
    fake.objects('pipelineruns').find((o) => eventIds([o])[0] === event)?.metadata.name ?? '';
  async function until(predicate: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('queue: runs beyond the limit wait as PipelineRunPending and start in order as others finish', async () => {
    const { fake, runs, drained, startWorker, startWatcher, notifications } = await fresh();
    startWorker();
    startWatcher();
    for (const i of [1, 2, 3]) {
      await runs.add(single(grouped(i, 'queue')));
      await drained();
    }
    expect([...specStatus(fake)].sort()).toEqual([
      ['event-1', 'started'],
      ['event-2', 'PipelineRunPending'],
      ['event-3', 'PipelineRunPending'],
    ]);
    const queued = await notifications.queue.getJobs(['waiting']);
    expect(
      queued
        .filter((j) => j.data.kind === 'run.queued')
        .map((j) => j.data.correlation.eventId)
        .sort(),
    ).toEqual(['event-2', 'event-3']);
    // Tekton finishes event-1; the watcher sees it and releases the oldest waiting run only.
    fake.setStatus('ci', 'pipelineruns', nameOf(fake, 'event-1'), succeeded);
    await until(() => specStatus(fake).get('event-2') === 'started', 'event-2 released');
    expect(specStatus(fake).get('event-3')).toBe('PipelineRunPending');
    fake.setStatus('ci', 'pipelineruns', nameOf(fake, 'event-2'), running);
    fake.setStatus('ci', 'pipelineruns', nameOf(fake, 'event-2'), succeeded);
    await until(() => specStatus(fake).get('event-3') === 'started', 'event-3 released');
    // A release is a merge patch removing spec.status, one per waiting run.
    expect(fake.requestLog.filter((r) => r.method === 'PATCH')).toHaveLength(2);
  });

  it('queue over two replicas: 12 events at once → exactly `limit` start, the rest wait', async () => {
    const { fake, runs, drained, startWorker } = await fresh();
    startWorker();
    startWorker();
    await runs.addBulk(Array.from({ length: 12 }, (_v, i) => single(grouped(i, 'queue', 2))));
    await drained();
    const states = [...specStatus(fake).values()];
    expect(states).toHaveLength(12);
    expect(states.filter((s) => s === 'started')).toHaveLength(2);
    expect(states.filter((s) => s === 'PipelineRunPending')).toHaveLength(10);
  });

  it('cancel-in-progress: a newer run cancels the older running one with CancelledRunFinally (limit 1, newest wins)', async () => {
    const { fake, runs, drained, startWorker } = await fresh();
    startWorker();
    await runs.add(single(grouped(1, 'cancel-in-progress')));
    await drained();
    fake.setStatus('ci', 'pipelineruns', nameOf(fake, 'event-1'), running);
    await runs.add(single(grouped(2, 'cancel-in-progress')));
    await drained();
    const patches = fake.requestLog.filter((r) => r.method === 'PATCH');
    expect(patches).toHaveLength(1);
    expect(patches[0]?.path).toContain(nameOf(fake, 'event-1'));
    // By default the superseded run's finally tasks (cleanup, notifications) still run.
    expect(specStatus(fake)).toEqual(
      new Map([
        ['event-1', 'CancelledRunFinally'],
        ['event-2', 'started'],
      ]),
    );
  });

  it('cancel-in-progress with limit 2: the two newest run; a late older event is created already cancelled', async () => {
    const { fake, runs, drained, startWorker } = await fresh();
    startWorker();
    for (const i of [1, 2, 3]) {
      await runs.add(single(grouped(i, 'cancel-in-progress', 2)));
      await drained();
      fake.setStatus('ci', 'pipelineruns', nameOf(fake, `event-${i}`), running);
    }
    expect(specStatus(fake)).toEqual(
      new Map([
        ['event-1', 'CancelledRunFinally'],
        ['event-2', 'started'],
        ['event-3', 'started'],
      ]),
    );
    // An event enqueued before the others but created last (its job was retried for a while)
    // is superseded already: it exists, exactly once, but never starts.
    const late = grouped(0, 'cancel-in-progress', 2);
    await runs.queue.add(runsQueue.jobName, late, {
      ...runsQueue.defaultJobOptions,
      jobId: runsQueue.jobId(single(late)),
      timestamp: Date.now() - 60_000,
    });
    await drained();
    expect(specStatus(fake).get('event-0')).toBe('Cancelled');
    expect(specStatus(fake).get('event-2')).toBe('started');
    expect(specStatus(fake).get('event-3')).toBe('started');
  });

  it('cancel-in-progress after a crash between create and cancel: the repeat still cancels', async () => {
    const { fake, runs, drained, startWorker } = await fresh();
    startWorker();
    await runs.add(single(grouped(1, 'cancel-in-progress')));
    await drained();
    fake.setStatus('ci', 'pipelineruns', nameOf(fake, 'event-1'), running);
    // The first attempt creates event-2's run, then loses the connection on the cancel.
    fake.faults.inject({ method: 'PATCH', pathPattern: /pipelineruns/, dropConnection: true, times: 1 });
    await runs.add(single(grouped(2, 'cancel-in-progress')));
    await drained();
    const posts = fake.requestLog.filter((r) => r.method === 'POST');
    expect(posts.map((r) => r.status)).toEqual([201, 201]); // the repeat found its run: no second POST
    expect(fake.requestLog.filter((r) => r.method === 'PATCH').map((r) => r.status)).toEqual([0, 200]);
    expect(specStatus(fake)).toEqual(
      new Map([
        ['event-1', 'CancelledRunFinally'],
        ['event-2', 'started'],
      ]),
    );
  });

  it('cancel-in-progress: a superseded run that finishes before the cancel reaches it is left alone, not a failed job', async () => {
    const { fake, runs, drained, startWorker } = await fresh();
    startWorker();
    await runs.add(single(grouped(1, 'cancel-in-progress')));
    await drained();
    fake.setStatus('ci', 'pipelineruns', nameOf(fake, 'event-1'), running);
    // The cancel is slow to arrive; meanwhile Tekton finishes event-1, so its admission webhook
    // refuses the patch ("Once the PipelineRun is complete, no updates are allowed").
    const slow = fake.faults.inject({
      method: 'PATCH',
      pathPattern: /pipelineruns/,
      latencyMs: 400,
      times: 1,
    });
    await runs.add(single(grouped(2, 'cancel-in-progress')));
    await until(() => slow.hits === 1, 'the cancel on its way');
    fake.setStatus('ci', 'pipelineruns', nameOf(fake, 'event-1'), succeeded);
    await drained();
    expect(fake.requestLog.filter((r) => r.method === 'PATCH').map((r) => r.status)).toEqual([400]);
    expect(await runs.queue.getFailedCount()).toBe(0);
    expect(specStatus(fake)).toEqual(
      new Map([
        ['event-1', 'started'],
        ['event-2', 'started'],
      ]),
    );
  });

  it('cancel-in-progress stops superseded runs the way signalbox.dev/concurrency-cancel says', async () => {
    const { fake, runs, drained, startWorker } = await fresh();
    startWorker();
    const job = (i: number) =>
      runJob(i, {
        concurrency: { group: 'g', limit: 1, policy: 'cancel-in-progress', cancel: 'StoppedRunFinally' },
      });
    await runs.add(single(job(1)));
    await drained();
    fake.setStatus('ci', 'pipelineruns', nameOf(fake, 'event-1'), running);
    await runs.add(single(job(2)));
    await drained();
    expect(specStatus(fake).get('event-1')).toBe('StoppedRunFinally');
  });

  it('queue: deleting the running run (kubectl delete) releases the next queued one and says it was deleted', async () => {
    const { fake, kc, runs, drained, startWorker, startWatcher, notifications } = await fresh();
    startWorker();
    startWatcher();
    for (const i of [1, 2]) {
      await runs.add(single(grouped(i, 'queue')));
      await drained();
    }
    fake.setStatus('ci', 'pipelineruns', nameOf(fake, 'event-1'), running);
    expect(specStatus(fake).get('event-2')).toBe('PipelineRunPending');
    // As `kubectl delete pipelinerun` does, through the API.
    await KubernetesObjectApi.makeApiClient(kc).delete({
      apiVersion: 'tekton.dev/v1',
      kind: 'PipelineRun',
      metadata: { name: nameOf(fake, 'event-1'), namespace: 'ci' },
    });
    // The watcher acts on the DELETED event itself: nothing else here would release event-2
    // (no relist happens while the watch stays open).
    await until(() => specStatus(fake).get('event-2') === 'started', 'event-2 released');
    const cancelled = async () =>
      (await notifications.queue.getJobs(['waiting'])).filter((j) => j.data.kind === 'run.cancelled');
    const deadline = Date.now() + 10_000;
    while ((await cancelled()).length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const [note] = await cancelled();
    expect(note?.data).toMatchObject({
      correlation: { eventId: 'event-1' },
      data: { reason: 'Deleted', message: expect.stringMatching(/deleted before it finished/) },
    });
  });
});

describe('a runs job is one delivery’s runs', () => {
  it('ten runs, one refused for good and one failing once: nine created once each, the refusal announced and named in the dead letter', async () => {
    const h = await fresh(['ci', 'ra']);
    // The run in `ra` meets one 503; the run in `nowhere` a 404 from the fake's own rules.
    h.fake.faults.inject({ method: 'POST', pathPattern: /\/namespaces\/ra\//, status: 503, times: 1 });
    const run = (i: number, namespace = 'ci') =>
      runJob(1, { index: 0, namespace, correlation: { ...runJob(1).correlation, trigger: `t${i}` } });
    const runs = [...Array.from({ length: 8 }, (_v, i) => run(i)), run(8, 'ra'), run(9, 'nowhere')];
    const id = await h.runs.add({ runs });
    h.startWorker();
    const job = await deadLettered(h, id);

    // Attempt 1: eight created, `ra` transient (the job retries), `nowhere` refused. Attempt 2:
    // the eight are found by name (409), `ra` created, and only the refusal is left: dead letter.
    expect(job.attemptsMade).toBe(2);
    const nameOf = (i: number) => prepareObject(runs[i] as RunJob).metadata.name;
    expect(job.stacktrace?.[0]).toMatch(
      new RegExp(`^TransientKubeError: .*\\(run ${nameOf(8)}, trigger t8, resource 0, HTTP 503\\)`),
    );
    expect(job.failedReason).toBe(
      `KUBE_404: namespaces "nowhere" not found (run ${nameOf(9)}, trigger t9, resource 0, HTTP 404)`,
    );
    const objects = h.fake.objects('pipelineruns');
    expect(objects.map((o) => o.metadata.namespace).sort()).toEqual([...Array(8).fill('ci'), 'ra']);
    const statuses = () => h.fake.requestLog.filter((r) => r.method === 'POST').map((r) => r.status);
    const tally = (xs: number[]) =>
      Object.fromEntries([...new Set(xs)].sort().map((x) => [x, xs.filter((y) => y === x).length]));
    expect(tally(statuses())).toEqual({ 201: 9, 404: 2, 409: 8, 503: 1 });
    // Announced on each attempt, one notification (its job id is the run's identity).
    const notes = await h.notifications.queue.getJobs(['waiting']);
    expect(notes.map((j) => [j.data.kind, j.data.correlation.trigger])).toEqual([
      ['run.failed_to_create', 't9'],
    ]);

    // Retrying the dead letter by hand (the namespace is still missing) creates nothing twice.
    await job.retry();
    await deadLettered(h, id);
    expect(h.fake.objects('pipelineruns')).toHaveLength(9);
    expect(tally(statuses())).toEqual({ 201: 9, 404: 3, 409: 17, 503: 1 });
  });

  it('runs of one concurrency group in a job: the first runs, the others wait for its slot', async () => {
    const h = await fresh();
    const group = { group: 'org/app-refs/heads/main', limit: 1, policy: 'queue' as const };
    const runs = [0, 1, 2].map((i) =>
      runJob(1, { index: i, concurrency: group, correlation: { ...runJob(1).correlation, trigger: 'ci' } }),
    );
    await h.runs.add({ runs });
    h.startWorker();
    await h.drained();
    const byIndex = h.fake
      .objects('pipelineruns')
      .map((o) => ({ name: o.metadata.name, status: (o.spec as { status?: string }).status }));
    expect(byIndex).toHaveLength(3);
    // The job's first run runs; the other two wait (PipelineRunPending).
    const first = deterministicName(runs[0]!.resource as Parameters<typeof deterministicName>[0], {
      eventId: 'event-1',
      trigger: 'ci',
      index: 0,
    });
    expect(byIndex.filter((o) => o.status === undefined).map((o) => o.name)).toEqual([first]);
    expect(byIndex.filter((o) => o.status === 'PipelineRunPending')).toHaveLength(2);
    const queued = await h.notifications.queue.getJobs(['waiting']);
    expect(queued.map((j) => j.data.kind)).toEqual(['run.queued', 'run.queued']);
  });
});
