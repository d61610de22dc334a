import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { createTriggerEngine } from '../../src/engine/create-trigger-engine.ts';
import { fileSecretStore } from '../../src/secrets/file-secret-store.ts';
import { boundParamValue } from '../../src/templates/bound-param-value.ts';
import { configDir, sign } from './helpers.ts';

const config = `apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata: {name: hooks}
spec:
  triggers:
    - name: build
      interceptors:
        - ref: {name: github}
          params: [{name: secretRef, value: {secretName: gh, secretKey: token}}]
      bindings:
        - {name: ref, value: $(body.ref)}
        - {name: message, value: $(body.message)}
      template:
        spec:
          params: [{name: ref}, {name: message}]
          resourcetemplates:
            - apiVersion: tekton.dev/v1
              kind: PipelineRun
              metadata: {generateName: build-}
              spec:
                pipelineRef: {name: ci}
                params:
                  - {name: ref, value: $(tt.params.ref)}
                  - {name: message, value: $(tt.params.message)}
                  - {name: again, value: $(tt.params.message)}
`;

function engineWith(limits?: { maxParamBytes?: number; maxObjectBytes?: number }) {
  const { dir, secretsDir } = configDir({ 'el.yaml': config }, { 'gh/token': 's' });
  const loaded = loadConfig(dir);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  return createTriggerEngine(loaded.config, {
    secrets: fileSecretStore(secretsDir),
    ...(limits ? { limits } : {}),
  });
}

async function evaluate(engine: ReturnType<typeof engineWith>, body: Record<string, unknown>) {
  const rawBody = Buffer.from(JSON.stringify(body));
  const result = await engine.evaluate(
    'hooks',
    { method: 'POST', url: '/hooks/hooks', headers: { 'x-hub-signature-256': sign('s', rawBody) }, rawBody },
    { eventID: 'e', body },
  );
  if (!result) throw new Error('no listener');
  return result.triggers[0];
}

describe('bounded param values', () => {
  it('a 1 MB branch name is cut to 64 KiB with a marker, the object stays valid, and the verdict says so', async () => {
    const verdict = await evaluate(engineWith(), {
      ref: `refs/heads/${'b'.repeat(1024 * 1024)}`,
      message: 'ok',
    });
    expect(verdict?.fired).toBe(true);
    expect(verdict?.warnings).toEqual([
      expect.stringMatching(/^param ref: \d+ bytes cut \(values are limited to 65536 bytes\)$/),
    ]);
    const object = verdict?.resources?.[0]?.object as { spec: { params: { name: string; value: string }[] } };
    const ref = object.spec.params[0]?.value ?? '';
    expect(Buffer.byteLength(ref)).toBeLessThanOrEqual(64 * 1024);
    expect(ref).toMatch(/^refs\/heads\/b+\.\.\.\[signalbox: \d+ bytes cut\]$/);
    expect(Buffer.byteLength(JSON.stringify(object))).toBeLessThan(200 * 1024);
  });

  it('never cuts inside an escape or a surrogate pair', () => {
    const escaped = JSON.stringify('"é😀\n'.repeat(50)).slice(1, -1);
    for (let max = 40; max < 120; max++) {
      const cut = boundParamValue(escaped, max);
      if (!cut) continue;
      expect(Buffer.byteLength(cut.value)).toBeLessThanOrEqual(max);
      expect(() => JSON.parse(`"${cut.value}"`)).not.toThrow();
      expect(JSON.parse(`"${cut.value}"`)).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    }
    expect(boundParamValue('short', 64)).toBeUndefined();
  });

  it('a rendered object over the object limit is refused with a verdict naming the limit, not created', async () => {
    const verdict = await evaluate(engineWith({ maxParamBytes: 600 * 1024, maxObjectBytes: 1024 * 1024 }), {
      ref: 'refs/heads/main',
      message: 'm'.repeat(600 * 1024),
    });
    expect(verdict).toMatchObject({ fired: false, stage: 'template' });
    expect(verdict?.reason).toMatch(
      /resource 0 renders to \d+ bytes, over the limit of 1048576; nothing was created/,
    );
    expect(verdict?.resources).toBeUndefined();
  });
});
