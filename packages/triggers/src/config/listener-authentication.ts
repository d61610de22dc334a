import type { Credential, Interceptor } from '../interceptors/interceptor.ts';
import type { ListenerModel } from './config-model.ts';

type SecretRef = Credential['secretRef'];

/**
 * What a listener's config requires of a request before its body is worth reading: every secret
 * that can authenticate a sender, by scheme. A request that none of them can authenticate is
 * refused (401) however its triggers would judge it, since `evaluate()` answers unauthenticated
 * unless some authenticating interceptor accepted it.
 */
export interface ListenerAuthentication {
  /** `signalbox.dev/allow-unauthenticated: "true"`: any request is read and evaluated. */
  readonly allowUnauthenticated: boolean;
  /** HMAC secrets of its github interceptors (`X-Hub-Signature-256`), each once. */
  readonly github: readonly SecretRef[];
  /** `Authorization` secrets of its harbor interceptors, each once. */
  readonly harbor: readonly SecretRef[];
  /**
   * Which senders its interceptors read: a listener with harbor interceptors and no github one
   * takes Harbor's small payloads (and Harbor's 3 s timeout); anything else GitHub's.
   */
  readonly senders: 'github' | 'harbor';
}

/** Derives a listener's `ListenerAuthentication` from its triggers' and groups' interceptors. */
export function listenerAuthentication(listener: ListenerModel): ListenerAuthentication {
  const interceptors: Interceptor[] = [
    ...listener.triggers.flatMap((t) => t.interceptors),
    ...listener.groups.flatMap((g) => [...g.interceptors, ...g.triggers.flatMap((t) => t.interceptors)]),
  ];
  const refs = (scheme: Credential['scheme']) => {
    const seen = new Map<string, SecretRef>();
    for (const { credential } of interceptors) {
      if (credential?.scheme === scheme) {
        seen.set(
          `${credential.secretRef.secretName}/${credential.secretRef.secretKey}`,
          credential.secretRef,
        );
      }
    }
    return [...seen.values()];
  };
  const harborOnly =
    interceptors.some((i) => i.sender === 'harbor') && !interceptors.some((i) => i.sender === 'github');
  return {
    allowUnauthenticated: listener.allowUnauthenticated,
    github: refs('github-hmac'),
    harbor: refs('harbor-authorization'),
    senders: harborOnly ? 'harbor' : 'github',
  };
}
