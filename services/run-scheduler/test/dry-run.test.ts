import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createRun } from '../src/create-run.ts';
import { dryRunBackend } from '../src/dry-run-backend.ts';
import { runJob } from './run-scheduler-helpers.ts';

describe('dry-run backend', () => {
  it('writes each object once as YAML at <out>/<namespace>/<name>.yaml, with the cluster’s naming rules', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sb-dry-'));
    const backend = dryRunBackend(out);
    const job = runJob(7, {}, { labels: { branch: 'feature/x' } });
    const first = await createRun(job, { backend });
    const again = await createRun(job, { backend });
    expect(first).toMatchObject({
      created: true,
      namespace: 'ci',
      name: expect.stringMatching(/^build-[a-z0-9]{10}$/),
    });
    expect(again).toMatchObject({ created: false, name: first.name });
    expect(readdirSync(join(out, 'ci'))).toEqual([`${first.name}.yaml`]);
    const object = parse(readFileSync(join(out, 'ci', `${first.name}.yaml`), 'utf8'));
    expect(object).toMatchObject({
      apiVersion: 'tekton.dev/v1',
      kind: 'PipelineRun',
      metadata: {
        name: first.name,
        namespace: 'ci',
        labels: { branch: 'feature-x', 'signalbox.dev/managed-by': 'signalbox' },
      },
    });
    expect(object.metadata.generateName).toBeUndefined();
  });

  it('creates exactly once when the same job runs concurrently (replicas), leaving no partial files', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sb-dry-'));
    const backend = dryRunBackend(out);
    const job = runJob(8, { namespace: 'team-a' });
    const results = await Promise.all(Array.from({ length: 20 }, () => createRun(job, { backend })));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.name)).size).toBe(1);
    expect(readdirSync(join(out, 'team-a'))).toEqual([`${results[0]?.name}.yaml`]);
  });
});
