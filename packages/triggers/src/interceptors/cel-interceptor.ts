import { celToJson } from '../cel/cel-to-json.ts';
import type { CelProgram } from '../cel/compile-cel.ts';
import type { Interceptor } from './interceptor.ts';
import { setPath } from './set-path.ts';

/**
 * Tekton's `cel` interceptor. The filter must evaluate to exactly `true`; false, a non-bool or an
 * error stops the chain (the message says which). Overlays run after, each against the original
 * request, and are written with sjson paths into the extensions this interceptor returns.
 * Programs were compiled at load.
 */
export function celInterceptor(options: {
  label: string;
  filter?: CelProgram;
  overlays: readonly { key: string; program: CelProgram }[];
}): Interceptor {
  // Built once: most triggers of a listener stop here on most deliveries.
  const notTrue = `filter ${JSON.stringify(options.filter?.source ?? '')} did not return true`;
  return {
    label: options.label,
    authenticates: false,
    ...(options.filter ? { filter: options.filter.source } : {}),
    run(request, deps) {
      const activation = {
        body: request.body,
        header: request.header as Record<string, string[]>,
        extensions: request.extensions as Record<string, unknown>,
        requestURL: request.requestURL,
      };
      const ctx = { secrets: deps.secrets };
      if (options.filter) {
        let value: unknown;
        try {
          value = options.filter.evaluate(activation, ctx);
        } catch (err) {
          return { continue: false, reason: `filter error: ${(err as Error).message}` };
        }
        if (value !== true) return { continue: false, reason: notTrue };
      }
      const extensions: Record<string, unknown> = {};
      for (const overlay of options.overlays) {
        try {
          setPath(extensions, overlay.key, celToJson(overlay.program.evaluate(activation, ctx)));
        } catch (err) {
          return { continue: false, reason: `overlay ${overlay.key}: ${(err as Error).message}` };
        }
      }
      return { continue: true, extensions };
    },
  };
}
