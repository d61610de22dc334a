import type { NotificationJob } from '@signalbox/contracts';
import { describeStep } from './describe-step.ts';

/**
 * The console transport's line (a route without auth or webhook, the local default): one readable
 * line per notification, e.g.
 * `slack #C07A1B2C3D4 [team-a] :x: run.failed org/team-a@abc1234 (main): pipeline build failed in 8m12s — failed tasks: test`.
 */
export function formatConsoleLine(n: NotificationJob, route: { name: string; channel: string }): string {
  const step = describeStep(n);
  const c = n.correlation;
  const subject = c.repo
    ? `${c.repo}${c.sha ? `@${c.sha.slice(0, 7)}` : ''}${c.ref ? ` (${c.ref.replace(/^refs\/(heads|tags)\//, '')})` : ''}`
    : (c.image ?? '');
  const rest = [step.summary, ...step.details, ...(step.link ? [step.link.url] : [])].join(' — ');
  return `slack #${route.channel} [${route.name}] ${step.emoji} ${n.kind}${subject ? ` ${subject}` : ''}: ${rest}`.replace(
    /[\r\n]+/g,
    ' ',
  );
}
