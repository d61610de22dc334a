import { constantTimeEqual } from './constant-time-equal.ts';
import { harborTypeFromCloudEvent } from './harbor-event-types.ts';
import type { Interceptor } from './interceptor.ts';
import { normalizeHarborPayload } from './normalize-harbor-payload.ts';
import { readSecret } from './read-secret.ts';

export { harborEventTypes } from './harbor-event-types.ts';

export interface HarborInterceptorOptions {
  readonly label: string;
  readonly secretRef?: { secretName: string; secretKey: string };
  /** Default-format names (PUSH_ARTIFACT …) or CloudEvents names; both formats match either. */
  readonly eventTypes?: readonly string[];
}

/**
 * Harbor signs nothing: the only authenticity signal is the policy's "Auth Header", sent verbatim
 * as `Authorization`. It is compared in constant time with the secret. Accepts both payload
 * formats and adds `extensions.harbor` (type, image, tag, digest, severity …).
 */
export function harborInterceptor(options: HarborInterceptorOptions): Interceptor {
  const wanted = options.eventTypes?.map((t) => harborTypeFromCloudEvent[t] ?? t);
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
      const harbor = normalizeHarborPayload(request.body);
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
