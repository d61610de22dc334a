/** What `/readyz` reports on both ports. */
export interface ListenerReadiness {
  /** A valid config is loaded. */
  readonly config: boolean;
  readonly redis: boolean;
  /** Every secret the config references can be read (absent = not checked). */
  readonly secrets?: boolean;
  /** Why it is not ready, one line each (e.g. the secret file that is missing). */
  readonly reasons?: readonly string[];
}

/**
 * The `/readyz` answer: 200 when every check holds, else 503 with the reasons. A listener whose
 * secret is missing answers every sender 401, which looks like the sender's fault; being unready
 * with the file named makes a rollout stop and says what to mount.
 */
export function readinessAnswer(r: ListenerReadiness): { status: 200 | 503; body: Record<string, unknown> } {
  const ready = r.config && r.redis && r.secrets !== false;
  const checks = {
    config: r.config,
    redis: r.redis,
    ...(r.secrets === undefined ? {} : { secrets: r.secrets }),
  };
  return {
    status: ready ? 200 : 503,
    body: { ready, checks, ...(r.reasons && r.reasons.length > 0 ? { reasons: r.reasons } : {}) },
  };
}
