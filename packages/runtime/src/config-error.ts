/** A process setting that cannot be used: names the variable, the value and what is allowed. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly variable: string;
  constructor(variable: string, value: string, allowed: string) {
    super(`${variable}=${JSON.stringify(value)} is not valid: expected ${allowed}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}
