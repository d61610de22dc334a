/** One unusable process setting: the variable, the value found, and what would have been accepted. */
export interface ConfigProblem {
  readonly variable: string;
  readonly value: string;
  readonly allowed: string;
}

function describe(p: ConfigProblem): string {
  return `${p.variable}=${JSON.stringify(p.value)} is not valid: expected ${p.allowed}`;
}

/**
 * Process settings that cannot be used. Names every bad variable at once, with its value and the
 * allowed values, so a broken Deployment is fixed in one round instead of one variable per restart.
 */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  /** The first bad variable. */
  readonly variable: string;
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly [ConfigProblem, ...ConfigProblem[]]) {
    super(
      problems.length === 1
        ? describe(problems[0])
        : `${problems.length} invalid settings:\n${problems.map((p) => `  ${describe(p)}`).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.variable = problems[0].variable;
    this.problems = Object.freeze([...problems]);
  }
}
