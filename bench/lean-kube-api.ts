// A Kubernetes API that costs close to nothing per create, for bench/tekton-workload.ts, in its
// own process (an API server is another machine). It serves what the run-scheduler's client-node
// asks for and nothing more: discovery of tekton.dev/v1, create with 409 AlreadyExists on a
// taken name, list, and watch with ADDED events. No validation, no admission, no label
// selectors — the test kit's full-rules fake spends ~3 ms of CPU per create on those, which would
// measure the fake instead of Signalbox.
//
// Bench side channel (not Kubernetes): `PUT /bench/expect` with a number N in the body; every
// delivery (the `deliveryId` of the correlation annotation) whose Nth object is created is
// printed on stdout as `done <deliveryId> <epoch ms>`. The first stdout line is the kubeconfig
// path. Exits on SIGTERM or when stdin closes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const correlationAnnotation = 'signalbox.dev/correlation';

interface Stored {
  readonly namespace: string;
  readonly json: string;
}

const resources = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: 'tekton.dev/v1',
  resources: ['PipelineRun', 'TaskRun', 'Pipeline', 'Task'].map((kind) => ({
    name: `${kind.toLowerCase()}s`,
    singularName: kind.toLowerCase(),
    namespaced: true,
    kind,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  })),
};
const plurals = new Map(resources.resources.map((r) => [r.name, r.kind]));

const objects = new Map<string, Map<string, Stored>>();
const watchers = new Set<{ namespace: string | undefined; plural: string; res: ServerResponse }>();
const perDelivery = new Map<string, number>();
let expect = 1;
let version = 1;
let uid = 0;

const send = (res: ServerResponse, status: number, body: string) => {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
};
const status = (code: number, reason: string, message: string) =>
  JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code });

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function delivered(object: { metadata?: { annotations?: Record<string, string> } }): void {
  const annotation = object.metadata?.annotations?.[correlationAnnotation];
  if (!annotation) return;
  const { deliveryId } = JSON.parse(annotation) as { deliveryId?: string };
  if (!deliveryId) return;
  const count = (perDelivery.get(deliveryId) ?? 0) + 1;
  if (count < expect) {
    perDelivery.set(deliveryId, count);
    return;
  }
  perDelivery.delete(deliveryId);
  process.stdout.write(`done ${deliveryId} ${(performance.timeOrigin + performance.now()).toFixed(2)}\n`);
}

function create(res: ServerResponse, plural: string, namespace: string, text: string): void {
  const object = JSON.parse(text) as {
    metadata: Record<string, unknown> & { name?: string; generateName?: string };
  };
  let name = object.metadata.name;
  if (!name && object.metadata.generateName) name = `${object.metadata.generateName}${(++uid).toString(36)}`;
  if (!name) {
    send(res, 422, status(422, 'Invalid', 'metadata.name: Required value'));
    return;
  }
  let byName = objects.get(plural);
  if (!byName) objects.set(plural, (byName = new Map()));
  const key = `${namespace}/${name}`;
  if (byName.has(key)) {
    send(res, 409, status(409, 'AlreadyExists', `${plural}.tekton.dev "${name}" already exists`));
    return;
  }
  object.metadata = {
    ...object.metadata,
    name,
    namespace,
    uid: `uid-${++uid}`,
    resourceVersion: String(++version),
    creationTimestamp: new Date().toISOString(),
  };
  const json = JSON.stringify(object);
  byName.set(key, { namespace, json });
  delivered(object as never);
  send(res, 201, json);
  const event = `{"type":"ADDED","object":${json}}\n`;
  for (const w of watchers)
    if (w.plural === plural && (w.namespace === undefined || w.namespace === namespace)) w.res.write(event);
}

function list(res: ServerResponse, plural: string, namespace: string | undefined): void {
  const items = [...(objects.get(plural)?.values() ?? [])]
    .filter((o) => namespace === undefined || o.namespace === namespace)
    .map((o) => o.json);
  const kind = `${plurals.get(plural) ?? plural}List`;
  send(
    res,
    200,
    `{"apiVersion":"tekton.dev/v1","kind":"${kind}","metadata":{"resourceVersion":"${version}"},"items":[${items.join(',')}]}`,
  );
}

function watch(req: IncomingMessage, res: ServerResponse, plural: string, namespace: string | undefined) {
  res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
  res.flushHeaders();
  const w = { namespace, plural, res };
  watchers.add(w);
  req.socket.once('close', () => watchers.delete(w));
}

const route = /^\/apis\/tekton\.dev\/v1(?:\/namespaces\/([^/]+))?\/([a-z]+)$/;

const server = createServer({ keepAlive: true, keepAliveTimeout: 120_000 }, async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://fake');
  if (url.pathname === '/bench/expect') {
    expect = Number(await readBody(req));
    perDelivery.clear();
    return send(res, 200, '{}');
  }
  if (url.pathname === '/apis/tekton.dev/v1') return send(res, 200, JSON.stringify(resources));
  if (url.pathname === '/api' || url.pathname === '/apis') return send(res, 404, status(404, 'NotFound', ''));
  const m = route.exec(url.pathname);
  const plural = m?.[2];
  if (!m || !plural || !plurals.has(plural)) return send(res, 404, status(404, 'NotFound', url.pathname));
  const namespace = m[1];
  if (req.method === 'POST' && namespace) return create(res, plural, namespace, await readBody(req));
  if (req.method === 'GET' && url.searchParams.get('watch') === 'true')
    return watch(req, res, plural, namespace);
  if (req.method === 'GET') return list(res, plural, namespace);
  send(res, 405, status(405, 'MethodNotAllowed', `${req.method} is not served by the lean fake`));
});
server.keepAliveTimeout = 120_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  const path = join(mkdtempSync(join(tmpdir(), 'sb-lean-kube-')), 'kubeconfig');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    // Skip-verify is a TLS setting: client-node then builds its per-request agent, which is the
    // path a real cluster takes (and PooledKubeConfig's reuse is measured).
    clusters: [
      { name: 'lean', cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } },
    ],
    users: [{ name: 'lean', user: { token: 'bench' } }],
    contexts: [{ name: 'lean', context: { cluster: 'lean', user: 'lean', namespace: 'ci' } }],
    'current-context': 'lean',
  };
  writeFileSync(path, JSON.stringify(config), { mode: 0o600 });
  process.stdout.write(`${path}\n`);
});
const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
