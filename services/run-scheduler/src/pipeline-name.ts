/**
 * The pipeline a run executes (`spec.pipelineRef.name`; for a TaskRun `spec.taskRef.name`), so
 * notifications can name it — it is what stays the same across a commit's runs (a commit status's
 * context, the pipeline shown in Slack), unlike the run's generated name.
 */
export function pipelineName(object: { readonly [key: string]: unknown }): string | undefined {
  const spec = (object.spec ?? {}) as { pipelineRef?: { name?: unknown }; taskRef?: { name?: unknown } };
  const name = spec.pipelineRef?.name ?? spec.taskRef?.name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}
