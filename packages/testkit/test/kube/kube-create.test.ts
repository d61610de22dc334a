import { setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiError,
  type FakeWithClients,
  pipelineRun,
  runs,
  startWithClients,
  statusOf,
} from './kube-test-helpers.ts';

const labelValueRule =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const subdomainRule =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

let k: FakeWithClients;
beforeAll(async () => {
  k = await startWithClients({ namespaces: ['ci', 'team-a-ci'] });
});
afterAll(() => k.fake.close());

const create = (body: unknown, namespace = 'ci') =>
  k.custom.createNamespacedCustomObject({ ...runs(namespace), body });

describe('create', () => {
  it('fills generateName from the real alphabet and sets uid, resourceVersion, creationTimestamp, generation and Tekton defaults', async () => {
    const before = Number(k.fake.resourceVersion);
    const created = await create(pipelineRun({ generateName: 'api-build-' }));
    expect(created.metadata.name).toMatch(/^api-build-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(created.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(Number(created.metadata.resourceVersion)).toBe(before + 1);
    expect(created.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(created.metadata.generation).toBe(1);
    expect(created.metadata.namespace).toBe('ci');
    expect(created.spec.timeouts).toEqual({ pipeline: '1h0m0s' });
    expect(created.spec.taskRunTemplate).toEqual({ serviceAccountName: 'default' });
    expect(k.fake.createCount({ plural: 'pipelineruns', name: created.metadata.name })).toBe(1);
    const second = await create(pipelineRun({ generateName: 'api-build-' }));
    expect(Number(second.metadata.resourceVersion)).toBe(before + 2);
    expect(second.metadata.uid).not.toBe(created.metadata.uid);
  });

  it('cuts a generateName prefix at 58 characters, so the generated name is 63 long', async () => {
    const prefix = `${'a'.repeat(70)}-`;
    const created = await create(pipelineRun({ generateName: prefix }));
    expect(created.metadata.name).toHaveLength(63);
    expect(created.metadata.name.startsWith('a'.repeat(58))).toBe(true);
    expect(created.metadata.generateName).toBe(prefix);
  });

  it('stores the fixture request (tekton/pipelinerun.create-request.json) as sent, keeping its labels and annotations', async () => {
    const body = {
      apiVersion: 'tekton.dev/v1',
      kind: 'PipelineRun',
      metadata: {
        generateName: 'api-build-',
        namespace: 'team-a-ci',
        labels: {
          'app.kubernetes.io/managed-by': 'webhook-gateway',
          'gateway.example.com/repo': 'team-a.api',
          'gateway.example.com/trigger': 'github-push',
        },
        annotations: { 'gateway.example.com/delivery-id': '72d3162e-cc78-11e3-81ab-4c9367dc0958' },
      },
      spec: {
        pipelineRef: { name: 'build-and-push' },
        params: [{ name: 'git-url', value: 'https://github.com/example-org/api.git' }],
        workspaces: [{ name: 'docker-credentials', secret: { secretName: 'harbor-push-creds' } }],
        timeouts: { pipeline: '1h0m0s', tasks: '50m0s', finally: '10m0s' },
        taskRunTemplate: { serviceAccountName: 'pipeline-runner' },
      },
    };
    const created = await create(body, 'team-a-ci');
    expect(created.spec).toEqual(body.spec);
    expect(created.metadata.labels).toEqual(body.metadata.labels);
    expect(created.metadata.annotations).toEqual(body.metadata.annotations);
    const [stored] = k.fake.objects({ plural: 'pipelineruns', namespace: 'team-a-ci' });
    expect(stored).toEqual(created);
  });

  it('answers a taken name with 409 AlreadyExists: raw-text Status body, lower-case headers', async () => {
    await create(pipelineRun({ name: 'api-build-7xk2p' }));
    const err = await apiError(create(pipelineRun({ name: 'api-build-7xk2p' })));
    expect(err.code).toBe(409);
    expect(err.headers['content-type']).toBe('application/json');
    expect(statusOf(err)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pipelineruns.tekton.dev "api-build-7xk2p" already exists',
      reason: 'AlreadyExists',
      details: { name: 'api-build-7xk2p', group: 'tekton.dev', kind: 'pipelineruns' },
      code: 409,
    });
  });

  it('retries generateName collisions itself, then answers 409 with retryAfterSeconds (Kubernetes ≥ 1.32)', async () => {
    for (const generateNameAttempts of [8, 1]) {
      const stuck = await startWithClients({ namespaces: ['ci'], random: () => 0, generateNameAttempts });
      try {
        const body = pipelineRun({ generateName: 'api-build-' });
        const first = await stuck.custom.createNamespacedCustomObject({ ...runs('ci'), body });
        expect(first.metadata.name).toBe('api-build-bbbbb');
        const err = await apiError(stuck.custom.createNamespacedCustomObject({ ...runs('ci'), body }));
        expect(err.code).toBe(409);
        expect(statusOf(err)).toMatchObject({
          reason: 'AlreadyExists',
          message:
            'pipelineruns.tekton.dev "api-build-bbbbb" already exists, the server was not able to generate a unique name for the object',
          details: {
            name: 'api-build-bbbbb',
            group: 'tekton.dev',
            kind: 'pipelineruns',
            retryAfterSeconds: 1,
          },
        });
        expect(stuck.fake.objects('pipelineruns')).toHaveLength(1);
      } finally {
        await stuck.fake.close();
      }
    }
  });

  it('refuses an invalid label value with 422 Invalid and apimachinery’s message and cause', async () => {
    const err = await apiError(create(pipelineRun({ name: 'x1', labels: { branch: 'feature/x' } })));
    expect(err.code).toBe(422);
    expect(statusOf(err)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `PipelineRun.tekton.dev "x1" is invalid: metadata.labels: Invalid value: "feature/x": ${labelValueRule}`,
      reason: 'Invalid',
      details: {
        name: 'x1',
        group: 'tekton.dev',
        kind: 'PipelineRun',
        causes: [
          {
            reason: 'FieldValueInvalid',
            message: `Invalid value: "feature/x": ${labelValueRule}`,
            field: 'metadata.labels',
          },
        ],
      },
      code: 422,
    });
  });

  it('lists every problem as a cause: long label value, bad label key, bad annotation key, bad name', async () => {
    const err = await apiError(
      create(
        pipelineRun({
          name: 'Bad_Name',
          labels: { ok: 'v'.repeat(64), 'bad key': 'v' },
          annotations: { 'example.com/a/b': 'x', 'Fine.Case/Key': 'x' },
        }),
      ),
    );
    expect(err.code).toBe(422);
    const status = statusOf(err);
    expect(status.details?.causes?.map((c) => [c.field, c.message.slice(0, 60)])).toEqual([
      ['metadata.name', `Invalid value: "Bad_Name": ${subdomainRule}`.slice(0, 60)],
      [
        'metadata.labels',
        `Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`.slice(0, 60),
      ],
      ['metadata.labels', 'Invalid value: "bad key": name part must consist of alphanumeric'.slice(0, 60)],
      [
        'metadata.annotations',
        'Invalid value: "example.com/a/b": a qualified name must consist of'.slice(0, 60),
      ],
    ]);
    expect(status.message).toMatch(
      /^PipelineRun\.tekton\.dev "Bad_Name" is invalid: \[metadata\.name: Invalid value/,
    );
  });

  it('validates generateName like the fixture status.422.Invalid.json (and the name it produced)', async () => {
    const err = await apiError(create(pipelineRun({ generateName: 'API_Build-' })));
    expect(err.code).toBe(422);
    const { details } = statusOf(err);
    expect(details?.causes?.[0]).toEqual({
      reason: 'FieldValueInvalid',
      message: `Invalid value: "API_Build-": ${subdomainRule}`,
      field: 'metadata.generateName',
    });
    expect(details?.causes?.[1]?.field).toBe('metadata.name');
    expect(details?.name).toMatch(/^API_Build-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('limits annotations to 256 KiB in total (422 TooLong) and names to 253 (422)', async () => {
    const big = await apiError(create(pipelineRun({ name: 'big', annotations: { a: 'x'.repeat(262_144) } })));
    expect(big.code).toBe(422);
    expect(statusOf(big).details?.causes).toEqual([
      {
        reason: 'FieldValueTooLong',
        message: 'Too long: may not be more than 262144 bytes',
        field: 'metadata.annotations',
      },
    ]);
    const long = await apiError(create(pipelineRun({ name: 'a'.repeat(254) })));
    expect(long.code).toBe(422);
    expect(statusOf(long).details?.causes?.[0]?.message).toBe(
      `Invalid value: "${'a'.repeat(254)}": must be no more than 253 characters`,
    );
  });

  it('runs Tekton’s validating webhook after the apiserver’s checks: names over 63 or with a dot are 400 BadRequest', async () => {
    const long = await apiError(create(pipelineRun({ name: 'a'.repeat(64) })));
    expect(long.code).toBe(400);
    expect(statusOf(long)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'admission webhook "validation.webhook.pipeline.tekton.dev" denied the request: validation failed: Invalid resource name: length must be no more than 63 characters: metadata.name',
      reason: 'BadRequest',
      code: 400,
    });
    const dotted = await apiError(create(pipelineRun({ name: 'build.v1' })));
    expect(statusOf(dotted).message).toBe(
      'admission webhook "validation.webhook.pipeline.tekton.dev" denied the request: validation failed: Invalid resource name: special character . must not be present: metadata.name',
    );
    expect(k.fake.objects({ plural: 'pipelineruns', name: 'build.v1' })).toEqual([]);
  });

  it('enforces Tekton’s spec rules: one of pipelineRef/pipelineSpec, spec.status values, timeouts', async () => {
    const prefix =
      'admission webhook "validation.webhook.pipeline.tekton.dev" denied the request: validation failed: ';
    const neither = await apiError(create({ ...pipelineRun({ name: 'n1' }), spec: { params: [] } }));
    expect(statusOf(neither).message).toBe(
      `${prefix}expected exactly one, got neither: spec.pipelineRef, spec.pipelineSpec`,
    );
    const both = await apiError(create(pipelineRun({ name: 'n2' }, { pipelineSpec: { tasks: [] } })));
    expect(statusOf(both).message).toBe(
      `${prefix}expected exactly one, got both: spec.pipelineRef, spec.pipelineSpec`,
    );
    const noName = await apiError(create(pipelineRun({ name: 'n3' }, { pipelineRef: {} })));
    expect(statusOf(noName).message).toBe(`${prefix}missing field(s): spec.pipelineRef.name`);
    const status = await apiError(create(pipelineRun({ name: 'n4' }, { status: 'Paused' })));
    expect(statusOf(status).message).toBe(
      `${prefix}invalid value: Paused should be Cancelled, CancelledRunFinally, StoppedRunFinally or PipelineRunPending: spec.status`,
    );
    const timeouts = await apiError(
      create(pipelineRun({ name: 'n5' }, { timeouts: { pipeline: '1h0m0s', tasks: '50m', finally: '20m' } })),
    );
    expect(statusOf(timeouts).message).toBe(
      `${prefix}invalid value: 50m0s + 20m0s should be <= pipeline duration: spec.timeouts.finally, spec.timeouts.tasks`,
    );
    const pending = await create(pipelineRun({ name: 'n6' }, { status: 'PipelineRunPending' }));
    expect(pending.spec.status).toBe('PipelineRunPending');
  });

  it('rejects a v1beta1-only field through Tekton’s defaulting webhook (DisallowUnknownFields)', async () => {
    const err = await apiError(create(pipelineRun({ name: 'sa' }, { serviceAccountName: 'robot' })));
    expect(err.code).toBe(400);
    expect(statusOf(err).message).toBe(
      'admission webhook "webhook.pipeline.tekton.dev" denied the request: mutation failed: cannot decode incoming new object: json: unknown field "serviceAccountName"',
    );
    const duration = await apiError(
      create(pipelineRun({ name: 'sa' }, { timeouts: { pipeline: '1 hour' } })),
    );
    expect(statusOf(duration).message).toBe(
      'admission webhook "webhook.pipeline.tekton.dev" denied the request: mutation failed: cannot decode incoming new object: time: invalid duration "1 hour"',
    );
  });

  it('answers a missing namespace with 404 namespaces "…" not found, before any webhook', async () => {
    const err = await apiError(create(pipelineRun({ name: 'a'.repeat(64) }), 'nope'));
    expect(err.code).toBe(404);
    expect(statusOf(err)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'namespaces "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', kind: 'namespaces' },
      code: 404,
    });
  });

  it('answers an unknown resource (CRD not installed) with the route 404', async () => {
    const err = await apiError(
      k.custom.createNamespacedCustomObject({
        group: 'argoproj.io',
        version: 'v1alpha1',
        namespace: 'ci',
        plural: 'workflows',
        body: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: 'w' } },
      }),
    );
    expect(err.code).toBe(404);
    expect(statusOf(err)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server could not find the requested resource',
      reason: 'NotFound',
      details: {},
      code: 404,
    });
  });

  it('refuses a body namespace that differs from the path (400) and a resourceVersion on create (500)', async () => {
    const mismatch = await apiError(create(pipelineRun({ name: 'm', namespace: 'team-a-ci' }), 'ci'));
    expect(mismatch.code).toBe(400);
    expect(statusOf(mismatch).message).toBe(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
    const withRv = await apiError(create(pipelineRun({ name: 'm', resourceVersion: '12' })));
    expect(withRv.code).toBe(500);
    expect(statusOf(withRv)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'resourceVersion should not be set on objects to be created',
      code: 500,
    });
  });

  it('drops .status on create (status subresource) and unknown metadata fields with a Warning header', async () => {
    const info = await k.custom.createNamespacedCustomObjectWithHttpInfo({
      ...runs('ci'),
      body: { ...pipelineRun({ name: 'st', colour: 'red' }), status: { startTime: '2026-01-01T00:00:00Z' } },
    });
    expect(info.httpStatusCode).toBe(201);
    expect(info.data.status).toBeUndefined();
    expect(info.data.metadata.colour).toBeUndefined();
    expect(info.headers.warning).toBe('299 - "unknown field \\"metadata.colour\\""');
    const strict = await apiError(
      k.custom.createNamespacedCustomObject({
        ...runs('ci'),
        body: pipelineRun({ name: 'st2', colour: 'red' }),
        fieldValidation: 'Strict',
      }),
    );
    expect(strict.code).toBe(400);
    expect(statusOf(strict).message).toBe('strict decoding error: unknown field "metadata.colour"');
  });

  it('validates without storing on dryRun=All', async () => {
    const dry = await k.custom.createNamespacedCustomObject({
      ...runs('ci'),
      body: pipelineRun({ name: 'dry' }),
      dryRun: 'All',
    });
    expect(dry.metadata.name).toBe('dry');
    expect(dry.metadata.resourceVersion).toBeUndefined();
    expect(k.fake.objects({ name: 'dry' })).toEqual([]);
    expect(k.fake.createCount({ name: 'dry' })).toBe(0);
  });

  it('creates namespaces and configmaps through CoreV1Api, with their own rules', async () => {
    const ns = await k.core.createNamespace({ body: { metadata: { name: 'made-here' } } });
    expect(ns.status?.phase).toBe('Active');
    expect(ns.metadata?.labels).toEqual({ 'kubernetes.io/metadata.name': 'made-here' });
    const cm = await k.core.createNamespacedConfigMap({
      namespace: 'made-here',
      body: { metadata: { name: 'settings' }, data: { 'a.key': 'v' } },
    });
    expect(cm.metadata?.generation).toBeUndefined();
    expect(cm.data).toEqual({ 'a.key': 'v' });
    const badNs = await apiError(k.core.createNamespace({ body: { metadata: { name: 'has.dot' } } }));
    expect(badNs.code).toBe(422);
    expect(statusOf(badNs).message).toMatch(
      /^Namespace "has.dot" is invalid: metadata.name: Invalid value: "has.dot": a lowercase RFC 1123 label must/,
    );
    const badKey = await apiError(
      k.core.createNamespacedConfigMap({
        namespace: 'made-here',
        body: { metadata: { name: 'x' }, data: { 'a/b': 'v' } },
      }),
    );
    expect(badKey.code).toBe(422);
    expect(statusOf(badKey).details?.causes?.[0]?.field).toBe('data[a/b]');
    expect(
      statusOf(badKey).message.startsWith('ConfigMap "x" is invalid: data[a/b]: Invalid value: "a/b"'),
    ).toBe(true);
  });

  it('checks the bearer token: 401 Unauthorized Status otherwise', async () => {
    const res = await fetch(`${k.fake.url}/apis/tekton.dev/v1/namespaces/ci/pipelineruns`, {
      headers: { authorization: 'Bearer wrong' },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
    const err = await apiError(
      k.custom.listNamespacedCustomObject(runs('ci'), setHeaderOptions('Authorization', 'Bearer wrong')),
    );
    expect(err.code).toBe(401);
    // client-node's generated code drops the body of a 401.
    expect(err.body).toBeUndefined();
  });
});
