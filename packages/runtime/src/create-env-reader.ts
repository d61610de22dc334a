import { ConfigError, type ConfigProblem } from './config-error.ts';

/**
 * Typed reads of environment variables that collect every bad value instead of stopping at the
 * first. A bad value reads as the fallback; `done()` then throws one `ConfigError` naming them all.
 * An unset or empty variable always means "use the default".
 */
export interface EnvReader {
  text(name: string, fallback: string): string;
  optionalText(name: string): string | undefined;
  /** A decimal integer within [min, max]. */
  integer(name: string, fallback: number, range: { min: number; max: number }): number;
  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined;
  /** A text matching `pattern`; `allowed` describes it in the error. */
  matching(name: string, fallback: string, pattern: RegExp, allowed: string): string;
  /** A URL whose scheme (without ":") is one of `schemes`. */
  url(name: string, fallback: string, schemes: readonly string[], example: string): string;
  /** Comma-separated, trimmed, empty items dropped. */
  list(name: string): string[] | undefined;
  /** Records a problem found by a check across variables (reads as one more bad value). */
  problem(variable: string, value: string, allowed: string): void;
  /** Throws a `ConfigError` if any read so far was bad. */
  done(): void;
}

/** An `EnvReader` over `env` (pure: it only reads the object it is given). */
export function createEnvReader(env: NodeJS.ProcessEnv): EnvReader {
  const problems: ConfigProblem[] = [];
  const raw = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value === '' ? undefined : value;
  };
  const bad = <T>(variable: string, value: string, allowed: string, fallback: T): T => {
    problems.push({ variable, value, allowed });
    return fallback;
  };
  return {
    text: (name, fallback) => raw(name) ?? fallback,
    optionalText: (name) => raw(name),
    integer(name, fallback, { min, max }) {
      const value = raw(name);
      if (value === undefined) return fallback;
      const n = Number(value);
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
        return bad(name, value, `an integer from ${min} to ${max}`, fallback);
      }
      return n;
    },
    oneOf(name, allowed) {
      const value = raw(name);
      if (value === undefined) return undefined;
      if ((allowed as readonly string[]).includes(value)) return value as (typeof allowed)[number];
      return bad(name, value, `one of ${allowed.join(', ')}`, undefined);
    },
    matching(name, fallback, pattern, allowed) {
      const value = raw(name);
      if (value === undefined) return fallback;
      return pattern.test(value) ? value : bad(name, value, allowed, fallback);
    },
    url(name, fallback, schemes, example) {
      const value = raw(name);
      if (value === undefined) return fallback;
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        return bad(name, value, `a URL such as ${example}`, fallback);
      }
      const scheme = url.protocol.slice(0, -1);
      if (!schemes.includes(scheme)) {
        return bad(name, value, `a ${schemes.map((s) => `${s}://`).join(' or ')} URL`, fallback);
      }
      return value;
    },
    list(name) {
      const value = raw(name);
      if (value === undefined) return undefined;
      return value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
    },
    problem(variable, value, allowed) {
      bad(variable, value, allowed, undefined);
    },
    done() {
      const [first, ...rest] = problems;
      if (first) throw new ConfigError([first, ...rest]);
    },
  };
}
