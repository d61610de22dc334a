import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
} from '@kubernetes/client-node';
import { expect } from 'vitest';
import { type KubeFake, type KubeFakeOptions, startKubeFake } from '../../src/kube/start-kube-fake.ts';

/** A fake plus the real client-node APIs loaded from its kubeconfig file. */
export interface FakeWithClients {
  readonly fake: KubeFake;
  readonly kc: KubeConfig;
  readonly custom: CustomObjectsApi;
  readonly core: CoreV1Api;
  readonly objects: KubernetesObjectApi;
}

export async function startWithClients(options: KubeFakeOptions = {}): Promise<FakeWithClients> {
  const fake = await startKubeFake(options);
  const kc = new KubeConfig();
  kc.loadFromFile(fake.kubeconfigPath);
  return {
    fake,
    kc,
    custom: kc.makeApiClient(CustomObjectsApi),
    core: kc.makeApiClient(CoreV1Api),
    objects: KubernetesObjectApi.makeApiClient(kc),
  };
}

/** The ApiException a call rejects with (fails the test when it resolves or throws anything else). */
export async function apiError(p: Promise<unknown>): Promise<ApiException<string>> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiException);
    return err as ApiException<string>;
  }
  throw new Error('expected an ApiException');
}

/** The Status in an ApiException: client-node leaves `body` as the raw response text. */
export function statusOf(err: ApiException<string>): {
  kind: string;
  status: string;
  message: string;
  reason?: string;
  code: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: { reason: string; message: string; field: string }[];
    retryAfterSeconds?: number;
  };
} {
  expect(typeof err.body).toBe('string');
  return JSON.parse(err.body);
}

export const runs = (namespace: string) =>
  ({ group: 'tekton.dev', version: 'v1', namespace, plural: 'pipelineruns' }) as const;

export function pipelineRun(metadata: Record<string, unknown>, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'tekton.dev/v1',
    kind: 'PipelineRun',
    metadata,
    spec: { pipelineRef: { name: 'build-and-push' }, ...spec },
  };
}

/** Polls until `check` is true (or fails after `ms`). */
export async function until(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A raw authenticated GET against the fake, for what no client method exposes (discovery). */
export async function rawGet(fake: KubeFake, path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${fake.url}${path}`, { headers: { authorization: `Bearer ${fake.token}` } });
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text };
}
