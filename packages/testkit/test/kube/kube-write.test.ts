import { type KubernetesObject, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiError,
  type FakeWithClients,
  pipelineRun,
  runs,
  startWithClients,
  statusOf,
} from './kube-test-helpers.ts';

let k: FakeWithClients;
let seq = 0;
beforeAll(async () => {
  k = await startWithClients({ namespaces: ['ci'] });
});
afterAll(() => k.fake.close());

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
const fresh = async (extra: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) =>
  k.custom.createNamespacedCustomObject({
    ...runs('ci'),
    body: pipelineRun({ name: `w-${++seq}`, ...extra }, spec),
  });
const patchRun = (name: string, body: unknown, options = merge) =>
  k.custom.patchNamespacedCustomObject({ ...runs('ci'), name, body }, options);
const running = {
  startTime: '2026-03-14T09:33:05Z',
  conditions: [{ type: 'Succeeded', status: 'Unknown', reason: 'Running' }],
};
const succeeded = {
  startTime: '2026-03-14T09:33:05Z',
  completionTime: '2026-03-14T09:41:17Z',
  conditions: [{ type: 'Succeeded', status: 'True', reason: 'Succeeded' }],
};

describe('patch', () => {
  it('merge-patches (cancel a run): new resourceVersion and generation, status untouched', async () => {
    const run = await fresh();
    k.fake.setStatus('ci', 'pipelineruns', run.metadata.name, running);
    const patched = await patchRun(run.metadata.name, {
      spec: { status: 'Cancelled' },
      status: { startTime: null },
    });
    expect(patched.spec.status).toBe('Cancelled');
    expect(patched.metadata.generation).toBe(2);
    expect(Number(patched.metadata.resourceVersion)).toBe(Number(k.fake.resourceVersion));
    expect(patched.status).toEqual(running);
    const relabelled = await patchRun(run.metadata.name, { metadata: { labels: { a: 'b' } } });
    expect(relabelled.metadata.generation).toBe(2);
  });

  it('answers a patch carrying a stale resourceVersion with 409 Conflict', async () => {
    const run = await fresh();
    await patchRun(run.metadata.name, { metadata: { labels: { a: '1' } } });
    const err = await apiError(
      patchRun(run.metadata.name, {
        metadata: { resourceVersion: run.metadata.resourceVersion, labels: { a: '2' } },
      }),
    );
    expect(err.code).toBe(409);
    expect(statusOf(err)).toMatchObject({
      reason: 'Conflict',
      message: `Operation cannot be fulfilled on pipelineruns.tekton.dev "${run.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
      details: { name: run.metadata.name, group: 'tekton.dev', kind: 'pipelineruns' },
    });
  });

  it('applies JSON patches (the CustomObjectsApi default): an object body is 400, a failing op 422', async () => {
    const run = await fresh({ labels: { keep: 'x' } });
    const plain = await apiError(
      k.custom.patchNamespacedCustomObject({
        ...runs('ci'),
        name: run.metadata.name,
        body: { spec: { status: 'Cancelled' } },
      }),
    );
    expect(plain.code).toBe(400);
    expect(statusOf(plain).message).toBe(
      'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    );
    const patched = await patchRun(
      run.metadata.name,
      [
        { op: 'test', path: '/metadata/labels/keep', value: 'x' },
        { op: 'add', path: '/metadata/labels/signalbox.dev~1group', value: 'g1' },
        { op: 'add', path: '/metadata/finalizers', value: [] },
        { op: 'add', path: '/metadata/finalizers/-', value: 'example.com/b' },
        { op: 'add', path: '/metadata/finalizers/0', value: 'example.com/a' },
        { op: 'copy', from: '/metadata/labels/keep', path: '/metadata/labels/copy' },
        { op: 'add', path: '/spec/status', value: 'Cancelled' },
      ],
      jsonPatch,
    );
    expect(patched.metadata.labels).toEqual({ keep: 'x', 'signalbox.dev/group': 'g1', copy: 'x' });
    expect(patched.metadata.finalizers).toEqual(['example.com/a', 'example.com/b']);
    expect(patched.spec.status).toBe('Cancelled');
    const failing = await apiError(
      patchRun(run.metadata.name, [{ op: 'remove', path: '/spec/nothing' }], jsonPatch),
    );
    expect(failing.code).toBe(422);
    expect(statusOf(failing)).toMatchObject({
      reason: 'Invalid',
      message: 'the server rejected our request due to an error in our request',
      details: {
        causes: [
          {
            reason: 'UnexpectedServerResponse',
            message: 'Unable to remove nonexistent key: nothing: missing value',
          },
        ],
      },
    });
  });

  it('refuses strategic merge on a custom resource with 415 (KubernetesObjectApi’s default) but applies it to a ConfigMap', async () => {
    const run = await fresh();
    const err = await apiError(
      k.objects.patch({
        apiVersion: 'tekton.dev/v1',
        kind: 'PipelineRun',
        metadata: { name: run.metadata.name, namespace: 'ci' },
      }),
    );
    expect(err.code).toBe(415);
    expect(statusOf(err)).toMatchObject({
      reason: 'UnsupportedMediaType',
      message:
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    });
    await k.core.createNamespacedConfigMap({
      namespace: 'ci',
      body: { metadata: { name: 'smp' }, data: { a: '1' } },
    });
    const cm = await k.objects.patch({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'smp', namespace: 'ci' },
      data: { b: '2' },
    } as never);
    expect((cm as { data: Record<string, string> }).data).toEqual({ a: '1', b: '2' });
  });

  it('server-side apply needs a fieldManager and creates what does not exist', async () => {
    const body: KubernetesObject = pipelineRun({ name: 'applied', namespace: 'ci', labels: { v: '1' } });
    const noManager = await apiError(
      k.objects.patch(body, undefined, undefined, undefined, undefined, PatchStrategy.ServerSideApply),
    );
    expect(noManager.code).toBe(400);
    const created = await k.objects.patch(
      body,
      undefined,
      undefined,
      'signalbox',
      undefined,
      PatchStrategy.ServerSideApply,
    );
    expect(created.metadata?.uid).toBeTruthy();
    const updated = await k.objects.patch(
      pipelineRun({ name: 'applied', namespace: 'ci', labels: { v: '2' } }) as KubernetesObject,
      undefined,
      undefined,
      'signalbox',
      undefined,
      PatchStrategy.ServerSideApply,
    );
    expect(updated.metadata?.labels).toEqual({ v: '2' });
    expect(updated.metadata?.uid).toBe(created.metadata?.uid);
  });

  it('keeps the resourceVersion when a patch changes nothing', async () => {
    const run = await fresh({ labels: { a: 'b' } });
    const same = await patchRun(run.metadata.name, { metadata: { labels: { a: 'b' } } });
    expect(same.metadata.resourceVersion).toBe(run.metadata.resourceVersion);
  });

  it('validates patched metadata like a create (422)', async () => {
    const run = await fresh();
    const err = await apiError(
      patchRun(run.metadata.name, { metadata: { labels: { branch: 'feature/x' } } }),
    );
    expect(err.code).toBe(422);
    expect(statusOf(err).details?.causes?.[0]?.field).toBe('metadata.labels');
  });
});

describe('Tekton’s update rules', () => {
  const prefix =
    'admission webhook "validation.webhook.pipeline.tekton.dev" denied the request: validation failed: invalid value: ';

  it('lets only spec.status change until the run is done, and nothing after', async () => {
    const pending = await fresh({}, { status: 'PipelineRunPending' });
    const released = await patchRun(pending.metadata.name, { spec: { status: null } });
    expect(released.spec.status).toBeUndefined();
    const params = await apiError(
      patchRun(pending.metadata.name, { spec: { params: [{ name: 'a', value: 'b' }] } }),
    );
    expect(params.code).toBe(400);
    expect(statusOf(params).message).toBe(
      `${prefix}Once the PipelineRun has started, only status updates are allowed: spec`,
    );
    k.fake.setStatus('ci', 'pipelineruns', pending.metadata.name, succeeded);
    const late = await apiError(patchRun(pending.metadata.name, { spec: { status: 'Cancelled' } }));
    expect(statusOf(late).message).toBe(
      `${prefix}Once the PipelineRun is complete, no updates are allowed: spec`,
    );
    const labels = await patchRun(pending.metadata.name, { metadata: { labels: { seen: 'yes' } } });
    expect(labels.metadata.labels).toEqual({ seen: 'yes' });
  });

  it('refuses to make a started run pending again', async () => {
    const run = await fresh();
    k.fake.setStatus('ci', 'pipelineruns', run.metadata.name, running);
    const err = await apiError(patchRun(run.metadata.name, { spec: { status: 'PipelineRunPending' } }));
    expect(statusOf(err).message).toBe(
      `${prefix}PipelineRun cannot be Pending after it is started: spec.status`,
    );
  });
});

describe('status subresource and replace', () => {
  it('writes only .status through /status, and ignores .status written to the resource', async () => {
    const run = await fresh();
    const viaStatus = await k.custom.patchNamespacedCustomObjectStatus(
      { ...runs('ci'), name: run.metadata.name, body: { status: running, spec: { status: 'Cancelled' } } },
      merge,
    );
    expect(viaStatus.status).toEqual(running);
    expect(viaStatus.spec.status).toBeUndefined();
    expect(viaStatus.metadata.generation).toBe(1);
    const ignored = await patchRun(run.metadata.name, { status: succeeded });
    expect(ignored.status).toEqual(running);
    expect(ignored.metadata.resourceVersion).toBe(viaStatus.metadata.resourceVersion);
  });

  it('requires a resourceVersion on PUT of a custom resource (422) and a current one (409)', async () => {
    const run = await fresh();
    const { resourceVersion: _rv, ...metadata } = run.metadata;
    const missing = await apiError(
      k.custom.replaceNamespacedCustomObject({
        ...runs('ci'),
        name: run.metadata.name,
        body: { ...run, metadata },
      }),
    );
    expect(missing.code).toBe(422);
    expect(statusOf(missing).message).toBe(
      `PipelineRun.tekton.dev "${run.metadata.name}" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update`,
    );
    const labelled = { ...run, metadata: { ...run.metadata, labels: { x: 'y' } } };
    const replaced = await k.custom.replaceNamespacedCustomObject({
      ...runs('ci'),
      name: run.metadata.name,
      body: labelled,
    });
    expect(replaced.metadata.labels).toEqual({ x: 'y' });
    const stale = await apiError(
      k.custom.replaceNamespacedCustomObject({ ...runs('ci'), name: run.metadata.name, body: labelled }),
    );
    expect(stale.code).toBe(409);
    const renamed = await apiError(
      k.custom.replaceNamespacedCustomObject({
        ...runs('ci'),
        name: run.metadata.name,
        body: { ...replaced, metadata: { ...replaced.metadata, name: 'other' } },
      }),
    );
    expect(statusOf(renamed).message).toBe(
      `the name of the object (other) does not match the name on the URL (${run.metadata.name})`,
    );
  });
});

describe('delete', () => {
  it('answers a Success Status, then 404; a failed precondition is 409', async () => {
    const run = await fresh();
    const wrongUid = await apiError(
      k.custom.deleteNamespacedCustomObject({
        ...runs('ci'),
        name: run.metadata.name,
        body: { preconditions: { uid: 'nope' } },
      }),
    );
    expect(wrongUid.code).toBe(409);
    expect(statusOf(wrongUid).message).toBe(
      `Operation cannot be fulfilled on pipelineruns.tekton.dev "${run.metadata.name}": Precondition failed: UID in precondition: nope, UID in object meta: ${run.metadata.uid}`,
    );
    const gone = await k.custom.deleteNamespacedCustomObject({ ...runs('ci'), name: run.metadata.name });
    expect(gone).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: run.metadata.name, group: 'tekton.dev', kind: 'pipelineruns', uid: run.metadata.uid },
    });
    expect(
      (await apiError(k.custom.getNamespacedCustomObject({ ...runs('ci'), name: run.metadata.name }))).code,
    ).toBe(404);
    expect(
      (await apiError(k.custom.deleteNamespacedCustomObject({ ...runs('ci'), name: run.metadata.name })))
        .code,
    ).toBe(404);
    expect(k.fake.createCount({ name: run.metadata.name })).toBe(1);
  });

  it('only marks an object with finalizers, and removes it once they are gone', async () => {
    const run = await fresh({ finalizers: ['chains.tekton.dev/pipelinerun'] });
    const marked = await k.custom.deleteNamespacedCustomObject({ ...runs('ci'), name: run.metadata.name });
    expect(marked.metadata.deletionTimestamp).toBeTruthy();
    expect(k.fake.objects({ name: run.metadata.name })).toHaveLength(1);
    await patchRun(run.metadata.name, { metadata: { finalizers: null } });
    expect(k.fake.objects({ name: run.metadata.name })).toEqual([]);
  });

  it('deletes a collection by label selector, and a namespace with everything in it', async () => {
    await fresh({ labels: { batch: 'old' } });
    await fresh({ labels: { batch: 'old' } });
    const keep = await fresh({ labels: { batch: 'new' } });
    const deleted = await k.custom.deleteCollectionNamespacedCustomObject({
      ...runs('ci'),
      labelSelector: 'batch=old',
    });
    expect(deleted.items).toHaveLength(2);
    expect(
      k.fake
        .objects({ plural: 'pipelineruns' })
        .map((o) => o.metadata.labels?.batch)
        .filter(Boolean),
    ).toEqual(['new']);
    k.fake.addNamespace('doomed');
    await k.custom.createNamespacedCustomObject({ ...runs('doomed'), body: pipelineRun({ name: 'inside' }) });
    const ns = await k.core.deleteNamespace({ name: 'doomed' });
    expect((ns as { status?: { phase?: string } }).status?.phase).toBe('Terminating');
    expect(k.fake.objects({ namespace: 'doomed' })).toEqual([]);
    expect(k.fake.objects({ name: keep.metadata.name })).toHaveLength(1);
  });
});
