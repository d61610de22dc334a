import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Answer,
  digestOf,
  harborDelivery,
  namespace,
  post,
  pushDelivery,
  repoRoot,
  type Service,
  type Stack,
  services,
  startStack,
  until,
} from './stack.ts';

/**
 * Chaos: N deliveries through the four services as processes while each is SIGKILLed twice and
 * restarted, Redis is restarted once (AOF everysec keeps the data), and the fakes answer about one
 * call in five with a transient error or a rate limit. The seed (printed) fixes the deliveries,
 * their order, the fault decisions per delivery and the kill/restart schedule; replay it with
 * SIGNALBOX_CHAOS_SEED. The full run: `SIGNALBOX_CHAOS_N=2000 npx vitest run test/e2e/chaos`.
 */
const N = Number(process.env.SIGNALBOX_CHAOS_N ?? 60);
const seed = Number(process.env.SIGNALBOX_CHAOS_SEED ?? randomBytes(4).readUInt32BE());
const hex = '0123456789abcdef';
const images = ['svc0', 'svc1', 'svc2'];
const shardChannel = (x: string) => `CCHAOS${x.toUpperCase()}`;

/** mulberry32: a small seeded PRNG, so a run can be replayed from its seed. */
function prng(a: number): () => number {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// One SlackRoute per hex digit: a commit's notifications go to the channel of its sha's first
// digit, an image's to that of its digest's last, so the notifier's per-channel pacing (~1 post/s,
// as Slack allows) does not make the run a queue behind one channel.
const routes = [...hex]
  .map(
    (x) => `apiVersion: signalbox.dev/v1alpha1
kind: SlackRoute
metadata: {name: shard-${x}}
spec:
  channel: ${shardChannel(x)}
  kinds: [run.succeeded, run.failed, run.failed_to_create, image.pushed]
  when: >-
    has(notification.correlation.sha) ? notification.correlation.sha.startsWith('${x}') :
    has(notification.correlation.digest) && notification.correlation.digest.endsWith('${x}')
  auth: {secretRef: {secretName: slack, secretKey: bot-token}}
`,
  )
  .join('---\n');
const policies = images
  .map(
    (name) => `apiVersion: signalbox.dev/v1alpha1
kind: ImageUpdatePolicy
metadata: {name: chaos-${name}}
spec:
  image: harbor.example.com/team-a/${name}
  tags: {semver: '>=1.0.0'}
  gate: {scan: none}
  target: {repo: MANIFESTS, branch: main, paths: [apps/${name}]}
  pullRequest: {titlePrefix: '[Update manifest]'}
  commit: {author: {name: Signalbox, email: signalbox@users.noreply.github.com}}
  auth: {secretRef: {secretName: github-manifests, secretKey: token}}
`,
  )
  .join('---\n');
const manifests = Object.fromEntries(
  images.map((name) => [
    `apps/${name}/kustomization.yaml`,
    `images:\n  - name: harbor.example.com/team-a/${name}\n    newTag: 0.0.1\n`,
  ]),
);

type Kind = 'build' | 'bot' | 'feature' | 'image';
interface Delivery {
  readonly i: number;
  readonly kind: Kind;
  readonly listener: 'github' | 'harbor';
  readonly raw: string;
  readonly headers: Record<string, string>;
  readonly sha?: string;
  readonly image?: string;
  readonly tag?: string;
  readonly digest?: string;
  answer?: Answer;
  attempts: number;
}

function plan(rand: () => number): Delivery[] {
  const out: Delivery[] = [];
  for (let i = 0; i < N; i++) {
    const r = rand();
    const sha = Array.from({ length: 40 }, () => hex[Math.floor(rand() * 16)]).join('');
    if (r < 0.2) {
      const image = images[Math.floor(rand() * images.length)] as string;
      const digest = digestOf(i + 1);
      const d = harborDelivery(
        'PUSH_ARTIFACT.json',
        `harbor.example.com/team-a/${image}`,
        `1.0.${i}`,
        digest,
      );
      out.push({ i, kind: 'image', listener: 'harbor', ...d, image, tag: `1.0.${i}`, digest, attempts: 0 });
    } else {
      const kind: Kind = r < 0.3 ? 'bot' : r < 0.4 ? 'feature' : 'build';
      const service = rand() < 0.5 ? 'api' : 'web';
      const d = pushDelivery(sha, {
        files: [`microservices/${service}/x.ts`],
        ...(kind === 'bot'
          ? { message: `[Update manifest] harbor.example.com/team-a/${service}:${sha.slice(0, 7)}` }
          : {}),
        ...(kind === 'feature' ? { ref: 'refs/heads/feature/x' } : {}),
      });
      out.push({ i, kind, listener: 'github', ...d, sha, attempts: 0 });
    }
  }
  return out;
}

let stack: Stack | undefined;
afterAll(async () => {
  await stack?.close();
});

describe(`chaos: ${N} deliveries, every service SIGKILLed twice, Redis restarted, ~20 % faults`, () => {
  it('nothing acknowledged is lost, nothing is created or posted twice, no job given up on', {
    timeout: 150_000 + N * 1_000,
  }, async () => {
    console.log(`chaos seed ${seed} (replay: SIGNALBOX_CHAOS_SEED=${seed} SIGNALBOX_CHAOS_N=${N})`);
    const rand = prng(seed);
    const deliveries = plan(rand);
    const s = await startStack({
      manifests,
      exampleRoutes: false,
      extraConfig: `${routes}---\n${policies}`,
      // Slack's tiers as its fake has them, except that chat.update and conversations.* are counted
      // per channel here (16 channels share one workspace budget otherwise, and the run is a queue).
      slack: {
        channels: [...hex].map((x) => ({ id: shardChannel(x) })),
        limits: {
          update: { perSecond: 50 / 60, burst: 10, perChannel: true },
          conversations: { perSecond: 50 / 60, burst: 10, perChannel: true },
        },
      },
      env: { SIGNALBOX_GITHUB_TOKEN_FILE: '' },
    });
    stack = s;
    const configFix = (await import('node:fs')).readFileSync(
      join(s.env.SIGNALBOX_CONFIG!, 'harbor.yaml'),
      'utf8',
    );
    if (configFix.includes('MANIFESTS')) throw new Error('policies not pointed at the fake');

    // The schedule: each service killed twice, Redis restarted once, at delivery indices.
    const at = () => Math.floor(N * (0.05 + 0.8 * rand()));
    const schedule = new Map<number, Array<() => Promise<void>>>();
    const add = (i: number, f: () => Promise<void>) => schedule.set(i, [...(schedule.get(i) ?? []), f]);
    const events: string[] = [];
    for (const service of services)
      for (let k = 0; k < 2; k++) {
        const delay = Math.floor(rand() * 1500);
        add(at(), async () => {
          events.push(`kill ${service}`);
          await s.kill(service);
          await new Promise((r) => setTimeout(r, delay));
          await s.start(service as Service);
          events.push(`restarted ${service}`);
        });
      }
    add(at(), async () => {
      events.push('restart redis');
      await s.redis.restart();
      events.push('redis back');
    });
    const faultsPerDelivery = deliveries.map(() => [rand(), rand(), rand(), rand()]);

    // Status driver: Tekton's controller, finishing every run it sees.
    let driving = true;
    const driven = new Set<string>();
    const driver = (async () => {
      while (driving) {
        for (const run of s.kube.objects({ plural: 'pipelineruns', namespace })) {
          if (driven.has(run.metadata.name!)) continue;
          driven.add(run.metadata.name!);
          s.kube.setStatus(namespace, 'pipelineruns', run.metadata.name!, {
            startTime: new Date().toISOString(),
            completionTime: new Date().toISOString(),
            conditions: [{ type: 'Succeeded', status: 'True', reason: 'Succeeded', message: 'done' }],
          });
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();

    // The sender: GitHub/Harbor redelivering on 5xx and connection errors (same delivery id,
    // byte-identical body), 8 at once.
    let unavailable = 0;
    let connectionErrors = 0;
    const chaosTasks: Promise<void>[] = [];
    let next = 0;
    const send = async () => {
      for (;;) {
        const d = deliveries[next++];
        if (!d) return;
        for (const f of schedule.get(d.i) ?? []) chaosTasks.push(f());
        const [kubeF, ghF, slackF, kindF] = faultsPerDelivery[d.i]!;
        if (kubeF! < 0.2)
          s.kube.faults.inject(
            kindF! < 0.5
              ? { method: 'POST', pathPattern: /pipelineruns/, status: 500, times: 1 }
              : { pathPattern: /pipelineruns/, status: 429, retryAfter: 1, times: 1 },
          );
        if (ghF! < 0.2)
          s.github.faults.inject(
            // Rate limits are REST's (git smart HTTP has none: a 403 there is a bad token).
            kindF! < 0.5
              ? { kind: 'server-error' }
              : { kind: 'secondary-rate-limit', path: /^\/repos\//, retryAfter: 1 },
          );
        if (slackF! < 0.2) s.slack.inject(kindF! < 0.5 ? { status: 503 } : { status: 429, retryAfter: 1 });
        for (;;) {
          d.attempts++;
          const answer = await post(s.port, d.listener, d.raw, d.headers);
          if (answer.status === 202) {
            d.answer = answer;
            break;
          }
          if (answer.status === 503) unavailable++;
          else if (answer.status === 0) connectionErrors++;
          else {
            d.answer = answer;
            break;
          }
          if (d.attempts > 200) break;
          await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** Math.min(d.attempts, 4))));
        }
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: 8 }, send));
    await Promise.all(chaosTasks);
    const sentMs = Date.now() - started;

    const accepted = deliveries.filter((d) => d.answer?.status === 202);
    const fired = (d: Delivery) => (d.answer?.body.triggers ?? []).filter((t) => t.fired);
    const expectedRuns = accepted.flatMap((d) =>
      fired(d).flatMap((t) =>
        (t.resources ?? []).filter((r) => r.kind === 'PipelineRun').map((r) => r.name!),
      ),
    );
    const builds = accepted.filter((d) => d.kind === 'build');
    const imagePushes = accepted.filter((d) => d.kind === 'image');
    const parents = () =>
      [...hex].flatMap((x) =>
        s.slack
          .messages(shardChannel(x))
          .filter((m) => m.metadata?.event_payload.role === 'parent')
          .map((m) => ({ channel: shardChannel(x), change: String(m.metadata?.event_payload.change) })),
      );
    const hasParent = (needle: string) => parents().some((p) => p.change.includes(needle));
    const dlq = async () => {
      const { stdout } = await promisify(execFile)(
        join(repoRoot, 'node_modules/.bin/signalbox'),
        ['dlq', 'list', '--json'],
        {
          env: { ...s.env },
          cwd: s.root,
        },
      );
      return stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { queue: string; jobId: string; reason?: string });
    };
    const newestTag = (image: string) =>
      imagePushes
        .filter((d) => d.image === image)
        .reduce((m, d) => Math.max(m, Number(d.tag!.split('.')[2])), -1);
    const manifestTag = async (image: string) =>
      (
        await s.github.readFile(
          'org',
          'manifests',
          `signalbox/chaos-${image}-main`,
          `apps/${image}/kustomization.yaml`,
        )
      )?.match(/newTag: (\S+)/)?.[1];

    // Quiescence: every acknowledged delivery's effects are there (or its dead letter explains it).
    const missing = async () => {
      const runs = new Set(s.kube.objects({ plural: 'pipelineruns', namespace }).map((o) => o.metadata.name));
      const dead = await dlq();
      const out: string[] = [];
      for (const name of expectedRuns) if (!runs.has(name)) out.push(`PipelineRun ${name}`);
      for (const d of builds) if (!hasParent(d.sha!)) out.push(`Slack parent for ${d.sha}`);
      for (const d of imagePushes)
        if (!hasParent(d.digest!)) out.push(`Slack parent for ${d.image}@${d.digest}`);
      for (const image of images) {
        const want = newestTag(image);
        if (want >= 0 && (await manifestTag(image)) !== `1.0.${want}`)
          out.push(`manifest ${image} at 1.0.${want}`);
        if (
          want >= 0 &&
          s.github.pulls('org', 'manifests').filter((p) => p.head === `signalbox/chaos-${image}-main`)
            .length === 0
        )
          out.push(`PR for ${image}`);
      }
      return { out, dead };
    };
    let last: Awaited<ReturnType<typeof missing>> = { out: ['not checked'], dead: [] };
    await until(
      'every acknowledged delivery’s effects',
      async () => {
        last = await missing();
        return (
          last.out.length === 0 || (last.out.length <= last.dead.length && last.dead.length > 0 && false)
        );
      },
      Math.max(90_000, N * 300),
      () =>
        `${last.out.slice(0, 20).join('\n')}\nDLQ: ${JSON.stringify(last.dead.slice(0, 10))}\n${s.logs().slice(-6000)}`,
    ).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 3_000)); // late duplicates, if any, would land now
    driving = false;
    await driver;
    const final = await missing();

    const allRuns = s.kube.objects({ plural: 'pipelineruns', namespace });
    const byEvent = new Map<string, number>();
    for (const run of allRuns) {
      const key = `${run.metadata.labels?.['triggers.tekton.dev/triggers-eventid']}/${run.metadata.labels?.['triggers.tekton.dev/trigger']}`;
      byEvent.set(key, (byEvent.get(key) ?? 0) + 1);
    }
    const runDuplicates = [...byEvent.values()].reduce((n, c) => n + c - 1, 0);
    const pulls = s.github.pulls('org', 'manifests');
    const prHeads = new Map<string, number>();
    for (const p of pulls) prHeads.set(`${p.head}→${p.base}`, (prHeads.get(`${p.head}→${p.base}`) ?? 0) + 1);
    const prDuplicates = [...prHeads.values()].reduce((n, c) => n + c - 1, 0);
    const parentKeys = new Map<string, number>();
    for (const p of parents())
      parentKeys.set(`${p.channel} ${p.change}`, (parentKeys.get(`${p.channel} ${p.change}`) ?? 0) + 1);
    const parentDuplicates = [...parentKeys.values()].reduce((n, c) => n + c - 1, 0);
    const stepKeys = new Map<string, number>();
    for (const x of hex)
      for (const parent of s.slack.messages(shardChannel(x)))
        for (const reply of s.slack.replies(shardChannel(x), parent.ts)) {
          const key = `${shardChannel(x)} ${String(reply.metadata?.event_payload.jobId)}`;
          stepKeys.set(key, (stepKeys.get(key) ?? 0) + 1);
        }
    const replyDuplicates = [...stepKeys.values()].reduce((n, c) => n + c - 1, 0);
    const unfired = accepted.filter((d) => d.kind === 'bot' || d.kind === 'feature');
    const unfiredRuns = unfired.filter((d) =>
      allRuns.some(
        (r) => r.metadata.labels?.['triggers.tekton.dev/triggers-eventid'] === d.answer?.body.eventID,
      ),
    ).length;
    const figures = {
      date: new Date().toISOString(),
      seed,
      N,
      accepted: accepted.length,
      refused: deliveries.length - accepted.length,
      answered503: unavailable,
      connectionErrors,
      pipelineRuns: allRuns.length,
      expectedPipelineRuns: expectedRuns.length,
      pipelineRunDuplicates: runDuplicates,
      runsForSkippedPushes: unfiredRuns,
      pullRequests: pulls.length,
      pullRequestDuplicates: prDuplicates,
      slackParents: parentKeys.size,
      slackParentDuplicates: parentDuplicates,
      slackReplyDuplicates: replyDuplicates,
      acknowledgedWithoutEffects: final.out.length,
      deadLetters: final.dead.length,
      deadLettersWithoutReason: final.dead.filter((d) => !d.reason?.trim()).length,
      faults: {
        kube: s.kube.requestLog.filter((r) => r.status >= 429).length,
        github: s.github.requests.filter((r) => r.status >= 429).length,
        slack: s.slack.calls.filter((c) => c.status >= 429).length,
      },
      chaos: events,
      sendMs: sentMs,
      totalMs: Date.now() - started,
    };
    console.log(`chaos figures ${JSON.stringify(figures, null, 2)}`);
    for (const d of final.dead) console.log(`dead letter ${d.queue} ${d.jobId}: ${d.reason}`);
    if (final.out.length) console.log(`without effects:\n${final.out.slice(0, 40).join('\n')}`);

    expect(events.filter((e) => e.startsWith('kill')).length).toBe(services.length * 2);
    expect(events).toContain('redis back');
    expect(figures.refused).toBe(0);
    expect(figures.pipelineRunDuplicates).toBe(0);
    expect(figures.runsForSkippedPushes).toBe(0);
    expect(figures.pullRequestDuplicates).toBe(0);
    expect(figures.slackParentDuplicates).toBe(0);
    expect(figures.slackReplyDuplicates).toBe(0);
    expect(final.out).toEqual([]);
    expect(figures.deadLettersWithoutReason).toBe(0);
    // Every fault injected here is transient (5xx, 429, dropped connections, kills, a Redis
    // restart): a dead letter would be a job given up on wrongly — and, for a run, a false
    // run.failed_to_create alarm. (A 500-delivery run found 8: cancels of runs that had just finished.)
    expect(final.dead.map((d) => `${d.queue} ${d.jobId}: ${d.reason}`)).toEqual([]);
    // Every expected parent is there, and nothing else: one per commit built and per image pushed.
    expect(figures.slackParents).toBe(new Set(builds.map((d) => d.sha)).size + imagePushes.length);
    expect(figures.pipelineRuns).toBe(new Set(expectedRuns).size);
  });
});
