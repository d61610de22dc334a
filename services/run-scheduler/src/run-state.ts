/** Where a PipelineRun (or TaskRun) stands, read from `status.conditions[type=Succeeded]` and `spec.status`. */
export type RunState = 'pending' | 'waiting' | 'running' | 'succeeded' | 'failed';

export interface RunStatus {
  readonly state: RunState;
  readonly reason?: string;
  readonly message?: string;
  readonly startTime?: string;
  readonly completionTime?: string;
}

export function runStatus(run: { readonly [key: string]: unknown }): RunStatus {
  const spec = (run.spec ?? {}) as { status?: string };
  const status = (run.status ?? {}) as {
    conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
    startTime?: string;
    completionTime?: string;
  };
  const condition = status.conditions?.find((c) => c.type === 'Succeeded');
  const extra = {
    ...(condition?.reason ? { reason: condition.reason } : {}),
    ...(condition?.message ? { message: condition.message } : {}),
    ...(status.startTime ? { startTime: status.startTime } : {}),
    ...(status.completionTime ? { completionTime: status.completionTime } : {}),
  };
  // Any False is a failure whatever the reason (Failed, Cancelled, PipelineRunTimeout, …).
  if (condition?.status === 'True') return { state: 'succeeded', ...extra };
  if (condition?.status === 'False') return { state: 'failed', ...extra };
  if (spec.status === 'PipelineRunPending') return { state: 'pending', ...extra };
  if (condition?.status === 'Unknown' && status.startTime && condition.reason !== 'PipelineRunPending')
    return { state: 'running', ...extra };
  return { state: 'waiting', ...extra };
}
