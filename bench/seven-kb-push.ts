import { createRequire } from 'node:module';

/**
 * A GitHub push to develop from @octokit/webhooks-examples, padded with commits to about 7 KB —
 * the payload size the benchmarks' targets are stated for.
 */
export function sevenKbPush(): Record<string, unknown> {
  const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as Array<{
    name: string;
    examples: unknown[];
  }>;
  const push = structuredClone(examples.find((e) => e.name === 'push')?.examples[0]) as Record<
    string,
    unknown
  >;
  push.ref = 'refs/heads/develop';
  const commit = {
    id: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
    message: 'fix: handle empty payloads in the parser',
    added: ['src/a.ts'],
    modified: ['src/b.ts', 'README.md'],
    removed: [],
    author: { name: 'Dev', email: 'dev@example.com' },
  };
  push.commits = [];
  while (JSON.stringify(push).length < 7 * 1024) (push.commits as unknown[]).push({ ...commit });
  return push;
}
