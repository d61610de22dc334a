import { createSign, generateKeyPairSync } from 'node:crypto';
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitHubFake, startGitHubFake } from '../../src/index.ts';
import { gitOk, rejected, tempDir, tokenHelper } from './github-test-helpers.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
let fake: GitHubFake;
beforeAll(async () => {
  fake = await startGitHubFake({
    app: { appId: 123, publicKey: publicPem, slug: 'signalbox', installationIds: [7] },
  });
  await fake.createRepo('org', 'manifests');
});
afterAll(() => fake.close());

/** An app JWT signed with `key`, with claims overridden as given. */
function jwt(claims: Record<string, unknown>, key = privateKey): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iat: now - 30, exp: now + 540, iss: 123, ...claims })}`;
  return `${unsigned}.${createSign('sha256').update(unsigned).sign(key).toString('base64url')}`;
}

describe('GitHub App installation tokens', () => {
  it('are issued for a JWT from @octokit/auth-app and work for REST (as the bot) and git', async () => {
    const octokit = new Octokit({
      baseUrl: fake.apiUrl,
      authStrategy: createAppAuth,
      auth: { appId: 123, privateKey: privatePem, installationId: 7 },
    });
    await fake.pushCommit('org', 'manifests', 'bot-branch', { 'a.txt': 'a\n' });
    const { data } = await octokit.rest.pulls.create({
      owner: 'org',
      repo: 'manifests',
      title: 't',
      head: 'bot-branch',
      base: 'main',
    });
    expect(data.user?.login).toBe('signalbox[bot]');
    const issued = fake.requests.find((r) => r.path === '/app/installations/7/access_tokens');
    expect(issued?.status).toBe(201);

    const { token } = (await octokit.auth({ type: 'installation' })) as { token: string };
    const work = await tempDir();
    try {
      await gitOk(work.dir, [...tokenHelper(token), 'clone', '-q', fake.gitUrl('org', 'manifests'), 'c']);
    } finally {
      await work.remove();
    }
  });

  it('refuses a JWT signed by another key, expired, or for an installation the app lacks', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const ask = (token: string, installation = 7) =>
      rejected(
        new Octokit({ baseUrl: fake.apiUrl, auth: token }).request(
          'POST /app/installations/{installation_id}/access_tokens',
          { installation_id: installation },
        ),
      );
    expect((await ask(jwt({}, other))).status).toBe(401);
    const now = Math.floor(Date.now() / 1000);
    expect((await ask(jwt({ iat: now - 700, exp: now - 60 }))).status).toBe(401);
    expect((await ask(jwt({ exp: now + 3600 }))).status).toBe(401);
    expect((await ask(jwt({}), 8)).status).toBe(404);
  });
});
