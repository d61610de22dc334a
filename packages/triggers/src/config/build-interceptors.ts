import type { Interceptor } from '../interceptors/interceptor.ts';
import { buildInterceptor } from './build-interceptor.ts';
import type { DocReport } from './config-index.ts';
import type { ConfigDocument } from './read-documents.ts';
import type { InterceptorSpec } from './schemas.ts';

/** A trigger's or trigger group's `interceptors` (at `field`), leaving out the ones that failed. */
export function buildInterceptors(
  doc: ConfigDocument,
  field: string,
  specs: readonly InterceptorSpec[] | undefined,
  report: DocReport,
): Interceptor[] {
  const out: Interceptor[] = [];
  (specs ?? []).forEach((s, i) => {
    const built = buildInterceptor(s, `${field}[${i}]`, (f, message) => report(doc, f, message));
    if (built) out.push(built);
  });
  return out;
}
