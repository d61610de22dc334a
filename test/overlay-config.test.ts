import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const yamlFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();

/**
 * Kustomize generates the config ConfigMap only from files inside an overlay, so each overlay
 * keeps a copy of examples/config; this keeps the copies from drifting from the config that the
 * demo and the e2e suites exercise.
 */
describe('k8s overlays ship the example config unchanged', () => {
  for (const overlay of ['dev', 'prod']) {
    it(`k8s/overlays/${overlay}/config equals examples/config`, () => {
      const copy = join(root, 'k8s/overlays', overlay, 'config');
      const source = join(root, 'examples/config');
      expect(yamlFiles(copy)).toEqual(yamlFiles(source));
      for (const file of yamlFiles(source)) {
        expect(readFileSync(join(copy, file), 'utf8'), file).toBe(readFileSync(join(source, file), 'utf8'));
      }
    });
  }
});
