import { join } from 'node:path';
import { expect, it } from 'vitest';
import { listLongFunctions, maxFunctionLines } from './long-functions.ts';

it(`every source function over ${maxFunctionLines} lines is split or says why not (// long-function: reason)`, () => {
  const found = listLongFunctions(join(import.meta.dirname, '..'));
  expect(found.length).toBeGreaterThan(0);
  const unexplained = found
    .filter((f) => !f.reason)
    .map((f) => `${f.file}:${f.line} ${f.name} (${f.lines} lines)`);
  expect(unexplained).toEqual([]);
}, 60_000);
