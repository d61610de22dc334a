// kube-create: the run-scheduler's create path in process, against bench/lean-kube-api.ts (a
// Kubernetes API that costs close to nothing, in its own process): CPU per PipelineRun created —
// the object made ready (name, labels, annotations), the object client, the transport, and the
// ADDED event the status watch then reads — against a baseline measured in the same run: the same
// object, already serialized, sent straight through undici's dispatch (the bare HTTP exchange,
// nothing read from the answer, no watch). 32 creates in flight, in jobs of 10 as the worker runs
// them; 3 alternating rounds of 20 000 creates each, medians. The ratio is the result: what
// Signalbox's own code adds to the HTTP exchange. The lean API's CPU is shown apart.
//   npm run bench -- kube-create
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { RunJob } from '@signalbox/contracts';
import { createRun, kubeBackend, prepareObject, runStatus } from '@signalbox/run-scheduler';
import { Agent } from 'undici';
import { createSlots } from '../services/run-scheduler/src/create-slots.ts';
import { LeanKubeConfig } from '../services/run-scheduler/src/kube/lean-kube-config.ts';

const inFlight = 32;
const perJob = 10;
const perRound = 20_000;
const rounds = 3;

const fake = spawn(process.execPath, [fileURLToPath(new URL('./lean-kube-api.ts', import.meta.url))], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const kubeconfig = await new Promise<string>((resolve) =>
  createInterface({ input: fake.stdout }).once('line', resolve),
);
const server = (
  JSON.parse(readFileSync(kubeconfig, 'utf8')) as { clusters: { cluster: { server: string } }[] }
).clusters[0]?.cluster.server as string;
// No delivery is ever "done" (the fake would print a line per create otherwise).
await fetch(`${server}/bench/expect`, { method: 'PUT', body: String(Number.MAX_SAFE_INTEGER) });
const fakeCpu = () => {
  const fields = readFileSync(`/proc/${fake.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) / 100) * 1e6; // µs (clock ticks of 10 ms)
};

const job = (n: number, trigger: number): RunJob => ({
  correlation: { deliveryId: `d-${n}`, eventId: `e-${n}`, listener: 'bench', trigger: `build-${trigger}` },
  index: 0,
  namespace: 'ci',
  resource: {
    apiVersion: 'tekton.dev/v1',
    kind: 'PipelineRun',
    metadata: {
      generateName: `build-${trigger}-`,
      labels: { 'app.kubernetes.io/part-of': 'app', 'tekton.dev/pipeline': 'build' },
    },
    spec: {
      pipelineRef: { name: 'build' },
      params: Array.from({ length: 8 }, (_v, i) => ({ name: `p${i}`, value: 'v'.repeat(40) })),
      workspaces: [{ name: 'src', volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'] } } }],
    },
  },
});

// Signalbox: the backend the scheduler runs on, with its status watch open.
const kc = new LeanKubeConfig();
kc.loadFromFile(kubeconfig);
const backend = kubeBackend(kc);
let events = 0;
await backend.watch(
  {
    apiVersion: 'tekton.dev/v1',
    resource: 'pipelineruns',
    namespace: 'ci',
    labelSelector: '',
    resourceVersion: undefined,
    timeoutSeconds: 3_600,
    inactivityTimeoutMs: 3_600_000,
  },
  (_type, object) => {
    runStatus(object as never);
    events++;
  },
);
const slots = createSlots(inFlight);
let n = 0;
const signalbox = (k: number, t: number) => slots.run(() => createRun(job(k, t), { backend }));

// Baseline: the same object as JSON, its name made unique, through undici's dispatch.
const agent = new Agent();
const template = JSON.stringify(prepareObject(job(0, 0)));
const oldName = prepareObject(job(0, 0)).metadata.name;
const path = '/apis/tekton.dev/v1/namespaces/ci/pipelineruns';
const headers = {
  accept: 'application/json',
  'content-type': 'application/json',
  authorization: 'Bearer bench',
};
const bare = (k: number) =>
  slots.run(
    () =>
      new Promise<void>((resolve, reject) => {
        agent.dispatch(
          { origin: server, path, method: 'POST', headers, body: template.replace(oldName, `bare-${k}`) },
          {
            onRequestStart: () => {},
            onResponseStart: () => {},
            onResponseData: () => {},
            onResponseEnd: () => resolve(),
            onResponseError: (_c, err) => reject(err),
          },
        );
      }),
  );

/** `count` creates, jobs of `perJob` at once up to `inFlight / perJob`… as the worker: 32 jobs. */
async function round(create: (k: number, t: number) => Promise<unknown>, count: number) {
  let jobs = count / perJob;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (jobs-- > 0) {
        const base = n;
        n += perJob;
        await Promise.all(Array.from({ length: perJob }, (_v, t) => create(base + t, t)));
      }
    }),
  );
}

async function measure(create: (k: number, t: number) => Promise<unknown>) {
  const cpu = process.cpuUsage();
  const fake0 = fakeCpu();
  const start = performance.now();
  await round(create, perRound);
  const used = process.cpuUsage(cpu);
  return {
    cpu: (used.user + used.system) / perRound,
    rate: perRound / ((performance.now() - start) / 1000),
    fake: (fakeCpu() - fake0) / perRound,
  };
}

await round(bare, 5_000);
await round(signalbox, 5_000);
const results = {
  bare: [] as Awaited<ReturnType<typeof measure>>[],
  signalbox: [] as Awaited<ReturnType<typeof measure>>[],
};
for (let r = 0; r < rounds; r++) {
  results.bare.push(await measure(bare));
  results.signalbox.push(await measure(signalbox));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const line = (label: string, rs: Awaited<ReturnType<typeof measure>>[]) =>
  `${label.padEnd(34)} ${median(rs.map((r) => r.cpu))
    .toFixed(1)
    .padStart(6)} µs CPU per create   ${median(rs.map((r) => r.rate))
    .toFixed(0)
    .padStart(
      6,
    )} creates/s   (lean API ${median(rs.map((r) => r.fake)).toFixed(0)} µs, not counted; rounds ${rs.map((r) => r.cpu.toFixed(1)).join(' / ')})`;
console.log(
  `The run-scheduler's create path in process, ${inFlight} in flight in jobs of ${perJob}; medians of ${rounds} alternating rounds of ${perRound}; Node ${process.version}`,
);
console.log(line('bare HTTP exchange (undici dispatch)', results.bare));
console.log(line('Signalbox create + its watch event', results.signalbox));
console.log(
  `ratio: Signalbox's create path costs ${(median(results.signalbox.map((r) => r.cpu)) / median(results.bare.map((r) => r.cpu))).toFixed(2)}× the bare exchange;   watch events read ${events};   RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`,
);
fake.kill();
await agent.close();
process.exit(0);
