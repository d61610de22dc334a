import { CelError } from '../cel/cel-error.ts';
import { type CelProgram, compileCel } from '../cel/compile-cel.ts';
import { celInterceptor } from '../interceptors/cel-interceptor.ts';
import { githubInterceptor } from '../interceptors/github-interceptor.ts';
import { harborEventTypes } from '../interceptors/harbor-event-types.ts';
import { harborInterceptor } from '../interceptors/harbor-interceptor.ts';
import type { Interceptor } from '../interceptors/interceptor.ts';
import { type InterceptorSpec, secretRefSchema } from './schemas.ts';

/** Reports a problem at a field path relative to the document. */
export type Report = (field: string, message: string) => void;

const knownParams: Record<string, readonly string[]> = {
  github: ['secretRef', 'eventTypes', 'addChangedFiles', 'githubOwners'],
  harbor: ['secretRef', 'eventTypes'],
  cel: ['filter', 'overlays'],
};

const harborTypes = new Set([...Object.keys(harborEventTypes), ...Object.values(harborEventTypes)]);

function compile(
  report: Report,
  field: string,
  expression: unknown,
  expect: 'bool' | 'any',
): CelProgram | undefined {
  if (typeof expression !== 'string' || expression.trim() === '') {
    report(field, 'must be a non-empty CEL expression string');
    return undefined;
  }
  try {
    return compileCel(expression, { expect });
  } catch (err) {
    if (!(err instanceof CelError)) throw err;
    report(field, `CEL ${err.code === 'CEL_PARSE' ? 'parse' : 'check'} error: ${err.message}`);
    return undefined;
  }
}

type Params = Map<string, { value: unknown; field: string }>;

function secretRef(params: Params, report: Report, name = 'secretRef') {
  const param = params.get(name);
  if (!param) return undefined;
  const parsed = secretRefSchema.safeParse(param.value);
  if (parsed.success) return parsed.data;
  report(param.field, 'must be {secretName, secretKey}');
  return undefined;
}

function eventTypes(params: Params, report: Report, check?: (type: string) => string | undefined) {
  const param = params.get('eventTypes');
  if (!param) return undefined;
  const v = param.value;
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string' && x !== '')) {
    report(param.field, 'must be a non-empty list of event type names');
    return undefined;
  }
  v.forEach((t: string, i) => {
    const problem = check?.(t);
    if (problem) report(`${param.field}[${i}]`, problem);
  });
  return v as string[];
}

function buildGithub(params: Params, label: string, report: Report): Interceptor {
  const changed = params.get('addChangedFiles');
  let addChangedFiles:
    | { enabled: boolean; personalAccessToken?: { secretName: string; secretKey: string } }
    | undefined;
  if (changed) {
    const v = changed.value as { enabled?: unknown; personalAccessToken?: unknown } | null;
    const token =
      v?.personalAccessToken === undefined ? undefined : secretRefSchema.safeParse(v.personalAccessToken);
    const extra =
      v && typeof v === 'object'
        ? Object.keys(v).filter((k) => k !== 'enabled' && k !== 'personalAccessToken')
        : [];
    if (
      !v ||
      typeof v !== 'object' ||
      typeof v.enabled !== 'boolean' ||
      token?.success === false ||
      extra.length
    ) {
      report(changed.field, 'must be {enabled: true|false, personalAccessToken?: {secretName, secretKey}}');
    } else {
      addChangedFiles = {
        enabled: v.enabled,
        ...(token?.success ? { personalAccessToken: token.data } : {}),
      };
    }
  }
  const owners = params.get('githubOwners');
  if (owners) {
    report(
      owners.field,
      'githubOwners is not supported by Signalbox; gate on the sender with a cel filter instead',
    );
  }
  const ref = secretRef(params, report);
  const types = eventTypes(params, report, (t) =>
    /^[a-z_]+$/.test(t)
      ? undefined
      : `${JSON.stringify(t)} is not a GitHub event name (push, pull_request …)`,
  );
  return githubInterceptor({
    label,
    ...(ref ? { secretRef: ref } : {}),
    ...(types ? { eventTypes: types } : {}),
    ...(addChangedFiles ? { addChangedFiles } : {}),
  });
}

function buildHarbor(params: Params, label: string, report: Report): Interceptor {
  const ref = secretRef(params, report);
  const types = eventTypes(params, report, (t) =>
    harborTypes.has(t)
      ? undefined
      : `unknown Harbor event type ${JSON.stringify(t)}; expected one of ${Object.keys(harborEventTypes).join(', ')} (or their CloudEvents names)`,
  );
  return harborInterceptor({
    label,
    ...(ref ? { secretRef: ref } : {}),
    ...(types ? { eventTypes: types } : {}),
  });
}

function buildCel(params: Params, label: string, field: string, report: Report): Interceptor {
  const filterParam = params.get('filter');
  const filter = filterParam ? compile(report, filterParam.field, filterParam.value, 'bool') : undefined;
  const overlays: { key: string; program: CelProgram }[] = [];
  const overlaysParam = params.get('overlays');
  if (overlaysParam) {
    const list = overlaysParam.value;
    if (!Array.isArray(list)) report(overlaysParam.field, 'must be a list of {key, expression}');
    else
      list.forEach((o: unknown, i) => {
        const at = `${overlaysParam.field}[${i}]`;
        const overlay = (o ?? {}) as { key?: unknown; expression?: unknown };
        for (const k of Object.keys(overlay)) {
          if (k !== 'key' && k !== 'expression') report(`${at}.${k}`, 'unknown field');
        }
        if (typeof overlay.key !== 'string' || overlay.key === '') {
          report(`${at}.key`, 'must be a non-empty string (an sjson path into extensions)');
          return;
        }
        const program = compile(report, `${at}.expression`, overlay.expression, 'any');
        if (program) overlays.push({ key: overlay.key, program });
      });
  }
  if (!filterParam && !overlaysParam) report(field, 'a cel interceptor needs a filter or overlays');
  return celInterceptor({ label, ...(filter ? { filter } : {}), overlays });
}

/**
 * Builds one interceptor of a trigger or trigger group from its config, checking its params the
 * way Tekton's interceptors would read them, and compiling CEL once, here. `field` is the
 * interceptor's path (`spec.triggers[0].interceptors[1]`). Returns undefined after reporting when
 * the interceptor cannot be built.
 */
export function buildInterceptor(
  spec: InterceptorSpec,
  field: string,
  report: Report,
): Interceptor | undefined {
  if (spec.webhook !== undefined) {
    report(
      `${field}.webhook`,
      'the legacy webhook interceptor is not supported; use github, harbor or cel (ref.name)',
    );
    return undefined;
  }
  if (!spec.ref) {
    report(`${field}.ref`, 'required: {name: github | harbor | cel}');
    return undefined;
  }
  const kind = spec.ref.name;
  const known = knownParams[kind];
  if (!known) {
    report(`${field}.ref.name`, `interceptor ${kind} is not supported; use github, harbor or cel`);
    return undefined;
  }
  const params: Params = new Map();
  spec.params?.forEach((p, i) => {
    const at = `${field}.params[${i}]`;
    if (params.has(p.name)) report(`${at}.name`, `duplicate param ${p.name}`);
    else if (!known.includes(p.name)) {
      report(`${at}.name`, `unknown ${kind} param ${p.name}; expected ${known.join(', ')}`);
    } else params.set(p.name, { value: p.value, field: `${at}.value` });
  });
  const label = spec.name ? `${kind} (${spec.name})` : kind;
  if (kind === 'github') return buildGithub(params, label, report);
  if (kind === 'harbor') return buildHarbor(params, label, report);
  return buildCel(params, label, field, report);
}
