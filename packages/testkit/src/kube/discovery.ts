import type { ResourceType } from './resource-type.ts';

const verbs = (t: ResourceType) =>
  t.plural === 'namespaces'
    ? ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']
    : ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function resourceList(groupVersion: string, types: readonly ResourceType[]) {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion,
    // A subresource shares its parent's kind and comes after it, so clients that pick the first
    // entry of a kind (KubernetesObjectApi) get the resource itself.
    resources: types.flatMap((t) => [
      {
        name: t.plural,
        singularName: t.kind.toLowerCase(),
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: verbs(t),
        ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
        ...(t.categories.length ? { categories: t.categories } : {}),
      },
      ...(t.statusSubresource
        ? [
            {
              name: `${t.plural}/status`,
              singularName: '',
              namespaced: t.namespaced,
              kind: t.kind,
              verbs: ['get', 'patch', 'update'],
            },
          ]
        : []),
    ]),
  };
}

/**
 * The discovery documents (`/api`, `/api/v1`, `/apis`, `/apis/<group>`, `/apis/<group>/<version>`)
 * for the served resource types, or undefined for a path that is not one of them.
 */
export function discoveryDocument(
  path: string,
  types: readonly ResourceType[],
  serverAddress: string,
): unknown {
  const groups = [...new Set(types.filter((t) => t.group).map((t) => t.group))];
  const groupDoc = (name: string) => {
    const versions = [...new Set(types.filter((t) => t.group === name).map((t) => t.version))].map(
      (version) => ({
        groupVersion: `${name}/${version}`,
        version,
      }),
    );
    return { name, versions, preferredVersion: versions[0] };
  };
  if (path === '/api') {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    };
  }
  if (path === '/api/v1') {
    return resourceList(
      'v1',
      types.filter((t) => t.group === ''),
    );
  }
  if (path === '/apis') return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(groupDoc) };
  const m = /^\/apis\/([^/]+)(?:\/([^/]+))?$/.exec(path);
  if (!m || !groups.includes(m[1] as string)) return undefined;
  const group = m[1] as string;
  if (m[2] === undefined) return { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(group) };
  const inVersion = types.filter((t) => t.group === group && t.version === m[2]);
  return inVersion.length ? resourceList(`${group}/${m[2]}`, inVersion) : undefined;
}
