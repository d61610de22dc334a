import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { notificationsQueue } from '@signalbox/contracts';
import { connectRedisOnce, type RedisTopology, readConfig } from '@signalbox/runtime';
import { loadConfig } from '@signalbox/triggers';
import { Queue } from 'bullmq';
import type { Command } from 'commander';
import { findEventObjects } from '../demo/find-event-objects.ts';
import { type DemoNotification, notificationsFor } from '../demo/notifications-for.ts';
import { postWebhook, type WebhookAnswer } from '../demo/post-webhook.ts';
import { readBranch } from '../demo/read-branch.ts';
import { sampleEvents } from '../demo/sample-events.ts';
import { localDefaults } from '../local-defaults.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);

/** Polls `probe` every 200 ms until it gives a value or `ms` pass (then undefined). */
async function waitFor<T>(ms: number, probe: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

function verdictLine(answer: WebhookAnswer): string {
  const parts = answer.triggers.map((t) =>
    t.fired
      ? `${t.name} fired → ${(t.resources ?? []).map((r) => `${r.kind}${r.name ? ` ${r.name}` : ''}`).join(', ')}`
      : // A CEL filter's reason quotes the whole expression: the trigger's name says enough here.
        `${t.name} did not fire (${t.reason?.replace(/^interceptor cel: filter ".*" did not return true$/s, 'its filter did not match') ?? 'no reason given'})`,
  );
  return `    202 event ${answer.eventID}: ${parts.join('; ')}`;
}

/**
 * `signalbox demo`: the whole flow against a running local Signalbox (`npm start`), in under a
 * minute and without any account. Sends a signed GitHub push to develop that changes one
 * microservice, Harbor's push of the image built from it (tag = the short sha) and its clean scan,
 * and shows what each produced as it appears: the PipelineRun files of the dry-run backend, the
 * manifest branch in the local manifests repository, and the notifications the notifier delivered
 * (their Slack console lines are printed by the notifier, on the terminal of `npm start`).
 * Exit 1 when a step did not produce what it should within its time, naming the step.
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'send signed sample events to a running local Signalbox (npm start) and show what each produced',
    )
    .option('--microservice <name>', 'the microservice the sample commit changes', 'api')
    .option('--repo <owner/name>', 'the repository of the sample push', 'org/team-a')
    .option('--wait <seconds>', 'how long each step may take', '30')
    .action(async (opts: { microservice: string; repo: string; wait: string }) => {
      try {
        await demo(opts);
      } catch (err) {
        process.stderr.write(`signalbox demo: ${(err as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}

type DemoConfig = ReturnType<typeof readConfig>;
type Events = ReturnType<typeof sampleEvents>;

async function demo(opts: { microservice: string; repo: string; wait: string }): Promise<void> {
  const started = Date.now();
  const waitMs = Number(opts.wait) * 1000;
  const env = localDefaults(process.env);
  const config = readConfig(env);
  const secret = (name: string, key: string) =>
    readFileSync(join(config.secretsDir, name, key), 'utf8').trim();
  const loaded = loadConfig(config.configDir);
  if (!loaded.ok)
    throw new Error(`${config.configDir} is not valid: run signalbox validate --config ${config.configDir}`);
  const base = `http://127.0.0.1:${config.port}`;
  const image = `harbor.example.com/team-a/${opts.microservice}`;
  const events = sampleEvents({ repo: opts.repo, microservice: opts.microservice, image });
  const policy = loaded.config.imageUpdatePolicies.find((p) => p.spec.image === image);
  const problems: string[] = [];

  say(`signalbox demo → ${base} (config ${relative(process.cwd(), config.configDir) || '.'})`);
  say('  Slack: routes without a token print one line per notification on the terminal of npm start.');

  say(`1/3 GitHub push to develop: ${opts.repo}@${events.tag} changes microservices/${opts.microservice}/`);
  const pushed = await postWebhook(base, 'github', events.push, {
    github: { secret: secret('github-webhook', 'token'), event: 'push' },
  });
  say(verdictLine(pushed));
  await showRuns(config, pushed.eventID, waitMs, problems);

  say(`2/3 Harbor PUSH_ARTIFACT: ${image}:${events.tag} (${events.digest.slice(0, 19)}…)`);
  const authorization = secret('harbor-webhook', 'auth-header');
  say(verdictLine(await postWebhook(base, 'harbor', events.harborPush, { harbor: { authorization } })));
  if (policy?.spec.gate?.scan === 'required')
    say(`    policy ${policy.name}: the update waits for a clean scan`);

  say('3/3 Harbor SCANNING_COMPLETED: no vulnerabilities');
  say(verdictLine(await postWebhook(base, 'harbor', events.harborScan, { harbor: { authorization } })));
  if (!policy) {
    problems.push(`no ImageUpdatePolicy for ${image} in ${config.configDir}: no manifest branch`);
  } else await showManifestBranch(policy, image, events, waitMs, problems);

  await showNotifications(config, events, waitMs, problems);
  for (const p of problems) process.stderr.write(`signalbox demo: ${p}\n`);
  if (problems.length > 0) {
    process.exitCode = 1;
    return;
  }
  say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Step 1's outcome: the PipelineRun files the dry-run backend wrote for the push. */
async function showRuns(config: DemoConfig, eventId: string, waitMs: number, problems: string[]) {
  const outDir = resolve(config.outDir);
  const runs = await waitFor(waitMs, async () => {
    const found = await findEventObjects(outDir, eventId);
    return found.length > 0 ? found : undefined;
  });
  if (runs)
    for (const file of runs) say(`    PipelineRun written: ${relative(process.cwd(), join(outDir, file))}`);
  else
    problems.push(`no PipelineRun file under ${outDir} for event ${eventId} (is the run-scheduler running?)`);
}

/** Step 3's outcome: the policy's manifest branch carrying the new image. */
async function showManifestBranch(
  policy: { name: string; spec: { target: { repo: string; branch: string } } },
  image: string,
  events: Events,
  waitMs: number,
  problems: string[],
) {
  const repo = resolve(policy.spec.target.repo);
  const branch = `signalbox/${policy.name}-${policy.spec.target.branch}`;
  const tip = await waitFor(waitMs, async () => {
    const b = await readBranch(repo, branch);
    return b?.subject.includes(`${image}:${events.tag}`) ? b : undefined;
  });
  if (tip) {
    say(`    manifest branch ${branch} in ${relative(process.cwd(), repo)}: ${tip.subject}`);
    for (const file of tip.files) say(`      changed ${file}`);
    say(`      see it: git -C ${relative(process.cwd(), repo)} show ${branch}`);
  } else {
    problems.push(
      `no commit for ${image}:${events.tag} on ${branch} in ${repo} (is the manifest-updater running?)`,
    );
  }
}

/** The notifications the change produced, and whether the notifier delivered them. */
async function showNotifications(config: DemoConfig, events: Events, waitMs: number, problems: string[]) {
  const delivered = await readNotifications(config.redis, config.queuePrefix, events, waitMs);
  if (delivered.length === 0) {
    problems.push('no notification about this change reached the notifier');
    return;
  }
  const line = delivered
    .map((n) => `${n.kind} ${n.state === 'completed' ? 'delivered' : n.state}`)
    .join(', ');
  say(`notifier: ${line} — their Slack lines ("slack #…") are on the npm start terminal`);
  const stuck = delivered.filter((n) => n.state !== 'completed');
  if (stuck.length > 0)
    problems.push(
      `notifications not delivered: ${stuck.map((n) => `${n.kind} (${n.state})`).join(', ')} — is the notifier built and running?`,
    );
}

/**
 * Waits until the change's notifications have settled: the manifest branch's own notification is
 * there and none is still waiting or active (or the time is up), then returns them.
 */
async function readNotifications(
  redis: RedisTopology,
  prefix: string,
  change: { sha: string; image: string; digest: string },
  waitMs: number,
): Promise<DemoNotification[]> {
  const connection = await connectRedisOnce(redis, { name: 'signalbox-demo' });
  const queue = new Queue(notificationsQueue.name, {
    connection,
    prefix: notificationsQueue.keyPrefix(prefix),
  });
  queue.on('error', () => {});
  try {
    let last: DemoNotification[] = [];
    await waitFor(waitMs, async () => {
      last = await notificationsFor(queue, change);
      const settled =
        last.some((n) => n.kind.startsWith('manifest.')) && last.every((n) => n.state === 'completed');
      return settled ? last : undefined;
    });
    return last;
  } finally {
    await queue.close().catch(() => {});
    connection.disconnect();
  }
}
