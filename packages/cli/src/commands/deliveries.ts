import { readFileSync } from 'node:fs';
import { Octokit } from '@octokit/rest';
import { recoverMissedDeliveries } from '@signalbox/event-listener';
import { readConfig } from '@signalbox/runtime';
import type { Command } from 'commander';
import { describeFetchError } from '../describe-fetch-error.ts';

function readSecretFile(path: string | undefined, what: string): string {
  if (!path)
    throw new Error(
      `${what}: no token file (set ${what === 'admin token' ? 'SIGNALBOX_ADMIN_TOKEN_FILE' : '--token-file or SIGNALBOX_GITHUB_TOKEN_FILE'})`,
    );
  return readFileSync(path, 'utf8').trim();
}

/**
 * Calls the event-listener's admin API: SIGNALBOX_ADMIN_URL, default http://127.0.0.1:$ADMIN_PORT
 * (the admin API is never on the webhook port). A listener that does not answer fails within 5 s
 * with one line naming the address, never a hang or a stack trace.
 */
async function admin(path: string, method = 'GET'): Promise<unknown> {
  const config = readConfig(process.env);
  const base = (process.env.SIGNALBOX_ADMIN_URL ?? `http://127.0.0.1:${config.adminPort}`).replace(
    /\/+$/,
    '',
  );
  const token = readSecretFile(config.adminTokenFile, 'admin token');
  const timeoutMs = 5_000;
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(timeoutMs),
  }).catch((err: unknown) => {
    throw new Error(
      `${describeFetchError(base, err, timeoutMs)} (is signalbox start running? set ADMIN_PORT or SIGNALBOX_ADMIN_URL)`,
    );
  });
  const body = (await res.json().catch(() => ({}))) as { message?: string };
  if (!res.ok && res.status !== 202)
    throw new Error(`${method} ${path}: ${res.status} ${body.message ?? ''}`.trim());
  return body;
}

/**
 * The Signalbox event id for `id`, which may be either that event id or the sender's delivery id
 * (the X-GitHub-Delivery GUID GitHub's "Recent Deliveries" shows). Both are UUIDs, so the ledger's
 * delivery-id index is asked first; an id it does not know is taken as an event id.
 */
async function eventIdOf(id: string): Promise<string> {
  const { items } = (await admin(`/api/v1/deliveries?deliveryId=${encodeURIComponent(id)}`)) as {
    items: { eventID: string }[];
  };
  return items[0]?.eventID ?? id;
}

/** Full shas are matched by the ledger; shorter ones (≥ 7 characters) by prefix here. */
const fullSha = /^[0-9a-f]{40}$|^[0-9a-f]{64}$/;

const parseDuration = (text: string): number => {
  const m = /^(\d+)([smhd])$/.exec(text);
  if (!m) throw new Error(`--since ${text}: expected a duration such as 30m, 2h or 1d`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'] * 1000;
};

const run = (fn: () => Promise<void>) => async () => {
  try {
    await fn();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 1;
  }
};

/** `deliveries list`: recent deliveries, newest first, filtered by listener, repo or sha (prefix). */
function registerList(deliveries: Command): void {
  deliveries
    .command('list')
    .description('recent deliveries, newest first')
    .option('--listener <name>')
    .option('--repo <owner/name>')
    .option('--sha <sha>', 'commit sha, or a prefix of at least 7 characters (searches the newest 1000)')
    .action((opts: { listener?: string; repo?: string; sha?: string }) =>
      run(async () => {
        const sha = opts.sha?.toLowerCase();
        if (sha !== undefined && !/^[0-9a-f]{7,64}$/.test(sha))
          throw new Error(`--sha ${opts.sha}: give a commit sha or at least its first 7 hex characters`);
        const prefix = sha !== undefined && !fullSha.test(sha) ? sha : undefined;
        const filter = { ...opts, ...(prefix ? { sha: undefined, limit: '1000' } : {}) };
        const query = new URLSearchParams(
          Object.entries(filter).filter(([, v]) => v) as [string, string][],
        ).toString();
        const answer = (await admin(`/api/v1/deliveries${query ? `?${query}` : ''}`)) as {
          items: {
            eventID: string;
            receivedAt: string;
            listener: string;
            repo?: string;
            sha?: string;
            verdicts: { name: string; fired: boolean }[];
          }[];
        };
        const items = prefix ? answer.items.filter((d) => d.sha?.startsWith(prefix)) : answer.items;
        for (const d of items) {
          const fired =
            d.verdicts
              .filter((v) => v.fired)
              .map((v) => v.name)
              .join(',') || '-';
          process.stdout.write(
            `${d.eventID}\t${d.receivedAt}\t${d.listener}\t${d.repo ?? '-'}\tfired: ${fired}\n`,
          );
        }
      })(),
    );
}

/** `deliveries show <id>`: one delivery as JSON. */
function registerShow(deliveries: Command): void {
  deliveries
    .command('show')
    .argument('<id>', "Signalbox's event id, or the sender's delivery id (X-GitHub-Delivery)")
    .description('one delivery: headers (no secrets), body, every verdict, job ids')
    .action((id: string) =>
      run(async () => {
        const eventId = await eventIdOf(id);
        const record = await admin(`/api/v1/deliveries/${encodeURIComponent(eventId)}`);
        process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
      })(),
    );
}

/** `deliveries replay <id>`: a stored delivery run again against the current config. */
function registerReplay(deliveries: Command): void {
  deliveries
    .command('replay')
    .argument('<id>', "Signalbox's event id, or the sender's delivery id (X-GitHub-Delivery)")
    .option('--dry-run', 'show the verdicts against the current config; enqueue nothing')
    .description('run a stored delivery again against the current config (new eventID, linked)')
    .action((id: string, opts: { dryRun?: boolean }) =>
      run(async () => {
        const eventId = await eventIdOf(id);
        const result = await admin(
          `/api/v1/deliveries/${encodeURIComponent(eventId)}/replay${opts.dryRun ? '?dryRun=true' : ''}`,
          'POST',
        );
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      })(),
    );
}

/** `deliveries recover`: GitHub redelivers the hook deliveries the ledger never accepted. */
function registerRecover(deliveries: Command): void {
  deliveries
    .command('recover')
    .description(
      'ask GitHub to redeliver the hook deliveries that failed and never reached the ledger (GitHub keeps 3 days)',
    )
    .requiredOption('--repo <owner/name>')
    .requiredOption('--hook-id <n>')
    .option('--since <duration>', 'how far back (30m, 2h, 1d)', '2h')
    .option('--token-file <file>', 'GitHub token file (default $SIGNALBOX_GITHUB_TOKEN_FILE)')
    .action((opts: { repo: string; hookId: string; since: string; tokenFile?: string }) =>
      run(async () => {
        const [owner, repo] = opts.repo.split('/');
        if (!owner || !repo) throw new Error('--repo must be OWNER/NAME');
        const hookId = Number(opts.hookId);
        if (!Number.isInteger(hookId) || hookId <= 0) throw new Error('--hook-id must be a positive integer');
        const since = new Date(Date.now() - parseDuration(opts.since));
        const token = readSecretFile(
          opts.tokenFile ?? process.env.SIGNALBOX_GITHUB_TOKEN_FILE,
          'GitHub token',
        );
        const octokit = new Octokit({
          auth: token,
          ...(process.env.GITHUB_API_URL ? { baseUrl: process.env.GITHUB_API_URL } : {}),
        });
        // Asks the listener's ledger through the admin API: the CLI needs no Redis access.
        const accepted = async (guid: string) =>
          ((await admin(`/api/v1/deliveries?deliveryId=${encodeURIComponent(guid)}`)) as { items: unknown[] })
            .items.length > 0;
        const report = await recoverMissedDeliveries({ octokit, accepted, owner, repo, hookId, since });
        process.stdout.write(
          `checked ${report.checked} deliveries since ${since.toISOString()}; redelivered ${report.redelivered.length}` +
            `${report.redelivered.length ? `: ${report.redelivered.join(', ')}` : ''}; already accepted ${report.alreadyAccepted.length}\n`,
        );
      })(),
    );
}

/** `signalbox deliveries list|show|replay|recover`. */
export function registerDeliveries(program: Command): void {
  const deliveries = program
    .command('deliveries')
    .description('the delivery ledger (admin API of the event-listener)');
  registerList(deliveries);
  registerShow(deliveries);
  registerReplay(deliveries);
  registerRecover(deliveries);
}
