import { randomUUID } from 'node:crypto';
import { runsQueue } from '@signalbox/contracts';
import { redisForTest } from '@signalbox/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildTestListener, signedPushHeaders, type TestListener } from './build-test-listener.ts';

const { url, prefix } = redisForTest(import.meta.url);

/** Three triggers: two render Kubernetes objects (one of them two), one a Notification. */
const trigger = (name: string, objects: string) => `    - name: ${name}
      interceptors:
        - ref: {name: github}
          params:
            - name: secretRef
              value: {secretName: github, secretKey: token}
      template:
        spec:
          resourcetemplates:
${objects}`;
const pipelineRun = `            - apiVersion: tekton.dev/v1
              kind: PipelineRun
              metadata: {generateName: build-}
              spec: {pipelineRef: {name: ci}}
`;
const taskRun = `            - apiVersion: tekton.dev/v1
              kind: TaskRun
              metadata: {generateName: lint-}
              spec: {taskRef: {name: lint}}
`;
const notification = `            - apiVersion: signalbox.dev/v1alpha1
              kind: Notification
              spec: {kind: run.queued, data: {}}
`;
const config = `apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: github, namespace: ci}
spec:
  triggers:
${trigger('build', pipelineRun + taskRun)}${trigger('deploy', pipelineRun)}${trigger('announce', notification)}`;

let listener: TestListener;
beforeAll(async () => {
  listener = await buildTestListener({ redisUrl: url, prefix, config });
});
afterAll(() => listener.close());

const push = (delivery: string) => {
  const payload = JSON.stringify({ ref: 'refs/heads/main', after: 'a'.repeat(40) });
  return listener.app.inject({
    method: 'POST',
    url: '/hooks/github',
    headers: { ...signedPushHeaders(payload), 'x-github-delivery': delivery },
    payload,
  });
};

it("a delivery's Kubernetes objects go to the run-scheduler as one job, which its verdicts name", async () => {
  const delivery = randomUUID();
  const res = await push(delivery);
  expect(res.statusCode, res.body).toBe(202);
  const jobs = await listener.producers.runs.queue.getJobs(['waiting']);
  expect(jobs).toHaveLength(1);
  const [job] = jobs;
  const runs = job?.data.runs as Array<{
    correlation: { trigger: string };
    index: number;
    resource: { kind: string };
  }>;
  expect(runs.map((r) => [r.correlation.trigger, r.index, r.resource.kind])).toEqual([
    ['build', 0, 'PipelineRun'],
    ['build', 1, 'TaskRun'],
    ['deploy', 0, 'PipelineRun'],
  ]);
  // Every object's row in the answer (and the ledger) points at that job; the Notification has its own.
  const resources = (
    res.json().triggers as Array<{ resources?: Array<{ queue: string; jobId: string }> }>
  ).flatMap((t) => t.resources ?? []);
  const ofRuns = resources.filter((r) => r.queue === runsQueue.name);
  expect(ofRuns.map((r) => r.jobId)).toEqual([job?.id, job?.id, job?.id]);
  expect(resources.filter((r) => r.queue !== runsQueue.name).map((r) => r.jobId)).not.toContain(job?.id);
  expect(await listener.producers.notifications.queue.getWaitingCount()).toBe(1);

  // The redelivery is a duplicate: still one job.
  expect((await push(delivery)).json()).toMatchObject({ duplicate: true });
  expect(await listener.producers.runs.queue.getWaitingCount()).toBe(1);
});
