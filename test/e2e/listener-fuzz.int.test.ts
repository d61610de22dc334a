import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { RunsJob } from '@signalbox/contracts';
import { redisForTest } from '@signalbox/testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTestListener,
  githubSecret,
  harborAuth,
  type TestListener,
} from '../../services/event-listener/test/build-test-listener.ts';
import { repoRoot } from './stack.ts';

/**
 * The listener (wired as main.ts wires it, against a real Redis) under property-based fuzzing
 * with the examples' triggers: whatever arrives, no 5xx, no crash, no unsigned acceptance; text
 * from the event lands in the created objects exactly as sent (never interpreted), and every
 * created object is valid for Kubernetes. Runs are bounded (numRuns) and replayable (fast-check
 * prints the seed and path of a failure).
 */
const { url, prefix } = redisForTest(import.meta.url);
// The examples' config, its secrets renamed to the test listener's files.
const config = ['github.yaml', 'harbor.yaml']
  .map((f) => readFileSync(join(repoRoot, 'examples/config', f), 'utf8'))
  .join('\n---\n')
  .replaceAll('{ secretName: github-webhook, secretKey: token }', '{ secretName: github, secretKey: token }')
  .replaceAll(
    '{ secretName: harbor-webhook, secretKey: auth-header }',
    '{ secretName: harbor, secretKey: auth }',
  );
const numRuns = Number(process.env.SIGNALBOX_FUZZ_RUNS ?? 150);

let l: TestListener;
beforeAll(async () => {
  if (!config.includes('secretName: github,') || !config.includes('secretName: harbor,'))
    throw new Error('examples/config changed shape: adapt listener-fuzz');
  l = await buildTestListener({ redisUrl: url, prefix, config });
});
afterAll(async () => {
  await l?.close();
});

const sign = (raw: string | Buffer, algo: 'sha256' | 'sha1' = 'sha256', secret = githubSecret) =>
  `${algo}=${createHmac(algo, secret).update(raw).digest('hex')}`;

async function send(
  headers: Record<string, string | string[]>,
  payload: string | Buffer,
  listener = 'github',
) {
  const res = await l.app.inject({ method: 'POST', url: `/hooks/${listener}`, headers, payload });
  return {
    status: res.statusCode,
    body: res.body,
    json: () => JSON.parse(res.body) as Record<string, unknown>,
  };
}

/** A push signed with the listener's secret, as GitHub sends it. */
const sendSignedPush = (raw: string | Buffer) =>
  send(
    {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': sign(raw),
    },
    raw,
  );

// Strings meant to be interpreted by somebody: Tekton's and Signalbox's substitution, CEL,
// templating engines, YAML document breaks, header injection, and unicode that misleads.
const hostile = fc.oneof(
  fc.constantFrom(
    '$(tt.params.repo)',
    '$(body.ref)',
    '$(body.repository.full_name)',
    '$(header.X-Hub-Signature-256)',
    '$(extensions.short_sha)',
    '{{ .Values.secret }}',
    '{{',
    '${{ secrets.TOKEN }}',
    "'] + body.x + ['",
    '" && true || "',
    '\n---\napiVersion: v1\nkind: Secret\n',
    '...\n--- !!python/object',
    'x\r\nX-Injected: 1',
    '\u202egnp.exe',
    'a\u0000b',
    '\ud800',
    '\udfff\ud800',
    '🚀'.repeat(40),
    'A'.repeat(300),
  ),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);

const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const labelKey =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

const latin1 = (s: string) => s.replace(/[^\x20-\x7e\xa0-\xff]/g, '?');
/** What escaping predicts for event text in a created object: Tekton's `$$(` escape, nothing else. */
const escaped = (s: string) => s.replaceAll('$(', '$$$$(');

function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('fuzzing the listener', () => {
  it('any body, content type, charset and headers, unsigned or badly signed: never 5xx, never 202', async () => {
    const body = fc.oneof(
      fc.json({ maxDepth: 6 }),
      fc.string({ unit: 'binary', maxLength: 500 }),
      fc.constantFrom(
        '{',
        '{"a":',
        '[]',
        'null',
        '1e400',
        `{"n": ${'9'.repeat(5000)}}`,
        '\ufeff{}',
        '{"a":1,"a":2}',
      ),
    );
    const contentType = fc.oneof(
      fc.constantFrom(
        'application/json',
        'application/json; charset=utf-16',
        'application/json; charset=latin1',
        'application/json; charset=utf-8; charset=utf-16',
        'application/x-www-form-urlencoded',
        'text/plain',
        'application/json, text/plain',
        '',
        'application/json\u0000',
      ),
      fc.string({ maxLength: 40 }),
    );
    const badSignature = (raw: string) =>
      fc.oneof(
        fc.constant(undefined),
        fc.constant(sign(raw, 'sha1')),
        fc.constant(sign(`${raw} `)),
        fc.constant(sign(raw).slice(0, 40)),
        fc.constant(sign(raw, 'sha256', 'wrong-secret')),
        fc.constant(`${sign(raw)}00`),
        fc.constant(sign(raw).replace('sha256=', 'sha512=')),
        fc.constant(sign(raw).replace('sha256=', '')),
        fc.string({ maxLength: 80 }),
      );
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(
        body,
        contentType,
        fc.constantFrom('github', 'harbor', 'nope'),
        hostile,
        async (payload, type, listener, junk) => {
          const raw = typeof payload === 'string' ? payload : JSON.stringify(payload);
          const signature = fc.sample(badSignature(raw), { numRuns: 1, seed: raw.length })[0];
          const headers: Record<string, string | string[]> = {
            'content-type': type.replace(/[\r\n]/g, ''),
            'x-github-event': 'push',
            'x-github-delivery': randomUUID(),
            // Header values as a client can send them (CR/LF and non-Latin-1 are refused by the client).
            'x-junk': latin1(junk),
            ...(signature !== undefined ? { 'x-hub-signature-256': signature.replace(/[\r\n]/g, '') } : {}),
            ...(listener === 'harbor' ? { authorization: `Bearer ${latin1(junk)}` } : {}),
          };
          const res = await send(headers, raw, listener);
          checked++;
          expect(res.status, res.body).toBeLessThan(500);
          expect(res.status, res.body).not.toBe(202);
          expect(() => res.json()).not.toThrow();
        },
      ),
      { numRuns },
    );
    expect(checked).toBe(numRuns);
  });

  it('signature edge cases: sha1 alone, truncated, whitespace or over another body → 401; uppercase hex is GitHub’s and is accepted', async () => {
    const raw = JSON.stringify({
      ref: 'refs/heads/main',
      after: 'a'.repeat(40),
      commits: [],
      repository: { full_name: 'org/x' },
    });
    const base = { 'content-type': 'application/json', 'x-github-event': 'push' };
    const cases: Array<[string, Record<string, string>, number]> = [
      ['sha1 only', { 'x-hub-signature': sign(raw, 'sha1') }, 401],
      ['truncated', { 'x-hub-signature-256': sign(raw).slice(0, -2) }, 401],
      ['whitespace inside', { 'x-hub-signature-256': sign(raw).replace('=', '= ') }, 401],
      ['over a different body', { 'x-hub-signature-256': sign(`${raw}\n`) }, 401],
      ['empty', { 'x-hub-signature-256': '' }, 401],
      ['uppercase hex', { 'x-hub-signature-256': `sha256=${sign(raw).slice(7).toUpperCase()}` }, 202],
    ];
    for (const [what, headers, status] of cases) {
      const res = await send({ ...base, 'x-github-delivery': randomUUID(), ...headers }, raw);
      expect(res.status, what).toBe(status);
    }
  });

  it('deeply nested (100 000 levels), huge numbers and strings, duplicated keys, signed: no 5xx, no crash, memory back to its baseline', async () => {
    const before = heapAfterGc();
    const bodies = [
      `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
      `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`,
      `{"ref":"refs/heads/develop","after":${'9'.repeat(100_000)}}`,
      '{"ref":"refs/heads/develop","after":1e400,"commits":[]}',
      JSON.stringify({
        ref: 'refs/heads/develop',
        after: 'x'.repeat(5_000_000),
        commits: [],
        repository: {},
      }),
      '{"ref":"refs/heads/develop","ref":"refs/heads/main","after":"a"}',
    ];
    for (let round = 0; round < 3; round++)
      for (const raw of bodies) {
        const res = await sendSignedPush(raw);
        expect(res.status, raw.slice(0, 60)).toBeLessThan(500);
        expect(() => res.json()).not.toThrow();
      }
    const after = heapAfterGc();
    console.log(
      `heap after gc: ${(before / 2 ** 20).toFixed(1)} MiB before, ${(after / 2 ** 20).toFixed(1)} MiB after`,
    );
    expect(after - before).toBeLessThan(48 * 2 ** 20);
  });

  it('injected text in revisions, repositories, clone URLs and commit messages lands verbatim in valid objects; Harbor tags likewise or are refused', async () => {
    let created = 0;
    await fc.assert(
      fc.asyncProperty(hostile, hostile, hostile, hostile, async (after, repo, cloneUrl, message) => {
        const body = {
          ref: 'refs/heads/develop',
          after,
          commits: [{ message, modified: ['microservices/api/x.ts'], added: [], removed: [] }],
          repository: { full_name: repo, clone_url: cloneUrl },
        };
        const raw = Buffer.from(JSON.stringify(body));
        const res = await sendSignedPush(raw);
        expect(res.status, res.body).toBeLessThan(500);
        if (res.status !== 202) return;
        const triggers = res.json().triggers as Array<{
          name: string;
          fired: boolean;
          resources?: Array<{ jobId: string; name?: string }>;
        }>;
        // A message starting with the bot's prefix is skipped, as the filter says; otherwise ci-api fires.
        const skipped = message.startsWith('[Update manifest]');
        expect(triggers.find((t) => t.name === 'ci-api')?.fired).toBe(!skipped);
        for (const t of triggers.filter((x) => x.fired))
          for (const [index, r] of (t.resources ?? []).entries()) {
            // The delivery's runs job, and in it this trigger's resource.
            const job = await l.producers.runs.queue.getJob(r.jobId);
            const runs = (job?.data as RunsJob | undefined)?.runs ?? [];
            const run = runs.find((x) => x.correlation.trigger === t.name && x.index === index);
            const object = run?.resource as unknown as {
              metadata: {
                name?: string;
                generateName?: string;
                labels: Record<string, string>;
                annotations: Record<string, string>;
              };
              spec: { params: Array<{ name: string; value: string }> };
            };
            expect(object).toBeDefined();
            created++;
            const params = Object.fromEntries(object.spec.params.map((p) => [p.name, p.value]));
            // What escaping predicts: the value as sent (JSON-escaped into the template, so
            // parsed back it is the same string), never substituted again.
            expect(params.revision).toBe(escaped(after));
            expect(params['repo-url']).toBe(escaped(cloneUrl));
            expect(object.metadata.annotations['signalbox.dev/repo']).toBe(escaped(repo));
            // The name it is created under (generateName + a hash of event, trigger and index).
            const name = r.name ?? '';
            expect(name.startsWith(object.metadata.generateName ?? '\u0000')).toBe(true);
            expect(name, 'name').toMatch(dnsLabel);
            expect(name.length).toBeLessThanOrEqual(63);
            for (const [k, v] of Object.entries(object.metadata.labels)) {
              expect(k, 'label key').toMatch(labelKey);
              expect(v.length, `label ${k}`).toBeLessThanOrEqual(63);
              expect(v, `label ${k}`).toMatch(labelValue);
            }
          }
      }),
      { numRuns: Math.ceil(numRuns / 2) },
    );
    expect(created).toBeGreaterThan(0);

    await fc.assert(
      fc.asyncProperty(hostile, async (tag) => {
        const body = JSON.parse(
          readFileSync(join(repoRoot, 'packages/triggers/test/fixtures/harbor/PUSH_ARTIFACT.json'), 'utf8'),
        );
        body.event_data.resources[0].tag = tag;
        body.occur_at = Math.floor(Math.random() * 1e9);
        const res = await send(
          { 'content-type': 'application/json', authorization: harborAuth },
          JSON.stringify(body),
          'harbor',
        );
        expect(res.status, res.body).toBeLessThan(500);
        if (res.status !== 202) return;
        const trigger = (
          res.json().triggers as Array<{ fired: boolean; resources?: Array<{ jobId: string; kind: string }> }>
        )[0];
        for (const r of trigger?.resources ?? []) {
          if (r.kind !== 'ImageUpdate') continue;
          const job = await l.producers.imageUpdates.queue.getJob(r.jobId);
          expect(job?.data.tag).toBe(escaped(tag));
        }
      }),
      { numRuns: Math.ceil(numRuns / 3) },
    );
  });
});
