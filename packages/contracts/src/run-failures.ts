/** A run that a runs job could not create, as the job's error lists it. */
export interface RunFailure {
  /** The name it was to be created under (`deterministicName`). */
  readonly name: string;
  readonly trigger: string;
  readonly index: number;
  /** The API's HTTP status, if it answered. */
  readonly status?: number | undefined;
  /** The API's message (or the client's, when the API did not answer). */
  readonly message: string;
}

/**
 * One failed run's part of a runs job's error: the API's message first, then which run and the
 * status. The run-scheduler joins a job's parts with `; `; the console finds a run's part by its
 * name (`runFailureIn`).
 */
export function runFailureLine(failure: RunFailure): string {
  const { name, trigger, index, status, message } = failure;
  return `${message} (run ${name}, trigger ${trigger}, resource ${index}${status ? `, HTTP ${status}` : ''})`;
}

/**
 * What a runs job's error (`failedReason`) says of run `name`: its part, or undefined when the
 * error names runs and not this one (the run was created), or null when the error names no run
 * (it is about the whole job, or comes from a scheduler that did not name runs).
 */
export function runFailureIn(reason: string, name: string): string | null | undefined {
  const at = reason.indexOf(`(run ${name}, trigger `);
  if (at < 0) return /\(run [a-z0-9.-]+, trigger /.test(reason) ? undefined : null;
  const start = reason.lastIndexOf('); ', at);
  return reason.slice(start < 0 ? 0 : start + 3, reason.indexOf(')', at) + 1);
}
