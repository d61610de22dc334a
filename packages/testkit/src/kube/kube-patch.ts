import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeObject } from './decode-object.ts';
import { applyJsonPatch, type JsonPatchOperation } from './json-patch.ts';
import type { KubeApiContext, Obj, Route } from './kube-api-context.ts';
import { KubeApiError } from './kube-api-error.ts';
import { createObject } from './kube-create.ts';
import { updateObject } from './kube-update.ts';
import { applyMergePatch } from './merge-patch.ts';

const jsonPatchType = 'application/json-patch+json';
const mergePatchType = 'application/merge-patch+json';
const strategicPatchType = 'application/strategic-merge-patch+json';
const applyPatchType = 'application/apply-patch+yaml';

/**
 * `patch`: JSON patch, merge patch, strategic merge (built-in types only: 415 on custom
 * resources) and server-side apply (which creates an absent object), then the update's tail.
 */
export function patchObject(
  ctx: KubeApiContext,
  route: Route & { name: string },
  req: IncomingMessage,
  raw: string,
  query: URLSearchParams,
  res: ServerResponse,
): number {
  const { store, metaOf } = ctx;
  const t = route.type;
  const contentType =
    String(req.headers['content-type'] ?? '')
      .split(';')[0]
      ?.trim() ?? '';
  const accepted = t.custom
    ? [jsonPatchType, mergePatchType, applyPatchType]
    : [jsonPatchType, mergePatchType, strategicPatchType, applyPatchType];
  if (!accepted.includes(contentType)) throw KubeApiError.unsupportedMediaType(contentType, accepted);
  const existing = store.get(t, route.namespace, route.name);
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (err) {
    if (contentType === applyPatchType) {
      throw KubeApiError.badRequest('the fake accepts apply bodies in JSON (a subset of YAML) only');
    }
    throw KubeApiError.badRequest(
      contentType === jsonPatchType ? (err as Error).message : 'Invalid JSON Patch',
    );
  }
  if (contentType === applyPatchType) {
    if (!query.get('fieldManager'))
      throw KubeApiError.badRequest('PATCH requests with application/apply-patch+yaml require fieldManager');
    if (!existing) {
      if (route.subresource) throw KubeApiError.notFound(t, route.name);
      const meta = metaOf(body as Obj);
      if (meta.name !== undefined && meta.name !== route.name) {
        throw KubeApiError.badRequest(
          `the name of the object (${String(meta.name)}) does not match the name on the URL (${route.name})`,
        );
      }
      return createObject(
        ctx,
        t,
        route.namespace,
        JSON.stringify({ ...(body as Obj), metadata: { ...meta, name: route.name } }),
        query,
        res,
      );
    }
  }
  if (!existing) throw KubeApiError.notFound(t, route.name);
  let patched: unknown;
  if (contentType === jsonPatchType) {
    if (!Array.isArray(body)) {
      throw KubeApiError.badRequest(
        `json: cannot unmarshal ${typeof body === 'object' ? 'object' : typeof body} into Go value of type jsonpatch.Patch`,
      );
    }
    try {
      patched = applyJsonPatch(existing, body as JsonPatchOperation[]);
    } catch (err) {
      throw KubeApiError.unprocessable((err as Error).message);
    }
  } else {
    patched = applyMergePatch(existing, body);
  }
  if (patched === null || typeof patched !== 'object' || Array.isArray(patched)) {
    throw KubeApiError.badRequest('the patch did not produce an object');
  }
  const { object, warnings } = decodeObject(t, JSON.stringify(patched), query.get('fieldValidation'));
  return updateObject(ctx, t, existing, object, route.subresource, query, res, warnings);
}
