import { randomUUID } from 'node:crypto';
import { type GitHubFake, redisForTest, startGitHubFake } from '@signalbox/testkit';
import { octokitGitHubFiles } from '@signalbox/triggers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTestListener, sign, type TestListener } from './build-test-listener.ts';

/** A monorepo trigger: runs the api pipeline when a pull request touches services/api/. */
const config = `apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: github, namespace: ci}
spec:
  triggers:
    - name: api-pr
      interceptors:
        - ref: {name: github}
          params:
            - {name: secretRef, value: {secretName: github, secretKey: token}}
            - {name: eventTypes, value: [pull_request]}
            - {name: addChangedFiles, value: {enabled: true}}
        - ref: {name: cel}
          params:
            - {name: filter, value: "extensions.changed_files.split(',').exists(f, f.startsWith('services/api/'))"}
      template:
        spec:
          resourcetemplates:
            - apiVersion: tekton.dev/v1
              kind: PipelineRun
              metadata: {generateName: api-pr-}
              spec: {pipelineRef: {name: api}}
`;

const { url, prefix } = redisForTest(import.meta.url);
let github: GitHubFake;
let listener: TestListener;
let n = 0;
beforeAll(async () => {
  github = await startGitHubFake({ token: 'ghp_process' });
  // One pull request per test: an attempt a test abandoned at its deadline may still reach the
  // fake after that test, and must not count as the next test's retry.
  for (const pr of [12, 13, 14, 15])
    github.pullFiles.set(`org/mono#${pr}`, ['services/api/main.go', 'README.md']);
});
afterAll(() => github.close());
afterEach(async () => {
  github.faults.clear();
  await listener?.close();
});

/** A fresh listener (own queues and ledger) using the process-wide token, as main.ts wires it. */
async function fresh(ackDeadlineMs = 2_500) {
  listener = await buildTestListener({
    redisUrl: url,
    prefix: `${prefix}-${++n}`,
    config,
    ackDeadlineMs,
    github: octokitGitHubFiles({ baseUrl: github.url, defaultToken: () => 'ghp_process' }),
  });
  return listener;
}

function deliver(guid: string, pr: number) {
  const body = JSON.stringify({
    action: 'opened',
    number: pr,
    pull_request: { number: pr, head: { sha: 'a'.repeat(40), ref: 'feature' } },
    repository: { name: 'mono', full_name: 'org/mono', owner: { login: 'org' } },
  });
  return listener.app.inject({
    method: 'POST',
    url: '/hooks/github',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'pull_request',
      'x-github-delivery': guid,
      'x-hub-signature-256': sign(body),
    },
    payload: body,
  });
}

const filesPath = (pr: number) => new RegExp(`^/repos/org/mono/pulls/${pr}/files`);

describe('addChangedFiles when GitHub fails', () => {
  it('one 502 (an HTML page) on the files list, then 200: retried, the run is enqueued', async () => {
    const l = await fresh();
    const fault = github.faults.inject({ kind: 'server-error', path: filesPath(12), times: 1 });
    const answer = await deliver(randomUUID(), 12);
    expect(answer.statusCode).toBe(202);
    expect(answer.json().triggers).toEqual([expect.objectContaining({ name: 'api-pr', fired: true })]);
    expect(fault.hits).toBe(1);
    expect((await l.counts()).runs).toBe(1);
  });

  it('502s until the deadline: 503 and nothing stored; the redelivery creates exactly one run', async () => {
    const l = await fresh(1_500);
    const guid = randomUUID();
    const fault = github.faults.inject({ kind: 'server-error', path: filesPath(13), times: 1_000 });
    const answer = await deliver(guid, 13);
    expect(answer.statusCode).toBe(503);
    expect(answer.json()).toEqual({
      error: 'upstream_unavailable',
      message: 'GitHub API answered 502 while listing the files of org/mono#13; retry later',
    });
    expect(answer.body).not.toMatch(/<html|<h1/i);
    // Retried (bounded by the deadline), not given up on at the first 502.
    expect(fault.hits).toBeGreaterThan(1);
    expect(fault.hits).toBeLessThan(6);
    expect(await l.counts()).toEqual({ runs: 0, imageUpdates: 0, notifications: 0 });
    expect(await l.ledger.list({ limit: 10 })).toEqual([]);

    fault.remove();
    const again = await deliver(guid, 13); // GitHub's redelivery: same GUID, same bytes
    expect(again.statusCode).toBe(202);
    expect(again.json().duplicate).toBeUndefined();
    expect((await l.counts()).runs).toBe(1);
    expect((await deliver(guid, 13)).json().duplicate).toBe(true);
    expect((await l.counts()).runs).toBe(1);
  });

  it('a secondary rate limit with a short Retry-After is waited out within the deadline', async () => {
    const l = await fresh();
    const fault = github.faults.inject({ kind: 'secondary-rate-limit', path: filesPath(14), retryAfter: 1 });
    const answer = await deliver(randomUUID(), 14);
    expect(answer.statusCode).toBe(202);
    expect(fault.faulted[0]?.honoured).toBe(true);
    expect((await l.counts()).runs).toBe(1);
  });

  it('a permanent error stays a verdict that names the fix', async () => {
    const l = await fresh();
    github.pullFiles.delete('org/mono#15');
    try {
      const answer = await deliver(randomUUID(), 15);
      expect(answer.statusCode).toBe(202);
      const [verdict] = answer.json().triggers;
      expect(verdict).toMatchObject({ name: 'api-pr', fired: false });
      expect(verdict.reason).toMatch(
        /^interceptor github: addChangedFiles: GitHub API answered 404 \(Not Found\) while listing the files of org\/mono#15: it does not exist, or the token cannot see it \(a private repository/,
      );
      expect((await l.counts()).runs).toBe(0);
    } finally {
      github.pullFiles.set('org/mono#15', ['services/api/main.go', 'README.md']);
    }
  });
});
