import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

  it('ignores an event that changed nothing (touch, ConfigMap resync)', async () => {
    const { dir } = configDir({ 'el.yaml': listener('same') });
    const seen: string[] = [];
    const stop = watchConfig(
      dir,
      { onChange: () => seen.push('change'), onInvalid: () => seen.push('invalid') },
      { debounceMs: 20 },
    );
    try {
      utimesSync(join(dir, 'el.yaml'), new Date(), new Date());
      writeFileSync(join(dir, 'el.yaml'), listener('same'));
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).toEqual([]);
      writeFileSync(join(dir, 'el.yaml'), listener('other'));
      await until(() => seen.length === 1);
      expect(seen).toEqual(['change']);
    } finally {
      stop();
    }
  });

  it('polls a directory it cannot watch (here: one that does not exist yet) and loads it once it appears', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sb-watch-')), 'later');
    const loaded: LoadedConfig[] = [];
    const stop = watchConfig(
      dir,
      { onChange: (c) => loaded.push(c), onInvalid: () => undefined },
      { debounceMs: 20, pollMs: 50 },
    );
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'el.yaml'), listener('appeared'));
      await until(() => loaded.length === 1);
      expect([...(loaded[0]?.listeners.keys() ?? [])]).toEqual(['appeared']);
    } finally {
      stop();
    }
  });
});
