import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LoadedConfig } from '../../src/config/config-model.ts';
import { watchConfig } from '../../src/engine/watch-config.ts';
import type { ConfigIssue } from '../../src/types.ts';
import { configDir } from './helpers.ts';

const listener = (name: string) => `apiVersion: triggers.tekton.dev/v1beta1
kind: EventListener
metadata:
  name: ${name}
  annotations: {signalbox.dev/allow-unauthenticated: "true"}
spec:
  triggers:
    - name: t
      template:
        spec:
          resourcetemplates:
            - {apiVersion: v1, kind: ConfigMap, metadata: {generateName: x-}}
`;

async function until(predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('no reload seen');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('watchConfig', () => {
  it('reloads a valid change, and reports an invalid one without replacing the last good config', async () => {
    const { dir } = configDir({ 'el.yaml': listener('first') });
    const loaded: LoadedConfig[] = [];
    const rejected: (readonly ConfigIssue[])[] = [];
    const stop = watchConfig(
      dir,
      { onChange: (c) => loaded.push(c), onInvalid: (i) => rejected.push(i) },
      { debounceMs: 50 },
    );
    try {
      writeFileSync(join(dir, 'el.yaml'), listener('second'));
      await until(() => loaded.length === 1);
      expect([...(loaded[0]?.listeners.keys() ?? [])]).toEqual(['second']);

      writeFileSync(join(dir, 'el.yaml'), `${listener('third')}      bogus: true\n`);
      await until(() => rejected.length === 1);
      expect(loaded).toHaveLength(1);
      expect(rejected[0]?.[0]).toMatchObject({
        file: expect.stringMatching(/el\.yaml$/),
        documentName: 'third',
      });
    } finally {
      stop();
    }
  });
});
