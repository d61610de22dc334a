import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/**
 * The NODE_OPTIONS `service` runs with in the benches: as deployed — its Compose service's own
 * (the run-scheduler sets larger semi-spaces) or else the image's (the Dockerfile's
 * `NODE_OPTIONS="…"`). `BENCH_NODE_OPTIONS` overrides it for every service, for experiments; set
 * it empty for V8's defaults (`signalbox start` outside the image).
 */
export function serviceNodeOptions(service: string): string {
  if (process.env.BENCH_NODE_OPTIONS !== undefined) return process.env.BENCH_NODE_OPTIONS;
  const compose = parse(readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8'), {
    merge: true,
  }) as { services: Record<string, { environment?: Record<string, string> }> };
  const own = compose.services[service]?.environment?.NODE_OPTIONS;
  if (own !== undefined) return own;
  const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');
  const options = /NODE_OPTIONS="([^"]*)"/.exec(dockerfile)?.[1];
  if (options === undefined) throw new Error('the Dockerfile sets no NODE_OPTIONS="…"');
  return options;
}
