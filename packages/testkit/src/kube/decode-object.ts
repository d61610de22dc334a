import { KubeApiError } from './kube-api-error.ts';
import type { ResourceType } from './resource-type.ts';

type Obj = Record<string, unknown>;

const objectMetaFields = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

/** Top-level fields of the built-in types; custom resources keep unknown fields at the root. */
const builtinFields: Record<string, ReadonlySet<string>> = {
  configmaps: new Set(['apiVersion', 'kind', 'metadata', 'data', 'binaryData', 'immutable']),
  namespaces: new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']),
};

const goType = (v: unknown) =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v;

const apiVersionOf = (t: ResourceType) => (t.group ? `${t.group}/${t.version}` : t.version);

function stringMap(value: unknown, where: string): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw KubeApiError.badRequest(
      `json: cannot unmarshal ${goType(value)} into Go struct field ${where} of type map[string]string`,
    );
  }
  for (const v of Object.values(value)) {
    if (typeof v !== 'string') {
      throw KubeApiError.badRequest(
        `json: cannot unmarshal ${goType(v)} into Go struct field ${where} of type string`,
      );
    }
  }
}

/**
 * Decodes a create/update body the way the apiserver does before admission: JSON syntax, the
 * apiVersion/kind of the route, metadata types, and unknown fields, which `fieldValidation`
 * decides on — `Strict` is a 400, `Ignore` drops them, the default `Warn` drops them with a
 * `Warning` header. Returns the object and the warnings.
 */
export function decodeObject(
  t: ResourceType,
  raw: string,
  fieldValidation: string | null,
): { object: Obj; warnings: string[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw KubeApiError.badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw KubeApiError.badRequest(
      `couldn't get version/kind; json parse error: json: cannot unmarshal ${goType(parsed)} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`,
    );
  }
  const object = { ...(parsed as Obj) };
  if (t.custom && !object.kind) throw KubeApiError.badRequest(`Object 'Kind' is missing in '${raw}'`);
  if (object.apiVersion !== undefined && object.apiVersion !== apiVersionOf(t)) {
    throw KubeApiError.badRequest(
      `the API version in the data (${String(object.apiVersion)}) does not match the expected API version (${apiVersionOf(t)})`,
    );
  }
  if (object.kind !== undefined && object.kind !== t.kind) {
    throw KubeApiError.badRequest(
      `the kind in the data (${String(object.kind)}) does not match the expected kind (${t.kind})`,
    );
  }
  const meta = object.metadata ?? {};
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    throw KubeApiError.badRequest(
      `json: cannot unmarshal ${goType(meta)} into Go struct field ${t.kind}.metadata of type v1.ObjectMeta`,
    );
  }
  const metadata = { ...(meta as Obj) };
  stringMap(metadata.labels, 'ObjectMeta.metadata.labels');
  stringMap(metadata.annotations, 'ObjectMeta.metadata.annotations');
  for (const key of ['name', 'generateName', 'namespace', 'resourceVersion'] as const) {
    if (metadata[key] !== undefined && typeof metadata[key] !== 'string') {
      throw KubeApiError.badRequest(
        `json: cannot unmarshal ${goType(metadata[key])} into Go struct field ObjectMeta.metadata.${key} of type string`,
      );
    }
  }
  if (
    metadata.finalizers !== undefined &&
    !(Array.isArray(metadata.finalizers) && metadata.finalizers.every((f) => typeof f === 'string'))
  ) {
    throw KubeApiError.badRequest(
      'json: cannot unmarshal into Go struct field ObjectMeta.metadata.finalizers of type []string',
    );
  }
  if (t.plural === 'configmaps') {
    stringMap(object.data, 'ConfigMap.data');
  }

  const unknown: string[] = [];
  for (const key of Object.keys(metadata)) {
    if (!objectMetaFields.has(key)) {
      unknown.push(`metadata.${key}`);
      delete metadata[key];
    }
  }
  const known = builtinFields[t.plural];
  if (!t.custom && known) {
    for (const key of Object.keys(object)) {
      if (!known.has(key)) {
        unknown.push(key);
        delete object[key];
      }
    }
  }
  delete metadata.selfLink;
  delete metadata.managedFields;
  object.apiVersion = apiVersionOf(t);
  object.kind = t.kind;
  object.metadata = metadata;
  const messages = unknown.map((f) => `unknown field "${f}"`);
  if (fieldValidation === 'Strict' && messages.length) {
    throw KubeApiError.badRequest(`strict decoding error: ${messages.join(', ')}`);
  }
  return { object, warnings: fieldValidation === 'Ignore' ? [] : messages };
}
