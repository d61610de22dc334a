import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@signalbox/triggers';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { type KubeObject, kustomizeBuild, kustomizeVersion } from './kustomize.ts';
import {
  type Container,
  networkPolicyProblems,
  type PodTemplate,
  podTemplates,
  rbacProblems,
  securityProblems,
} from './manifest-checks.ts';

const root = join(import.meta.dirname, '..');
const overlaysDir = join(root, 'k8s', 'overlays');
const overlays = readdirSync(overlaysDir);

/** What the run-scheduler does (run-status-watcher.ts, kube-backend.ts) and nothing else. */
const allowedRbac = {
  'tekton.dev/pipelineruns': ['create', 'get', 'list', 'watch', 'patch'],
  'tekton.dev/taskruns': ['get', 'list'],
};

const services = ['event-listener', 'run-scheduler', 'notifier', 'manifest-updater'] as const;

/** Which service reads the secrets a config document references. */
const secretReaderByKind: Record<string, (typeof services)[number]> = {
  EventListener: 'event-listener',
  Trigger: 'event-listener',
  ClusterInterceptor: 'event-listener',
  SlackRoute: 'notifier',
  ImageUpdatePolicy: 'manifest-updater',
};

function signalboxTemplate(objects: KubeObject[], service: string): PodTemplate {
  const t = podTemplates(objects).find((p) => p.workload === `Deployment/signalbox-${service}`);
  if (!t) throw new Error(`no Deployment signalbox-${service}`);
  return t;
}

function containerPort(c: Container, port: number | string): number | undefined {
  return typeof port === 'number' ? port : c.ports?.find((p) => p.name === port)?.containerPort;
}

/** Every `{secretName, secretKey}` in a parsed config document, wherever it sits. */
function secretRefs(value: unknown, found: { secretName: string; secretKey: string }[] = []) {
  if (Array.isArray(value)) for (const v of value) secretRefs(v, found);
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.secretName === 'string' && typeof o.secretKey === 'string')
      found.push({ secretName: o.secretName, secretKey: o.secretKey });
    for (const v of Object.values(o)) secretRefs(v, found);
  }
  return found;
}

/** Files mounted from Secrets at SIGNALBOX_SECRETS_DIR, as `<secretName>/<secretKey>` → optional. */
function mountedSecretFiles(t: PodTemplate): Map<string, boolean | undefined> {
  const files = new Map<string, boolean | undefined>();
  const container = t.spec.containers[0]!;
  const mount = container.volumeMounts?.find((m) => m.mountPath === '/etc/signalbox/secrets');
  const volume = t.spec.volumes?.find((v) => v.name === mount?.name);
  for (const source of volume?.projected?.sources ?? []) {
    for (const item of source.secret?.items ?? []) files.set(item.path, source.secret?.optional);
  }
  return files;
}

async function schemaErrors(o: KubeObject): Promise<string | undefined> {
  const mod = (await import(/* @vite-ignore */ `kubernetes-models/${o.apiVersion}`)) as Record<
    string,
    new (
      data: unknown,
    ) => { validate(): void }
  >;
  const Model = mod[o.kind];
  if (!Model) return `${o.apiVersion} ${o.kind}: no schema in kubernetes-models`;
  try {
    new Model(o).validate();
    return undefined;
  } catch (err) {
    return `${o.kind}/${o.metadata.name}: ${(err as Error).message}`;
  }
}

it('renders with a kustomize that knows labels.includeTemplates (5.x)', () => {
  expect(kustomizeVersion()).toMatch(/^v5\./);
});

/** An overlay built on another (prod-sentinel on prod) ships that one's trigger config. */
function configDirOf(dir: string): string {
  if (existsSync(join(dir, 'config'))) return join(dir, 'config');
  const { resources = [] } = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as {
    resources?: string[];
  };
  const base = resources.find((r) => r.startsWith('../') && !r.includes('base'));
  if (!base) throw new Error(`${dir}: no config/ and no overlay it builds on`);
  return configDirOf(join(dir, base));
}

describe.each(overlays)('overlay %s', (overlay) => {
  const dir = join(overlaysDir, overlay);
  const objects = kustomizeBuild(dir);
  const namespace = objects.find((o) => o.kind === 'Namespace')?.metadata.name;
  const templates = podTemplates(objects);

  it('creates its namespace and puts every namespaced Signalbox object in it', () => {
    expect(namespace).toBeDefined();
    const elsewhere = objects.filter(
      (o) =>
        o.metadata.namespace !== undefined && o.metadata.namespace !== namespace && o.kind !== 'RoleBinding',
    );
    expect(elsewhere.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
  });

  it('passes the Kubernetes API schemas (kubernetes-models)', async () => {
    const errors = (await Promise.all(objects.map(schemaErrors))).filter(Boolean);
    expect(errors).toEqual([]);
  });

  it('has every NetworkPolicy and pod peer select at least one workload', () => {
    expect(objects.some((o) => o.kind === 'NetworkPolicy')).toBe(true);
    expect(networkPolicyProblems(objects)).toEqual([]);
  });

  it('has every Service, PDB and HPA point at a workload', () => {
    const problems: string[] = [];
    for (const o of objects) {
      const spec = o.spec as {
        selector?: Record<string, string> | { matchLabels?: Record<string, string> };
        scaleTargetRef?: { kind: string; name: string };
      };
      const selector =
        o.kind === 'Service'
          ? { matchLabels: spec.selector as Record<string, string> }
          : o.kind === 'PodDisruptionBudget'
            ? (spec.selector as { matchLabels?: Record<string, string> })
            : undefined;
      if (selector) {
        const matched = templates.filter((t) =>
          Object.entries(selector.matchLabels ?? {}).every(([k, v]) => t.labels[k] === v),
        );
        if (matched.length === 0) problems.push(`${o.kind}/${o.metadata.name} selects no pod template`);
      }
      if (o.kind === 'HorizontalPodAutoscaler') {
        const ref = spec.scaleTargetRef!;
        if (!templates.some((t) => t.workload === `${ref.kind}/${ref.name}`))
          problems.push(`HPA ${o.metadata.name} scales missing ${ref.kind}/${ref.name}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('grants the run-scheduler only PipelineRuns and TaskRun reads, per target namespace', () => {
    expect(rbacProblems(objects, allowedRbac)).toEqual([]);
    const bindings = objects.filter((o) => o.kind === 'RoleBinding');
    expect(bindings.length).toBeGreaterThan(0);
    for (const b of bindings) {
      expect(b.metadata.namespace, `${b.metadata.name} grants in its own namespace`).not.toBe(namespace);
      expect(b.roleRef).toEqual({
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'signalbox-run-scheduler',
      });
      expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: 'signalbox-run-scheduler', namespace }]);
    }
    // Only the run-scheduler's pods carry an API token.
    const withToken = templates.filter((t) => t.spec.automountServiceAccountToken !== false);
    expect(withToken.map((t) => t.workload)).toEqual(['Deployment/signalbox-run-scheduler']);
  });

  it('runs every container non-root, read-only, without capabilities, under RuntimeDefault seccomp', () => {
    expect(templates.length).toBeGreaterThanOrEqual(services.length);
    expect(templates.flatMap(securityProblems)).toEqual([]);
  });

  it.each(services)('probes %s on the admin port and gives it writable /tmp and state dirs', (service) => {
    const t = signalboxTemplate(objects, service);
    const c = t.spec.containers[0]!;
    expect(c.args).toEqual(['start', service]);
    expect(containerPort(c, c.readinessProbe!.httpGet!.port)).toBe(9090);
    expect(c.readinessProbe!.httpGet!.path).toBe('/readyz');
    expect(containerPort(c, c.livenessProbe!.httpGet!.port)).toBe(9090);
    expect(c.livenessProbe!.httpGet!.path).toBe('/healthz');
    const emptyDirs = new Set((t.spec.volumes ?? []).filter((v) => v.emptyDir).map((v) => v.name));
    const writable = (c.volumeMounts ?? []).filter((m) => emptyDirs.has(m.name)).map((m) => m.mountPath);
    expect(writable).toEqual(expect.arrayContaining(['/tmp', '/var/lib/signalbox']));
    // The manifest-updater's clones and git's HOME must land on a writable volume.
    for (const name of ['SIGNALBOX_WORK_DIR', 'HOME']) {
      const value = c.env?.find((e) => e.name === name)?.value;
      if (value !== undefined) expect(writable.some((dir) => `${value}/`.startsWith(`${dir}/`))).toBe(true);
    }
    expect(t.spec.topologySpreadConstraints).toBeDefined();
  });

  it('exposes only /hooks/ through the Ingress, on the webhook port, with a body limit above 25 MiB', () => {
    const ingresses = objects.filter((o) => o.kind === 'Ingress');
    expect(ingresses).toHaveLength(1);
    const ingress = ingresses[0]!;
    type Path = {
      path: string;
      pathType: string;
      backend: { service: { name: string; port: { name?: string } } };
    };
    const spec = ingress.spec as { rules: { http: { paths: Path[] } }[]; defaultBackend?: unknown };
    expect(spec.defaultBackend).toBeUndefined();
    const paths = spec.rules.flatMap((r) => r.http.paths);
    expect(paths.map((p) => [p.path, p.pathType])).toEqual([['/hooks/', 'Prefix']]);
    const service = objects.find(
      (o) => o.kind === 'Service' && o.metadata.name === paths[0]!.backend.service.name,
    );
    expect(service).toBeDefined();
    const port = (service!.spec as { ports: { name: string; targetPort: string }[] }).ports.find(
      (p) => p.name === paths[0]!.backend.service.port.name,
    );
    const listener = signalboxTemplate(objects, 'event-listener').spec.containers[0]!;
    expect(containerPort(listener, port!.targetPort)).toBe(8080);
    const annotations = (ingress.metadata as { annotations?: Record<string, string> }).annotations ?? {};
    const size = /^(\d+)m$/.exec(annotations['nginx.ingress.kubernetes.io/proxy-body-size'] ?? '');
    expect(Number(size?.[1])).toBeGreaterThan(25);
  });

  it('keeps the admin port off every non-ClusterIP Service and off the webhook Service', () => {
    for (const s of objects.filter((o) => o.kind === 'Service')) {
      const spec = s.spec as { type?: string; ports: { port: number; targetPort: number | string }[] };
      const targets = spec.ports.map((p) => p.targetPort);
      if (targets.includes('admin') || targets.includes(9090)) {
        expect(spec.type ?? 'ClusterIP', `Service ${s.metadata.name}`).toBe('ClusterIP');
        expect(s.metadata.name).toBe('signalbox-admin');
      }
    }
  });

  it('commits no Secret values and references every Secret as required', () => {
    const secrets = objects.filter((o) => o.kind === 'Secret');
    expect(secrets.filter((s) => s.data !== undefined || s.stringData !== undefined)).toEqual([]);
    for (const t of templates) {
      for (const v of t.spec.volumes ?? []) {
        for (const s of v.projected?.sources ?? []) expect(s.secret?.optional ?? false).toBe(false);
        if (v.configMap) expect(v.configMap.optional).toBe(false);
      }
      for (const c of t.spec.containers)
        for (const e of c.env ?? [])
          if (e.valueFrom?.secretKeyRef) expect(e.valueFrom.secretKeyRef.optional).toBe(false);
    }
  });

  it('ships a valid trigger config, every file of it, with each referenced Secret mounted where it is read', () => {
    const configDir = configDirOf(dir);
    const loaded = loadConfig(configDir);
    expect(loaded.ok ? [] : loaded.issues).toEqual([]);
    const files = readdirSync(configDir).filter((f) => /\.ya?ml$/.test(f));
    const configMap = objects.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('signalbox-config'),
    );
    expect(Object.keys((configMap?.data as Record<string, string>) ?? {}).sort()).toEqual(files.sort());
    const missing: string[] = [];
    for (const file of files) {
      for (const doc of parseAllDocuments(readFileSync(join(configDir, file), 'utf8'))) {
        const value = doc.toJS() as { kind?: string } | null;
        const reader = value?.kind ? secretReaderByKind[value.kind] : undefined;
        if (!reader) continue;
        const mounted = mountedSecretFiles(signalboxTemplate(objects, reader));
        for (const ref of secretRefs(value)) {
          const path = `${ref.secretName}/${ref.secretKey}`;
          if (!mounted.has(path)) missing.push(`${file} ${value?.kind}: ${path} not mounted in ${reader}`);
        }
      }
    }
    expect(missing).toEqual([]);
    const listener = signalboxTemplate(objects, 'event-listener');
    const tokenFile = listener.spec.containers[0]!.env?.find(
      (e) => e.name === 'SIGNALBOX_ADMIN_TOKEN_FILE',
    )?.value;
    expect(tokenFile).toMatch(/^\/etc\/signalbox\/secrets\//);
    expect(mountedSecretFiles(listener).has(tokenFile!.replace('/etc/signalbox/secrets/', ''))).toBe(true);
  });

  it('runs an image the overlay names, never a moving tag', () => {
    const images = templates.flatMap((t) => t.spec.containers.map((c) => c.image));
    for (const image of images) {
      expect(image).toMatch(/(:[\w.-]+|@sha256:[0-9a-f]{64})$/);
      expect(image).not.toMatch(/:latest$/);
    }
    const signalbox = services.map((s) => signalboxTemplate(objects, s).spec.containers[0]!.image);
    expect(new Set(signalbox).size).toBe(1);
    expect(signalbox[0]).not.toBe('signalbox');
  });

  it('reads REDIS_URL from a Secret', () => {
    for (const s of services) {
      const env = signalboxTemplate(objects, s).spec.containers[0]!.env ?? [];
      expect(env.find((e) => e.name === 'REDIS_URL')?.valueFrom?.secretKeyRef?.name).toBe('signalbox-redis');
    }
  });
});

describe('overlays differ where they should', () => {
  const dev = kustomizeBuild(join(overlaysDir, 'dev'));
  const prod = kustomizeBuild(join(overlaysDir, 'prod'));

  it('dev runs Redis in the cluster with AOF, noeviction and a password', () => {
    const redis = podTemplates(dev).find((t) => t.workload === 'StatefulSet/redis');
    expect(redis).toBeDefined();
    const args = (redis!.spec.containers[0]!.args ?? []).join(' ');
    expect(args).toContain('--appendonly yes');
    expect(args).toContain('--maxmemory-policy noeviction');
    expect(args).toContain('--requirepass $(REDISCLI_AUTH)');
  });

  it('prod uses an external Redis and a registry image', () => {
    expect(podTemplates(prod).some((t) => t.workload === 'StatefulSet/redis')).toBe(false);
    const image = signalboxTemplate(prod, 'event-listener').spec.containers[0]!.image;
    expect(image).toMatch(/^[a-z0-9.-]+\.[a-z]+\/.+/);
  });
});

describe('the NetworkPolicy check', () => {
  const work = mkdtempSync(join(tmpdir(), 'sb-kustomize-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** The shape of the bug that shipped: policies select a label added by kustomize `labels:`. */
  function render(includeTemplates: boolean): KubeObject[] {
    const dir = mkdtempSync(join(work, 'case-'));
    cpSync(join(root, 'k8s', 'base', 'event-listener.yaml'), join(dir, 'app.yaml'));
    writeFileSync(
      join(dir, 'policy.yaml'),
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: p }\nspec:\n' +
        '  podSelector: { matchLabels: { example.com/added: "yes" } }\n  policyTypes: [Ingress]\n',
    );
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      `labels:\n  - pairs: { example.com/added: "yes" }\n    includeTemplates: ${includeTemplates}\n` +
        'resources: [app.yaml, policy.yaml]\n',
    );
    return kustomizeBuild(dir);
  }

  it('fails a policy whose label kustomize put on object metadata only', () => {
    expect(networkPolicyProblems(render(false))).toEqual([
      'NetworkPolicy p: podSelector {"matchLabels":{"example.com/added":"yes"}} selects no pod template',
    ]);
  });

  it('passes it once the label reaches the pod templates', () => {
    expect(networkPolicyProblems(render(true))).toEqual([]);
  });
});
