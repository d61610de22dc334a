import type { Environment } from '@marcbachmann/cel-js';

/**
 * Standard conversions cel-js lacks: `string(timestamp)` and `string(duration)` as cel-go
 * renders them.
 */
export function registerConversions(env: Environment): void {
  env
    .registerFunction('string(google.protobuf.Timestamp): string', (t: Date) =>
      t.toISOString().replace(/\.(\d*?)0*Z$/, (_m, d: string) => (d ? `.${d}Z` : 'Z')),
    )
    .registerFunction('string(google.protobuf.Duration): string', (d: { toString(): string }) =>
      d.toString(),
    );
}
