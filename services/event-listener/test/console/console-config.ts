import type { FastifyInstance } from 'fastify';
import { signedPushHeaders, testConfig } from '../build-test-listener.ts';

/** The filter the console must explain clause by clause (the CI trigger of DESIGN.md). */
export const developFilter =
  "body.ref == 'refs/heads/develop' && !body.head_commit.message.startsWith('[Update manifest]')";

/**
 * The test listeners plus `ci`: `build` with a CEL filter on the body, `branch-overlay` whose filter
 * reads an extension an earlier overlay set, and `always`, which fires on every push (the github
 * interceptor written once, as a YAML anchor).
 */
export const consoleConfig = `${testConfig}---
apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: ci, namespace: ci}
spec:
  triggers:
    - name: build
      interceptors:
        - &github
          ref: {name: github}
          params: [{name: secretRef, value: {secretName: github, secretKey: token}}]
        - ref: {name: cel}
          params:
            - name: filter
              value: "${developFilter}"
      template:
        spec:
          resourcetemplates:
            - apiVersion: tekton.dev/v1
              kind: PipelineRun
              metadata: {generateName: build-}
              spec: {pipelineRef: {name: build}}
    - name: branch-overlay
      interceptors:
        - *github
        - ref: {name: cel}
          params:
            - name: overlays
              value: [{key: branch, expression: "body.ref"}]
        - ref: {name: cel}
          params:
            - name: filter
              value: "extensions.branch == 'refs/heads/release'"
      template:
        spec:
          resourcetemplates:
            - apiVersion: signalbox.dev/v1alpha1
              kind: Notification
              spec: {kind: run.queued, data: {}}
    - name: always
      interceptors:
        - *github
      template:
        spec:
          resourcetemplates:
            - apiVersion: tekton.dev/v1
              kind: PipelineRun
              metadata: {generateName: always-}
              spec: {pipelineRef: {name: always}}
`;

/**
 * A signed GitHub push to the `ci` listener, as `fetch`/`inject` options; without a message it has
 * no `head_commit` (as a push that deletes a branch), which makes the `build` filter raise an error.
 */
export function signedPush(options: { sha: string; message?: string; repo?: string; ref?: string }) {
  const body = JSON.stringify({
    ref: options.ref ?? 'refs/heads/main',
    after: options.sha,
    repository: { full_name: options.repo ?? 'org/app' },
    ...(options.message === undefined ? {} : { head_commit: { id: options.sha, message: options.message } }),
    commits: [],
  });
  return {
    body,
    headers: signedPushHeaders(body),
  };
}

/** Sends `signedPush(options)` to the webhook app; the event id it was accepted under. */
export async function injectPush(
  app: FastifyInstance,
  options: Parameters<typeof signedPush>[0],
): Promise<string> {
  const { body, headers } = signedPush(options);
  const res = await app.inject({ method: 'POST', url: '/hooks/ci', headers, payload: body });
  if (res.statusCode !== 202) throw new Error(`push answered ${res.statusCode}: ${res.body}`);
  return (res.json() as { eventID: string }).eventID;
}
