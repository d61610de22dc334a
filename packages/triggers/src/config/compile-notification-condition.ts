import { createCelCompiler } from '../cel/create-cel-compiler.ts';
import { createTektonEnvironment } from '../cel/create-tekton-environment.ts';

/** A SlackRoute's `when`, compiled and type-checked once at config load. */
export interface NotificationCondition {
  readonly source: string;
  /** True when the route applies; an evaluation error (a missing key …) counts as no match, as a Tekton filter does. */
  matches(notification: Readonly<Record<string, unknown>>): boolean;
}

// One environment for the process: the only variable is the notification (kind, correlation, data).
const compile = createCelCompiler<{ notification: Readonly<Record<string, unknown>> }>(
  createTektonEnvironment({ unlistedVariablesAreDyn: false }).registerVariable(
    'notification',
    'map<string, dyn>',
  ),
);

/**
 * Compiles a SlackRoute `when` expression over `notification` with the same CEL functions, regex
 * rules and limits as trigger filters. Throws `CelError` (`CEL_PARSE` / `CEL_CHECK`, including a
 * result that cannot be bool).
 */
export function compileNotificationCondition(expression: string): NotificationCondition {
  const program = compile(expression, { expect: 'bool' });
  return {
    source: expression,
    matches(notification) {
      try {
        return program.evaluate({ notification }) === true;
      } catch {
        return false;
      }
    },
  };
}
