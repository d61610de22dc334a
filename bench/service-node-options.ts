import { readFileSync } from 'node:fs';

/**
 * The NODE_OPTIONS the services run with in the benches: the image's (the Dockerfile's
 * `NODE_OPTIONS="…"`), so the figures are those of Signalbox as deployed. `BENCH_NODE_OPTIONS`
 * overrides it for experiments; set it empty for V8's defaults (`signalbox start` outside the
 * image).
 */
export function serviceNodeOptions(): string {
  if (process.env.BENCH_NODE_OPTIONS !== undefined) return process.env.BENCH_NODE_OPTIONS;
  const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');
  const options = /NODE_OPTIONS="([^"]*)"/.exec(dockerfile)?.[1];
  if (options === undefined) throw new Error('the Dockerfile sets no NODE_OPTIONS="…"');
  return options;
}
