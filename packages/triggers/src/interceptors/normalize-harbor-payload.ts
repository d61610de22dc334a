import { harborEventTypes, harborTypeFromCloudEvent } from './harbor-event-types.ts';

/** Harbor's payload, the same whichever format it came in; '' where the payload has no value. */
export interface HarborPayloadView {
  readonly [field: string]: string;
  /** Default-format name (PUSH_ARTIFACT …). */
  readonly type: string;
  readonly cloudEventType: string;
  readonly operator: string;
  /** `project/repo`. */
  readonly repository: string;
  /** `host/project/repo`: no tag, no digest. */
  readonly image: string;
  readonly tag: string;
  readonly digest: string;
  readonly resourceURL: string;
  readonly severity: string;
}

/**
 * One view of Harbor's two payload formats (Default and CloudEvents), so templates bind
 * `$(extensions.harbor.tag)` and the listener correlates a delivery the same way either way.
 * `image` is the repository reference without tag or digest (`host/project/repo`, see
 * protocols §1: `resource_url` carries `:tag` or `@digest`). Undefined when `type` is not one of
 * Harbor's ten event types.
 */
export function normalizeHarborPayload(body: Record<string, unknown>): HarborPayloadView | undefined {
  const cloudEvent = typeof body.specversion === 'string';
  const rawType = typeof body.type === 'string' ? body.type : '';
  const type = cloudEvent
    ? harborTypeFromCloudEvent[rawType]
    : rawType in harborEventTypes
      ? rawType
      : undefined;
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
    cloudEventType: harborEventTypes[type] ?? '',
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
