import { accessSync, readFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { isIPv6 } from 'node:net';
import { dirname, isAbsolute, join } from 'node:path';
import type { Cluster, Context, User } from '@kubernetes/client-node';
import type { Authenticator } from '@kubernetes/client-node/dist/auth.js';
// client-node's own modules, one by one: its package index (and its config module, which loads
// the index of its generated API) would bring ~80 MB of RSS with it. These import only node:fs,
// node:child_process and jsonpath-plus.
import { AzureAuth } from '@kubernetes/client-node/dist/azure_auth.js';
import { newClusters, newContexts, newUsers } from '@kubernetes/client-node/dist/config_types.js';
import { ExecAuth } from '@kubernetes/client-node/dist/exec_auth.js';
import { FileAuth } from '@kubernetes/client-node/dist/file_auth.js';
import { GoogleCloudPlatformAuth } from '@kubernetes/client-node/dist/gcp_auth.js';
import { parse } from 'yaml';
import { createKubeTransport, type KubeAccess, type KubeTransport } from './kube-transport.ts';

const serviceAccount = '/var/run/secrets/kubernetes.io/serviceaccount';

function fromFileOrData(file: string | undefined, data: string | undefined): Buffer | null {
  if (file) return readFileSync(file);
  if (data) return Buffer.from(data, 'base64');
  return null;
}

function exists(file: string): boolean {
  try {
    accessSync(file);
    return true;
  } catch {
    return false;
  }
}

const absolute = (root: string, file: string) => (isAbsolute(file) ? file : join(root, file));

/**
 * A kubeconfig read the way client-node's `KubeConfig` reads it — its parsing of clusters, users
 * and contexts, its in-cluster account, its TLS settings and its authenticators (token, token
 * file re-read every minute, exec plugins with their client certificates, Azure, GCP and, loaded
 * only when a user has it, OIDC) — without loading client-node's generated API, which its
 * `KubeConfig` module does (~80 MB of RSS in a process that uses none of it). Requests go
 * through `transport` (pooled connections, request timeout: `createKubeTransport`).
 */
export class LeanKubeConfig implements KubeAccess {
  readonly transport: KubeTransport;
  #clusters: Cluster[] = [];
  #users: User[] = [];
  #contexts: Context[] = [];
  #currentContext = '';
  // One of each, as in KubeConfig: exec credentials and file tokens are cached per config.
  readonly #authenticators: Authenticator[] = [
    new AzureAuth(),
    new GoogleCloudPlatformAuth(),
    new ExecAuth(),
    new FileAuth(),
  ];
  #oidc: Promise<Authenticator> | undefined;

  constructor(options: { refreshMs?: number; requestTimeoutMs?: number } = {}) {
    this.transport = createKubeTransport(this, options);
  }

  getClusters(): Cluster[] {
    return this.#clusters;
  }

  getUsers(): User[] {
    return this.#users;
  }

  getContexts(): Context[] {
    return this.#contexts;
  }

  getCurrentContext(): string {
    return this.#currentContext;
  }

  setCurrentContext(name: string): void {
    this.#currentContext = name;
  }

  getContextObject(name: string): Context | null {
    return this.#contexts.find((c) => c.name === name) ?? null;
  }

  getCurrentCluster(): Cluster | null {
    const context = this.getContextObject(this.#currentContext);
    return (context && this.#clusters.find((c) => c.name === context.cluster)) ?? null;
  }

  getCurrentUser(): User | null {
    const context = this.getContextObject(this.#currentContext);
    return (context && this.#users.find((u) => u.name === context.user)) ?? null;
  }

  /** A kubeconfig file; relative certificate and key paths are taken from its directory. */
  loadFromFile(file: string): void {
    const config = parse(readFileSync(file).toString('utf-8'), { merge: true });
    this.#clusters = newClusters(config.clusters);
    this.#contexts = newContexts(config.contexts);
    this.#users = newUsers(config.users);
    this.#currentContext = config['current-context'];
    const root = dirname(file);
    for (const cluster of this.#clusters) if (cluster.caFile) cluster.caFile = absolute(root, cluster.caFile);
    for (const user of this.#users) {
      if (user.certFile) user.certFile = absolute(root, user.certFile);
      if (user.keyFile) user.keyFile = absolute(root, user.keyFile);
    }
  }

  /** Adds another file's entries (a name already present is an error) and takes its context. */
  mergeConfig(other: LeanKubeConfig): void {
    if (other.#currentContext) this.#currentContext = other.#currentContext;
    const add = <T extends { name: string }>(list: T[], more: T[], what: string) => {
      for (const entry of more) {
        if (list.some((e) => e.name === entry.name)) throw new Error(`Duplicate ${what}: ${entry.name}`);
        list.push(entry);
      }
    };
    add(this.#clusters, other.#clusters, 'cluster');
    add(this.#users, other.#users, 'user');
    add(this.#contexts, other.#contexts, 'context');
  }

  /** The pod's service account: its CA, its projected token (re-read every minute), its namespace. */
  loadFromCluster(pathPrefix = ''): void {
    const host = process.env.KUBERNETES_SERVICE_HOST;
    const port = process.env.KUBERNETES_SERVICE_PORT;
    const scheme = port === '80' || port === '8080' || port === '8001' ? 'http' : 'https';
    const server = `${scheme}://${host && isIPv6(host) ? `[${host}]` : host}:${port}`;
    this.#clusters = [
      { name: 'inCluster', caFile: `${pathPrefix}${serviceAccount}/ca.crt`, server, skipTLSVerify: false },
    ];
    this.#users = [
      {
        name: 'inClusterUser',
        authProvider: { name: 'tokenFile', config: { tokenFile: `${pathPrefix}${serviceAccount}/token` } },
      },
    ];
    const namespaceFile = `${pathPrefix}${serviceAccount}/namespace`;
    const namespace = exists(namespaceFile) ? readFileSync(namespaceFile).toString('utf-8') : undefined;
    this.#contexts = [
      {
        cluster: 'inCluster',
        name: 'inClusterContext',
        user: 'inClusterUser',
        ...(namespace ? { namespace } : {}),
      },
    ];
    this.#currentContext = 'inClusterContext';
  }

  async applyToHTTPSOptions(opts: RequestOptions): Promise<void> {
    const user = this.getCurrentUser();
    const cluster = this.getCurrentCluster();
    this.#applyTls(opts);
    await this.applyAuthorizationHeader(opts);
    if (user?.username) opts.auth = `${user.username}:${user.password}`;
    if (cluster?.server.startsWith('http:') && !cluster.skipTLSVerify)
      throw new Error('HTTP protocol is not allowed when skipTLSVerify is not set or false');
  }

  /** The user's token on `opts.headers`, from its authenticator (cached and refreshed there). */
  async applyAuthorizationHeader(opts: RequestOptions): Promise<void> {
    const user = this.getCurrentUser();
    if (!user) return;
    const authenticator =
      this.#authenticators.find((a) => a.isAuthProvider(user)) ??
      (user.authProvider?.name === 'oidc' ? await this.#openIdConnect() : undefined);
    opts.headers ??= {};
    if (authenticator) await authenticator.applyAuthentication(user, opts);
    if (user.token) (opts.headers as Record<string, string>).Authorization = `Bearer ${user.token}`;
  }

  #applyTls(opts: RequestOptions): void {
    const cluster = this.getCurrentCluster();
    const user = this.getCurrentUser();
    if (!user) return;
    if (cluster?.skipTLSVerify) opts.rejectUnauthorized = false;
    if (cluster?.tlsServerName) opts.servername = cluster.tlsServerName;
    const ca = cluster ? fromFileOrData(cluster.caFile, cluster.caData) : null;
    if (ca) opts.ca = ca;
    const cert = fromFileOrData(user.certFile, user.certData);
    if (cert) opts.cert = cert;
    const key = fromFileOrData(user.keyFile, user.keyData);
    if (key) opts.key = key;
    if (user.impersonateUser != null) {
      opts.headers ??= {};
      (opts.headers as Record<string, string>)['Impersonate-User'] = user.impersonateUser;
    }
  }

  /** client-node's OIDC module loads its whole config module (and so all of client-node): on demand. */
  #openIdConnect(): Promise<Authenticator> {
    this.#oidc ??= import('@kubernetes/client-node/dist/oidc_auth.js').then((m) => new m.OpenIDConnectAuth());
    return this.#oidc;
  }
}
