import { CelError } from '../cel/cel-error.ts';
import { createTektonEnvironment } from '../cel/create-tekton-environment.ts';

/** A SlackRoute's `when`, compiled and type-checked once at config load. */
export interface NotificationCondition {
  readonly source: string;
  /** True when the route applies; an evaluation error (a missing key …) counts as no match, as a Tekton filter does. */
  matches(notification: Readonly<Record<string, unknown>>): boolean;
}

// One environment for the process: the only variable is the notification (kind, correlation, data).
const environment = createTektonEnvironment({ unlistedVariablesAreDyn: false }).registerVariable(
  'notification',
  'map<string, dyn>',
);

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0] ?? '';
}

/**
 * Compiles a SlackRoute `when` expression over `notification` with the same CEL functions as
 * trigger filters. Throws `CelError` (`CEL_PARSE` / `CEL_CHECK`, including a non-bool result).
 */
export function compileNotificationCondition(expression: string): NotificationCondition {
  let fn: ReturnType<typeof environment.parse>;
  try {
    fn = environment.parse(expression);
  } catch (err) {
    throw new CelError('CEL_PARSE', firstLine(err), { cause: err });
  }
  const checked = fn.check();
  if (!checked.valid) throw new CelError('CEL_CHECK', firstLine(checked.error), { cause: checked.error });
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    throw new CelError('CEL_CHECK', `a condition must be a bool expression; this one is ${checked.type}`);
  }
  return {
    source: expression,
    matches(notification) {
      try {
        return fn({ notification }) === true;
      } catch {
        return false;
      }
    },
  };
}
