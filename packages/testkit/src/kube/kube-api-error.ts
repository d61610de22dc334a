import { type FieldError, fieldErrorBody } from './field-error.ts';
import type { ResourceType } from './resource-type.ts';

/** `metav1.StatusCause`. */
export interface StatusCause {
  readonly reason?: string;
  readonly message: string;
  readonly field?: string;
}

/** `metav1.StatusDetails`; `kind` is the resource (plural) except for `Invalid`, where it is the Kind. */
export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly uid?: string;
  readonly causes?: readonly StatusCause[];
  readonly retryAfterSeconds?: number;
}

/** The `Status` object every API error carries. */
export interface KubeStatus {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure' | 'Success';
  readonly message?: string;
  readonly reason?: string;
  readonly details?: StatusDetails;
  readonly code?: number;
}

const qualifiedResource = (t: ResourceType) => (t.group ? `${t.plural}.${t.group}` : t.plural);
const qualifiedKind = (t: ResourceType) => (t.group ? `${t.kind}.${t.group}` : t.kind);

/** Details in apimachinery's field order, without the empty ones (`omitempty`). */
function details(d: StatusDetails): StatusDetails {
  return {
    ...(d.name ? { name: d.name } : {}),
    ...(d.group ? { group: d.group } : {}),
    ...(d.kind ? { kind: d.kind } : {}),
    ...(d.uid ? { uid: d.uid } : {}),
    ...(d.causes?.length ? { causes: d.causes } : {}),
    ...(d.retryAfterSeconds ? { retryAfterSeconds: d.retryAfterSeconds } : {}),
  };
}

/** `utilerrors.NewAggregate(errs).Error()`: one message as is, several deduplicated in brackets. */
function aggregate(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? (unique[0] ?? '') : `[${unique.join(', ')}]`;
}

/**
 * An API error as apimachinery's `k8s.io/apimachinery/pkg/api/errors` builds it: the HTTP code and
 * the `Status` body, with the reasons and messages of the real constructors (`NewNotFound`,
 * `NewAlreadyExists`, `NewInvalid`, `NewConflict`, …).
 */
export class KubeApiError extends Error {
  readonly code: number;
  readonly status: KubeStatus;

  constructor(code: number, reason: string, message: string, d?: StatusDetails) {
    super(message);
    this.code = code;
    this.status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      ...(reason ? { reason } : {}),
      ...(d ? { details: details(d) } : {}),
      code,
    };
  }

  static badRequest(message: string): KubeApiError {
    return new KubeApiError(400, 'BadRequest', message);
  }

  static unauthorized(): KubeApiError {
    return new KubeApiError(401, 'Unauthorized', 'Unauthorized');
  }

  /** RBAC's denial, e.g. `pipelineruns.tekton.dev is forbidden: User "…" cannot create resource …`. */
  static forbidden(t: ResourceType, verb: string, user: string, namespace?: string, name?: string) {
    const scope = namespace ? ` in the namespace "${namespace}"` : ' at the cluster scope';
    return new KubeApiError(
      403,
      'Forbidden',
      `${qualifiedResource(t)}${name ? ` "${name}"` : ''} is forbidden: User "${user}" cannot ${verb} resource "${t.plural}" in API group "${t.group}"${scope}`,
      { ...(name ? { name } : {}), group: t.group, kind: t.plural },
    );
  }

  /** The route 404 (no such group, version or resource). */
  static routeNotFound(): KubeApiError {
    const e = new KubeApiError(404, 'NotFound', 'the server could not find the requested resource');
    // The real body carries an empty `details` object here.
    (e.status as { details?: StatusDetails }).details = {};
    return e;
  }

  static notFound(t: ResourceType, name: string): KubeApiError {
    return new KubeApiError(404, 'NotFound', `${qualifiedResource(t)} "${name}" not found`, {
      name,
      group: t.group,
      kind: t.plural,
    });
  }

  /** NamespaceLifecycle admission: creating in a namespace that does not exist. */
  static namespaceNotFound(namespace: string): KubeApiError {
    return new KubeApiError(404, 'NotFound', `namespaces "${namespace}" not found`, {
      name: namespace,
      kind: 'namespaces',
    });
  }

  static methodNotAllowed(): KubeApiError {
    return new KubeApiError(
      405,
      'MethodNotAllowed',
      'the server does not allow this method on the requested resource',
      {},
    );
  }

  static alreadyExists(t: ResourceType, name: string): KubeApiError {
    return new KubeApiError(409, 'AlreadyExists', `${qualifiedResource(t)} "${name}" already exists`, {
      name,
      group: t.group,
      kind: t.plural,
    });
  }

  /** `NewGenerateNameConflict`: every generated name was taken. */
  static generateNameConflict(t: ResourceType, name: string): KubeApiError {
    return new KubeApiError(
      409,
      'AlreadyExists',
      `${qualifiedResource(t)} "${name}" already exists, the server was not able to generate a unique name for the object`,
      { name, group: t.group, kind: t.plural, retryAfterSeconds: 1 },
    );
  }

  /** `NewConflict`, e.g. a stale `resourceVersion` or a failed delete precondition. */
  static conflict(t: ResourceType, name: string, why: string): KubeApiError {
    return new KubeApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualifiedResource(t)} "${name}": ${why}`,
      { name, group: t.group, kind: t.plural },
    );
  }

  /** 410 `Expired` (too old resourceVersion, stale continue token). */
  static expired(message: string): KubeApiError {
    return new KubeApiError(410, 'Expired', message);
  }

  static unsupportedMediaType(contentType: string, accepted: readonly string[]): KubeApiError {
    return new KubeApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
      { kind: contentType },
    );
  }

  /** `NewInvalid`: 422 with one cause per field error and the aggregate in the message. */
  static invalid(t: ResourceType, name: string, errors: readonly FieldError[]): KubeApiError {
    const text = errors.map((e) => `${e.field}: ${fieldErrorBody(e)}`);
    return new KubeApiError(422, 'Invalid', `${qualifiedKind(t)} "${name}" is invalid: ${aggregate(text)}`, {
      name,
      group: t.group,
      kind: t.kind,
      causes: errors.map((e) => ({ reason: e.type, message: fieldErrorBody(e), field: e.field })),
    });
  }

  /** `NewGenericServerResponse(422, …)`, what a JSON patch that does not apply gets. */
  static unprocessable(serverMessage: string): KubeApiError {
    return new KubeApiError(
      422,
      'Invalid',
      'the server rejected our request due to an error in our request',
      {
        causes: [{ reason: 'UnexpectedServerResponse', message: serverMessage }],
      },
    );
  }

  /** An error the apiserver did not convert to a Status: 500 without a reason. */
  static unknown(message: string): KubeApiError {
    return new KubeApiError(500, '', message);
  }

  static internal(message: string): KubeApiError {
    return new KubeApiError(500, 'InternalError', `Internal error occurred: ${message}`, {
      causes: [{ message }],
    });
  }

  /** The watch cache was asked for a resourceVersion it has not reached. */
  static tooLargeResourceVersion(requested: number, current: number): KubeApiError {
    return new KubeApiError(
      504,
      'Timeout',
      `Timeout: Too large resource version: ${requested}, current: ${current}`,
      {
        causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
        retryAfterSeconds: 1,
      },
    );
  }

  /** A 200 `Success` Status, what a delete answers for resources that do not return the object. */
  static success(t: ResourceType, name: string, uid: string): KubeStatus {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: details({ name, group: t.group, kind: t.plural, uid }),
    };
  }
}
