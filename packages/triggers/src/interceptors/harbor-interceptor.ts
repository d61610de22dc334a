import { constantTimeEqual } from './constant-time-equal.ts';
import type { Interceptor } from './interceptor.ts';
import { readSecret } from './read-secret.ts';

/** Harbor's Default `type` ↔ CloudEvents `type` (Harbor ≥ 2.8, src/pkg/notifier/formats/cloudevents.go). */
export const harborEventTypes: Readonly<Record<string, string>> = {
  PUSH_ARTIFACT: 'harbor.artifact.pushed',
  PULL_ARTIFACT: 'harbor.artifact.pulled',
  DELETE_ARTIFACT: 'harbor.artifact.deleted',
  SCANNING_COMPLETED: 'harbor.scan.completed',
  SCANNING_FAILED: 'harbor.scan.failed',
  SCANNING_STOPPED: 'harbor.scan.stopped',
  QUOTA_EXCEED: 'harbor.quota.exceeded',
  QUOTA_WARNING: 'harbor.quota.warned',
  REPLICATION: 'harbor.replication.status.changed',
  TAG_RETENTION: 'harbor.tag_retention.finished',
};
const fromCloudEvent = Object.fromEntries(Object.entries(harborEventTypes).map(([k, v]) => [v, k]));

export interface HarborInterceptorOptions {
  readonly label: string;
  readonly secretRef?: { secretName: string; secretKey: string };
  /** Default-format names (PUSH_ARTIFACT …) or CloudEvents names; both formats match either. */
  readonly eventTypes?: readonly string[];
}

/** One view of both payload formats, so templates bind `$(extensions.harbor.tag)` either way. */
function normalize(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const cloudEvent = typeof body.specversion === 'string';
  const rawType = typeof body.type === 'string' ? body.type : '';
  const type = cloudEvent ? fromCloudEvent[rawType] : rawType in harborEventTypes ? rawType : undefined;
  if (!type) return undefined;
  const data = (cloudEvent ? body.data : body.event_data) as Record<string, unknown> | undefined;
  const resources = Array.isArray(data?.resources) ? (data.resources as Array<Record<string, unknown>>) : [];
  const resource = resources[0] ?? {};
  const repository = (data?.repository ?? {}) as Record<string, unknown>;
  const resourceUrl = typeof resource.resource_url === 'string' ? resource.resource_url : '';
  const fullName = typeof repository.repo_full_name === 'string' ? repository.repo_full_name : '';
  const host = resourceUrl.includes('/') ? resourceUrl.slice(0, resourceUrl.indexOf('/')) : '';
  const tag = typeof resource.tag === 'string' ? resource.tag : '';
  const overview = resource.scan_overview as Record<string, { severity?: unknown }> | undefined;
  const severity = overview
    ? Object.values(overview).find((o) => typeof o?.severity === 'string')?.severity
    : undefined;
  return {
    type,
    cloudEventType: harborEventTypes[type],
    operator: String(body.operator ?? ''),
    repository: fullName,
    image: host && fullName ? `${host}/${fullName}` : fullName,
    // A push by digest puts the digest in `tag`: expose it as no tag.
    tag: tag.startsWith('sha256:') ? '' : tag,
    digest: typeof resource.digest === 'string' ? resource.digest : '',
    resourceURL: resourceUrl,
    severity: typeof severity === 'string' ? severity : '',
  };
}

/**
 * Harbor signs nothing: the only authenticity signal is the policy's "Auth Header", sent verbatim
 * as `Authorization`. It is compared in constant time with the secret. Accepts both payload
 * formats and adds `extensions.harbor` (type, image, tag, digest, severity …).
 */
export function harborInterceptor(options: HarborInterceptorOptions): Interceptor {
  const wanted = options.eventTypes?.map((t) => fromCloudEvent[t] ?? t);
  return {
    label: options.label,
    authenticates: options.secretRef !== undefined,
    sender: 'harbor',
    ...(options.secretRef
      ? { credential: { scheme: 'harbor-authorization', secretRef: options.secretRef } }
      : {}),
    run(request, deps) {
      let authenticated = false;
      if (options.secretRef && request.trusted) authenticated = true;
      else if (options.secretRef) {
        const found = readSecret(deps.secrets, options.secretRef);
        if ('reason' in found) return { continue: false, reason: found.reason };
        const { secret } = found;
        const given = request.header.Authorization?.[0];
        if (!given) return { continue: false, reason: 'no Authorization header' };
        if (!constantTimeEqual(given, secret))
          return { continue: false, reason: 'Authorization does not match' };
        authenticated = true;
      }
      const harbor = normalize(request.body);
      if (!harbor)
        return { continue: false, reason: 'not a Harbor webhook payload (no known type)', authenticated };
      if (wanted && !wanted.includes(String(harbor.type))) {
        return {
          continue: false,
          reason: `event type ${harbor.type} is not one of ${options.eventTypes?.join(', ')}`,
          authenticated,
        };
      }
      return { continue: true, authenticated, extensions: { harbor } };
    },
  };
}
