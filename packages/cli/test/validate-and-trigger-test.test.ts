import { spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGitHubFake } from '@signalbox/testkit';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/signalbox.js', import.meta.url));
const examples = fileURLToPath(new URL('../../../examples/', import.meta.url));
const harborFixtures = fileURLToPath(new URL('../../triggers/test/fixtures/harbor/', import.meta.url));
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], {
    env: { ...process.env, SIGNALBOX_SECRETS_DIR: join(examples, 'secrets') },
    encoding: 'utf8',
  });

function files(entries: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-cli-'));
  for (const [name, text] of Object.entries(entries)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

// Each case spawns the CLI (a Node 24 start with TypeScript stripping): seconds on a busy machine.
describe('signalbox validate', { timeout: 30_000 }, () => {
  it('exits 0 with a summary for the example config', () => {
    const r = cli('validate', '--config', join(examples, 'config'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/valid — 9 documents, 2 listeners \(github, harbor\), 4 triggers/);
  });

  it('exits 1 printing every error as file:doc:field: message (line N)', () => {
    const dir = files({
      'a.yaml': `apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: el}
spec:
  triggers:
    - name: t
      template: {ref: missing}
---
apiVersion: triggers.tekton.dev/v1beta1
kind: TriggerBinding
metadata: {name: b}
spec:
  params:
    - {name: x, value: $(body.x}
`,
    });
    const r = cli('validate', '--config', dir);
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(
        /a\.yaml:1\(b\):spec\.params\[0\]\.value: unbalanced \$\( in "\$\(body\.x" \(line 14\)$/,
      ),
      expect.stringMatching(
        /a\.yaml:0\(el\):spec\.triggers\[0\]\.template\.ref: TriggerTemplate missing not found in namespace default \(line 7\)$/,
      ),
      expect.stringMatching(
        /a\.yaml:0\(el\):spec\.triggers\[0\]: trigger t does not authenticate its sender: .* \(line 6\)$/,
      ),
      expect.stringMatching(/: 3 error\(s\)$/),
    ]);
  });
});

describe('signalbox trigger test', { timeout: 30_000 }, () => {
  const secret = readFileSync(join(examples, 'secrets/github-webhook/token'), 'utf8').trim();
  const push = (message: string) =>
    JSON.stringify({
      ref: 'refs/heads/develop',
      after: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
      commits: [{ message, added: ['microservices/api/main.go'], modified: [], removed: [] }],
      repository: { full_name: 'org/team-a', clone_url: 'https://github.com/org/team-a.git' },
    });

  it('prints every verdict and the rendered resources of a signed push', () => {
    const body = push('feat: x');
    const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    const dir = files({
      'push.json': body,
      'headers.json': JSON.stringify({ 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': signature }),
    });
    const r = cli(
      'trigger',
      'test',
      '--listener',
      'github',
      '--body',
      join(dir, 'push.json'),
      '--header',
      join(dir, 'headers.json'),
      '--config',
      join(examples, 'config'),
    );
    expect(r.status, r.stderr).toBe(0);
    const evaluation = JSON.parse(r.stdout);
    expect(evaluation).toMatchObject({
      listener: { name: 'github', namespace: 'team-a-ci' },
      authenticated: true,
      // Only the changed microservice builds; ci-develop is for changes outside microservices/.
      triggers: [
        { name: 'ci-develop', fired: false },
        {
          name: 'ci-api',
          fired: true,
          extensions: { short_sha: '0d1a26e', changed_files: 'microservices/api/main.go' },
          resources: [
            {
              route: 'run',
              namespace: 'team-a-ci',
              concurrency: { group: 'org/team-a-refs/heads/develop-api', policy: 'cancel-in-progress' },
              object: { kind: 'PipelineRun', metadata: { generateName: 'build-api-' } },
            },
          ],
        },
        { name: 'ci-web', fired: false },
      ],
    });
  });

  it('shows why nothing fired: an unsigned request, and a bot commit with --trusted', () => {
    const dir = files({
      'bot.json': push('[Update manifest] api 1.4.2'),
      'h.json': '{"X-GitHub-Event": "push"}',
    });
    const args = ['trigger', 'test', '--listener', 'github', '--body', join(dir, 'bot.json')];
    const config = ['--header', join(dir, 'h.json'), '--config', join(examples, 'config')];
    const unsigned = JSON.parse(cli(...args, ...config).stdout);
    expect(unsigned).toMatchObject({
      authenticated: false,
      triggers: Array(3).fill({ fired: false, reason: 'interceptor github: no X-Hub-Signature-256 header' }),
    });
    const trusted = JSON.parse(cli(...args, ...config, '--trusted').stdout);
    expect(trusted.triggers[0]).toMatchObject({
      fired: false,
      reason: expect.stringMatching(/^interceptor cel: filter .* did not return true$/),
    });
  });

  it('reads a captured request (Harbor fixture headers) and renders ImageUpdate and Notification', () => {
    const r = cli(
      'trigger',
      'test',
      '--listener',
      'harbor',
      '--body',
      join(harborFixtures, 'PUSH_ARTIFACT.json'),
      '--header',
      join(harborFixtures, 'PUSH_ARTIFACT.headers.json'),
      '--config',
      join(examples, 'config'),
      '--secrets-dir',
      files({ 'harbor-webhook/auth-header': 'Bearer 3c1e2f0d9b7a4e6c8d5f1a2b3c4d5e6f\n' }),
    );
    expect(r.status, r.stderr).toBe(0);
    const kinds = JSON.parse(r.stdout).triggers[0].resources.map(
      (x: { object: { kind: string } }) => x.object.kind,
    );
    expect(kinds).toEqual(['ImageUpdate', 'Notification']);
  });

  it('exits 1 for an unknown listener or a body that is not a JSON object', () => {
    const dir = files({ 'list.json': '[1]' });
    const config = ['--config', join(examples, 'config')];
    const unknown = cli('trigger', 'test', '--listener', 'nope', '--body', join(dir, 'list.json'), ...config);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/no EventListener named nope .*\(there are: github, harbor\)/);
    const bad = cli('trigger', 'test', '--listener', 'github', '--body', join(dir, 'list.json'), ...config);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/body must be a JSON object \(HTTP 400\)/);
  });

  it('lists a pull request’s changed files through the GitHub API, as the listener does', async () => {
    const github = await startGitHubFake({ token: 'ghp_pat' });
    try {
      github.pullFiles.set('org/app#7', ['services/api/main.go', 'README.md']);
      const body = JSON.stringify({
        action: 'opened',
        number: 7,
        pull_request: { number: 7 },
        repository: { name: 'app', owner: { login: 'org' } },
      });
      const dir = files({
        'config/el.yaml': `apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: mono}
spec:
  triggers:
    - name: api
      interceptors:
        - ref: {name: github}
          params:
            - {name: secretRef, value: {secretName: gh, secretKey: token}}
            - {name: addChangedFiles, value: {enabled: true, personalAccessToken: {secretName: gh, secretKey: pat}}}
        - ref: {name: cel}
          params:
            - {name: filter, value: "extensions.changed_files.split(',').exists(f, f.startsWith('services/api/'))"}
      template:
        spec:
          resourcetemplates: [{apiVersion: v1, kind: ConfigMap, metadata: {generateName: api-}}]
`,
        'secrets/gh/token': 's3cret\n',
        'secrets/gh/pat': 'ghp_pat\n',
        'pr.json': body,
        'h.json': JSON.stringify({
          'X-GitHub-Event': 'pull_request',
          'X-Hub-Signature-256': `sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`,
        }),
      });
      // Asynchronous: the fake answers from this process while the CLI runs.
      const child = spawn(
        process.execPath,
        [
          bin,
          'trigger',
          'test',
          '--listener',
          'mono',
          '--body',
          join(dir, 'pr.json'),
          '--header',
          join(dir, 'h.json'),
          '--config',
          join(dir, 'config'),
          '--secrets-dir',
          join(dir, 'secrets'),
        ],
        { env: { ...process.env, GITHUB_API_URL: github.url } },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const code = await new Promise((resolve) => child.once('exit', resolve));
      expect(code, stderr).toBe(0);
      expect(JSON.parse(stdout).triggers[0]).toMatchObject({
        fired: true,
        extensions: { changed_files: 'services/api/main.go,README.md' },
      });
      expect(github.requests.some((r) => r.authorization === 'token ghp_pat')).toBe(true);
    } finally {
      await github.close();
    }
  });

  it('validate without --config where there is no ./config says so and what to try (was a bare ENOENT)', () => {
    const empty = mkdtempSync(join(tmpdir(), 'sb-validate-'));
    const env = { ...process.env, SIGNALBOX_CONFIG: '' };
    const bare = spawnSync(process.execPath, [bin, 'validate'], { cwd: empty, env, encoding: 'utf8' });
    expect(bare.status).toBe(1);
    expect(bare.stderr).toBe(
      'signalbox validate: no config directory at ./config (the default when neither --config nor SIGNALBOX_CONFIG is given); the examples are in examples/config: --config examples/config\n',
    );
    const named = spawnSync(process.execPath, [bin, 'validate', '--config', 'nowhere'], {
      cwd: empty,
      env,
      encoding: 'utf8',
    });
    expect(named.stderr).toMatch(/^signalbox validate: no config directory at --config nowhere;/);
  });
});
