import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { CelError } from '../../src/cel/cel-error.ts';
import { celToJson } from '../../src/cel/cel-to-json.ts';
import { compileCel } from '../../src/cel/compile-cel.ts';

/**
 * Every GitHub payload of @octokit/webhooks-examples through expressions touching most of the
 * library: each evaluation gives a JSON value or a CelError, never another exception, and no
 * error message quotes the payload.
 */
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as Array<{
  name: string;
  examples: Array<Record<string, unknown>>;
}>;

const expressions = [
  "body.ref == 'refs/heads/develop' && !body.commits[0].message.startsWith('[Update manifest]')",
  "has(body.pull_request) && body.pull_request.title.lowerAscii().matches('(?i)^(feat|fix)(\\\\(.+\\\\))?!?:')",
  "body.repository.html_url.parseURL().path.split('/')[1]",
  'body.marshalJSON().size() > 2',
  "body.sender.login.truncate(3) + '…' + body.sender.login.substring(0, 1).upperAscii()",
  "'%s/%s'.format([body.repository.owner.login, body.repository.name])",
  'body.commits.map(c, c.id.truncate(7)).sortBy(s, s)',
  "body.commits.exists(c, c.modified.exists(f, f.startsWith('services/api/')))",
  "body.repository.full_name.translate('[^a-z0-9]+', '-')",
  "header.match('X-GitHub-Event', 'push') && body.after.matches('^[0-9a-f]{40}$')",
  'math.greatest(body.repository.stargazers_count, body.repository.forks_count)',
  "sets.intersects(body.pull_request.labels.map(l, l.name), ['deploy', 'release'])",
  'json.encode(body.installation)',
  "body.head_commit.message.split('\\n', 2)[0].trim().indexOf(':')",
].map((source) => compileCel(source));

describe('CEL over every @octokit/webhooks-examples payload', () => {
  const payloads = examples.flatMap((e) => e.examples.map((body, i) => ({ name: `${e.name}[${i}]`, body })));

  it('has payloads to run', () => {
    expect(payloads.length).toBeGreaterThan(300);
  });

  it('gives a JSON value or a CelError without payload text, never another exception', () => {
    let values = 0;
    let errors = 0;
    for (const { name, body } of payloads) {
      const event = String(name.split('[')[0]);
      const activation = {
        body,
        header: { 'X-Github-Event': [event] },
        extensions: {},
        requestURL: '/hooks/gh',
      };
      for (const program of expressions) {
        try {
          celToJson(program.evaluate(activation));
          values++;
        } catch (err) {
          if (!(err instanceof CelError)) throw new Error(`${name}: ${program.source}: ${String(err)}`);
          expect(err.code).toBe('CEL_EVAL');
          const login = (body.sender as { login?: string } | undefined)?.login;
          if (login && login.length > 3) expect(err.message).not.toContain(login);
          errors++;
        }
      }
    }
    // Both outcomes occur: the expressions fit some payloads and not others.
    expect(values).toBeGreaterThan(1000);
    expect(errors).toBeGreaterThan(100);
  });
});
