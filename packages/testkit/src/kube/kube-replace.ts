import type { ServerResponse } from 'node:http';
import { decodeObject } from './decode-object.ts';
import type { KubeApiContext, Route } from './kube-api-context.ts';
import { KubeApiError } from './kube-api-error.ts';
import { updateObject } from './kube-update.ts';

/** `update` (PUT): the whole object, whose resourceVersion a custom resource must name. */
export function replaceObject(
  ctx: KubeApiContext,
  route: Route & { name: string },
  raw: string,
  query: URLSearchParams,
  res: ServerResponse,
): number {
  const t = route.type;
  const existing = ctx.store.get(t, route.namespace, route.name);
  if (!existing) throw KubeApiError.notFound(t, route.name);
  const { object, warnings } = decodeObject(t, raw, query.get('fieldValidation'));
  const rv = ctx.metaOf(object).resourceVersion;
  if (t.custom && !rv) {
    throw KubeApiError.invalid(t, route.name, [
      {
        type: 'FieldValueInvalid',
        field: 'metadata.resourceVersion',
        value: { goSyntax: '0x0' },
        detail: 'must be specified for an update',
      },
    ]);
  }
  return updateObject(ctx, t, existing, object, route.subresource, query, res, warnings);
}
