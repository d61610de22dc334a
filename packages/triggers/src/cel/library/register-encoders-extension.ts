import type { Environment } from '@marcbachmann/cel-js';
import { celToJson } from '../cel-to-json.ts';
import { goJson } from '../go-json.ts';
import { fail } from './cel-values.ts';

/** Go's base64 StdEncoding, then RawStdEncoding (cel-go accepts padded or unpadded input). */
function base64Decode(text: string): Uint8Array {
  const s = text.replace(/[\r\n]/g, '');
  const data = s.replace(/={1,2}$/, '');
  const padded = data.length !== s.length;
  const valid =
    /^[A-Za-z0-9+/]*$/.test(data) &&
    data.length % 4 !== 1 &&
    (!padded || (s.length % 4 === 0 && data.length % 4 !== 0));
  if (!valid) return fail('base64.decode: illegal base64 data');
  return new Uint8Array(Buffer.from(data, 'base64'));
}

/** The `json.` namespace (`json.encode`). */
class JsonNamespace {}

/** The `base64.` namespace: cel-js resolves `base64.fn(…)` as a method on a constant of this type. */
class Base64Namespace {}

/**
 * cel-go's encoders extension: `base64.decode` (padded or not), `base64.encode`, `json.encode`.
 */
export function registerEncodersExtension(env: Environment): void {
  env
    .registerType('Base64Namespace', Base64Namespace)
    .registerConstant('base64', 'Base64Namespace', new Base64Namespace());
  env
    .registerType('JsonNamespace', JsonNamespace)
    .registerConstant('json', 'JsonNamespace', new JsonNamespace());
  env
    .registerFunction('Base64Namespace.decode(string): bytes', (_ns: unknown, s: string) => base64Decode(s))
    .registerFunction('Base64Namespace.encode(bytes): string', (_ns: unknown, b: Uint8Array) =>
      Buffer.from(b).toString('base64'),
    )
    .registerFunction('JsonNamespace.encode(dyn): string', (_ns: unknown, v: unknown) =>
      goJson(celToJson(v)),
    );
}
