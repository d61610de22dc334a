import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { cleanGitEnv } from './run-git.ts';

/** A smart-HTTP git request, split from the URL `/<owner>/<repo>.git/<rest>`. */
export interface GitRequest {
  readonly owner: string;
  readonly repo: string;
  /** `git-upload-pack` (clone, fetch) or `git-receive-pack` (push). */
  readonly service: 'git-upload-pack' | 'git-receive-pack';
}

/** Recognises the three smart-HTTP endpoints; anything else is not a git request. */
export function parseGitRequest(url: URL): GitRequest | undefined {
  const m = /^\/([^/]+)\/([^/]+)\.git\/(info\/refs|git-upload-pack|git-receive-pack)$/.exec(url.pathname);
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  const service = m[3] === 'info/refs' ? url.searchParams.get('service') : m[3];
  // Dumb-HTTP discovery (no ?service=) is refused by GitHub as well.
  if (service !== 'git-upload-pack' && service !== 'git-receive-pack') return undefined;
  return { owner: decodeURIComponent(m[1]), repo: decodeURIComponent(m[2]), service };
}

/**
 * Hands a request to `git http-backend` as a CGI: the request body is piped to it unchanged (with
 * `Content-Encoding: gzip` passed on, which http-backend inflates itself), the CGI header block is
 * turned into the HTTP status and headers, and the rest of its output is streamed back.
 */
export function serveGitHttp(
  req: IncomingMessage,
  res: ServerResponse,
  options: { projectRoot: string; home: string; remoteUser: string | undefined },
): void {
  const url = new URL(req.url ?? '/', 'http://fake');
  const header = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  };
  const cgi: Record<string, string> = {
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    GIT_PROJECT_ROOT: options.projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
  };
  const optional: [string, string | undefined][] = [
    ['CONTENT_TYPE', header('content-type')],
    ['CONTENT_LENGTH', header('content-length')],
    ['HTTP_CONTENT_ENCODING', header('content-encoding')],
    // Protocol v2 is negotiated through this header; http-backend reads it from the environment.
    ['GIT_PROTOCOL', header('git-protocol')],
    // http-backend enables receive-pack only for an authenticated user.
    ['REMOTE_USER', options.remoteUser],
  ];
  for (const [k, v] of optional) if (v !== undefined) cgi[k] = v;

  const child = spawn('git', ['http-backend'], {
    env: cleanGitEnv(options.home, cgi),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stderr: Buffer[] = [];
  child.stderr.on('data', (c: Buffer) => stderr.push(c));
  child.stdin.on('error', () => {
    // http-backend may exit before reading the whole body (e.g. a 403); the answer still stands.
  });
  req.pipe(child.stdin);

  let head = Buffer.alloc(0);
  let started = false;
  const startResponse = (chunk: Buffer): void => {
    head = Buffer.concat([head, chunk]);
    const crlf = head.indexOf('\r\n\r\n');
    const lf = head.indexOf('\n\n');
    const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : -1;
    if (end < 0) return;
    started = true;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i <= 0) continue;
      const name = line.slice(0, i).trim();
      const value = line.slice(i + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    res.write(head.subarray(end));
  };
  const onData = (chunk: Buffer): void => {
    startResponse(chunk);
    if (!started) return;
    // The pack can be large: stream the rest with backpressure.
    child.stdout.off('data', onData);
    child.stdout.pipe(res);
  };
  child.stdout.on('data', onData);
  child.on('close', (code) => {
    if (started) return;
    res
      .writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
      .end(`git http-backend exited ${code}: ${Buffer.concat(stderr).toString('utf8')}`);
  });
}
