import { notificationKinds } from '@signalbox/contracts';
import { CelError } from '../cel/cel-error.ts';
import {
  compileNotificationCondition,
  type NotificationCondition,
} from './compile-notification-condition.ts';
import type { SlackRouteSpec } from './schemas.ts';

/**
 * Checks a SlackRoute beyond its schema: every kind is one the services emit, at most one way to
 * reach Slack (a bot token or an incoming webhook; neither means the console in local mode), and
 * `when` compiles to a bool over `notification`. Returns the compiled condition too, so it is
 * compiled once. Fields are relative to `spec`.
 */
export function slackRouteProblems(spec: SlackRouteSpec): {
  problems: { field: string; message: string }[];
  when?: NotificationCondition;
} {
  const problems: { field: string; message: string }[] = [];
  spec.kinds.forEach((kind, i) => {
    if (!(notificationKinds as readonly string[]).includes(kind)) {
      problems.push({
        field: `kinds[${i}]`,
        message: `unknown notification kind ${JSON.stringify(kind)}; expected one of ${notificationKinds.join(', ')}`,
      });
    }
  });
  if (spec.auth && spec.webhook) {
    problems.push({
      field: 'webhook',
      message: 'give either auth (a bot token) or webhook (an incoming-webhook URL), not both',
    });
  }
  if (spec.when === undefined) return { problems };
  try {
    return { problems, when: compileNotificationCondition(spec.when) };
  } catch (err) {
    if (!(err instanceof CelError)) throw err;
    problems.push({
      field: 'when',
      message: `CEL ${err.code === 'CEL_PARSE' ? 'parse' : 'check'} error: ${err.message}`,
    });
    return { problems };
  }
}
