import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { digestOf, type Harness, harborBody, startHarness } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
});

describe('GitHub App auth', () => {
  it('mints an installation token from the app key and opens the PR as the app', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    h = await startHarness(import.meta.url, {
      fake: {
        app: {
          appId: 4242,
          publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
          slug: 'signalbox-app',
          installationIds: [77],
        },
      },
      auth: '{app: {appId: 4242, installationId: 77, privateKeySecretRef: {secretName: github-app, secretKey: private-key.pem}}}',
      secrets: {
        'github-app/private-key.pem': privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      },
    });
    h.startWorker();
    await h.harbor(harborBody('PUSH_ARTIFACT.json', '1.4.2', digestOf(1)), 'push');
    await h.harbor(harborBody('SCANNING_COMPLETED.no-vulnerabilities.json', '1.4.2', digestOf(1)), 'scan');
    await h.idle();
    const pulls = h.fake.pulls('org', 'manifests');
    expect(pulls.map((p) => [p.title, p.user])).toEqual([
      ['[Update manifest] harbor.example.com/team-a/api:1.4.2', 'signalbox-app[bot]'],
    ]);
    expect(
      h.fake.requests.some((r) => r.method === 'POST' && r.path === '/app/installations/77/access_tokens'),
    ).toBe(true);
  });
});
