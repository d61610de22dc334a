import type { KubeObject } from './kustomize.ts';

/** A `metav1.LabelSelector`. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: {
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }[];
}

/** What a pod template carries, as the pods it creates will. */
export interface PodTemplate {
  workload: string;
  namespace: string | undefined;
  labels: Record<string, string>;
  spec: PodSpec;
}

export interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; optional?: boolean } };
  }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

interface Probe {
  httpGet?: { path: string; port: number | string };
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: string };
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: SecurityContext;
  volumes?: Volume[];
  automountServiceAccountToken?: boolean;
  serviceAccountName?: string;
  topologySpreadConstraints?: unknown[];
}

export interface Volume {
  name: string;
  emptyDir?: object;
  configMap?: { name: string; optional?: boolean };
  secret?: { secretName: string; optional?: boolean };
  projected?: {
    sources: {
      secret?: { name: string; optional?: boolean; items?: { key: string; path: string }[] };
      configMap?: { name: string; optional?: boolean };
    }[];
  };
}

const workloadKinds = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

/** The pod templates of every workload among `objects` (CronJobs' job templates included). */
export function podTemplates(objects: KubeObject[]): PodTemplate[] {
  const found: PodTemplate[] = [];
  for (const o of objects) {
    const spec = o.spec as
      | {
          template?: { metadata?: { labels?: Record<string, string> }; spec: PodSpec };
          jobTemplate?: {
            spec: { template: { metadata?: { labels?: Record<string, string> }; spec: PodSpec } };
          };
        }
      | undefined;
    const template = workloadKinds.has(o.kind)
      ? spec?.template
      : o.kind === 'CronJob'
        ? spec?.jobTemplate?.spec.template
        : undefined;
    if (!template) continue;
    found.push({
      workload: `${o.kind}/${o.metadata.name}`,
      namespace: o.metadata.namespace,
      labels: template.metadata?.labels ?? {},
      spec: template.spec,
    });
  }
  return found;
}

/** Kubernetes' label selector semantics; an empty selector matches everything. */
export function selects(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {}))
    if (labels[key] !== value) return false;
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, key);
    const ok =
      operator === 'In'
        ? has && values.includes(labels[key]!)
        : operator === 'NotIn'
          ? !has || !values.includes(labels[key]!)
          : operator === 'Exists'
            ? has
            : !has;
    if (!ok) return false;
  }
  return true;
}

interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: unknown;
}

interface NetworkPolicySpec {
  podSelector: LabelSelector;
  ingress?: { from?: PolicyPeer[] }[];
  egress?: { to?: PolicyPeer[] }[];
}

/**
 * Every NetworkPolicy, and every same-namespace pod peer it names, that selects the pod template
 * of no workload in its namespace: such a policy protects (or admits) nothing. A peer with a
 * namespaceSelector points at other namespaces, which a render cannot see, and is not judged.
 */
export function networkPolicyProblems(objects: KubeObject[]): string[] {
  const templates = podTemplates(objects);
  const problems: string[] = [];
  for (const policy of objects.filter((o) => o.kind === 'NetworkPolicy')) {
    const ns = policy.metadata.namespace;
    const inNamespace = templates.filter((t) => t.namespace === ns);
    const matchesAny = (selector: LabelSelector) => inNamespace.some((t) => selects(selector, t.labels));
    const spec = policy.spec as NetworkPolicySpec;
    if (!matchesAny(spec.podSelector)) {
      problems.push(
        `NetworkPolicy ${policy.metadata.name}: podSelector ${JSON.stringify(spec.podSelector)} selects no pod template`,
      );
    }
    const peers = [
      ...(spec.ingress ?? []).flatMap((rule) => rule.from ?? []),
      ...(spec.egress ?? []).flatMap((rule) => rule.to ?? []),
    ];
    for (const peer of peers) {
      if (peer.podSelector && !peer.namespaceSelector && !matchesAny(peer.podSelector)) {
        problems.push(
          `NetworkPolicy ${policy.metadata.name}: peer podSelector ${JSON.stringify(peer.podSelector)} selects no pod template`,
        );
      }
    }
  }
  return problems;
}

/** A rule as RBAC evaluates it: every (group, resource, verb) it grants. */
interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/**
 * Grants beyond `allowed` (`group/resource` → verbs) in any Role or ClusterRole, wildcards
 * included; and any ClusterRoleBinding, since every grant is meant per target namespace.
 */
export function rbacProblems(objects: KubeObject[], allowed: Record<string, string[]>): string[] {
  const problems: string[] = [];
  for (const role of objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole')) {
    for (const rule of (role.rules as PolicyRule[] | undefined) ?? []) {
      if (rule.nonResourceURLs) problems.push(`${role.kind} ${role.metadata.name}: grants nonResourceURLs`);
      for (const group of rule.apiGroups ?? [])
        for (const resource of rule.resources ?? [])
          for (const verb of rule.verbs) {
            const verbs = allowed[`${group}/${resource}`] ?? [];
            if (!verbs.includes(verb))
              problems.push(`${role.kind} ${role.metadata.name}: ${verb} ${group}/${resource}`);
          }
    }
  }
  for (const binding of objects.filter((o) => o.kind === 'ClusterRoleBinding')) {
    problems.push(`ClusterRoleBinding ${binding.metadata.name}: a grant in every namespace`);
  }
  return problems;
}

/**
 * Containers that could run as root, gain privileges, write their root filesystem or keep a
 * capability, or run without the runtime's seccomp profile (pod-level settings count for every
 * container, as the kubelet applies them).
 */
export function securityProblems(template: PodTemplate): string[] {
  const pod = template.spec.securityContext ?? {};
  const problems: string[] = [];
  for (const c of [...(template.spec.initContainers ?? []), ...template.spec.containers]) {
    const sc = c.securityContext ?? {};
    const where = `${template.workload} container ${c.name}`;
    if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push(`${where}: runAsNonRoot is not true`);
    if ((sc.runAsUser ?? pod.runAsUser) === 0) problems.push(`${where}: runAsUser 0`);
    if (sc.allowPrivilegeEscalation !== false)
      problems.push(`${where}: allowPrivilegeEscalation is not false`);
    if (sc.privileged === true) problems.push(`${where}: privileged`);
    if (sc.readOnlyRootFilesystem !== true) problems.push(`${where}: readOnlyRootFilesystem is not true`);
    if (!sc.capabilities?.drop?.includes('ALL')) problems.push(`${where}: capabilities do not drop ALL`);
    if ((sc.capabilities?.add ?? []).length > 0) problems.push(`${where}: adds capabilities`);
    if ((sc.seccompProfile ?? pod.seccompProfile)?.type !== 'RuntimeDefault')
      problems.push(`${where}: seccomp profile is not RuntimeDefault`);
    if (!c.resources?.requests?.cpu || !c.resources.requests.memory || !c.resources.limits?.memory)
      problems.push(`${where}: needs cpu and memory requests and a memory limit`);
  }
  return problems;
}
