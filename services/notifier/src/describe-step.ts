import type { NotificationJob } from '@signalbox/contracts';
import { formatDuration } from './format-duration.ts';
import { readData } from './read-data.ts';

/** One notification in words, before any Slack formatting: every string is event text, unescaped. */
export interface StepDescription {
  readonly emoji: string;
  /** `pipeline build-7xk2p failed in 8m12s` */
  readonly summary: string;
  /** Extra lines: failed tasks, reason, vulnerabilities, PR. */
  readonly details: readonly string[];
  readonly link?: { readonly url: string; readonly label: string };
}

const severityOrder = ['Critical', 'High', 'Medium', 'Low', 'Negligible', 'Unknown'];

/** `1 Critical, 3 High`: counts in severity order. */
export function formatCounts(counts: Readonly<Record<string, number>>): string {
  const keys = Object.keys(counts).sort((a, b) => {
    const ia = severityOrder.indexOf(a);
    const ib = severityOrder.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  });
  return keys.map((k) => `${counts[k]} ${k}`).join(', ');
}

const runWords: Record<string, [string, string]> = {
  'run.queued': [':hourglass:', 'queued'],
  'run.started': [':hourglass_flowing_sand:', 'running'],
  'run.succeeded': [':white_check_mark:', 'succeeded'],
  'run.failed': [':x:', 'failed'],
  'run.cancelled': [':no_entry_sign:', 'cancelled'],
  'run.failed_to_create': [':warning:', 'could not be created'],
};

/** Describes one notification (what the thread reply and the console line say). */
// long-function: one case per notification kind: a table read top to bottom
export function describeStep(n: NotificationJob): StepDescription {
  const d = n.data;
  const details: string[] = [];
  const run = runWords[n.kind];
  if (run) {
    const pipeline = readData.text(d, 'pipeline') ?? readData.text(d, 'name') ?? 'run';
    const ms = readData.number(d, 'durationMs');
    const failed = readData.list(d, 'failedTasks');
    if (failed.length > 0) details.push(`failed tasks: ${failed.join(', ')}`);
    const why = readData.text(d, 'message') ?? readData.text(d, 'reason');
    if (why && n.kind !== 'run.succeeded' && n.kind !== 'run.started') details.push(why);
    const url = readData.text(d, 'url');
    return {
      emoji: run[0],
      summary: `pipeline ${pipeline} ${run[1]}${ms !== undefined && n.kind !== 'run.started' ? ` in ${formatDuration(ms)}` : ''}`,
      details,
      ...(url ? { link: { url, label: 'run' } } : {}),
    };
  }
  const image = `${n.correlation.image ?? 'image'}:${readData.text(d, 'tag') ?? n.correlation.digest?.slice(0, 19) ?? '?'}`;
  switch (n.kind as string) {
    case 'image.pushed':
      return { emoji: ':package:', summary: `image ${image} pushed`, details };
    case 'scan.completed': {
      const counts = readData.counts(d, 'vulnerabilities');
      const severity = readData.text(d, 'severity');
      const serious =
        (counts.Critical ?? 0) + (counts.High ?? 0) > 0 || /^(critical|high)$/i.test(severity ?? '');
      const found = formatCounts(counts);
      return {
        emoji: serious ? ':rotating_light:' : ':shield:',
        summary: `scan of ${image} finished: ${found || (severity ? `severity ${severity}` : 'no vulnerabilities')}`,
        details,
      };
    }
    case 'scan.failed':
      return {
        emoji: ':warning:',
        summary: `scan of ${image} failed`,
        details: [readData.text(d, 'message') ?? ''].filter(Boolean),
      };
    case 'manifest.pr_opened':
    case 'manifest.pr_updated': {
      const { url, number } = readData.pullRequest(d);
      const from = readData.text(d, 'from');
      const to = readData.text(d, 'to');
      if (from || to) details.push(`${from ?? '?'} → ${to ?? '?'}`);
      return {
        emoji: ':twisted_rightwards_arrows:',
        summary: `manifest PR${number ? ` #${number}` : ''} ${n.kind === 'manifest.pr_opened' ? 'opened' : 'updated'}`,
        details,
        ...(url ? { link: { url, label: `PR${number ? ` #${number}` : ''}` } } : {}),
      };
    }
    case 'manifest.gated':
      return {
        emoji: ':no_entry:',
        summary: `image ${image} held back from the manifests`,
        details: [readData.text(d, 'reason') ?? readData.text(d, 'message') ?? ''].filter(Boolean),
      };
    case 'manifest.branch_ready':
      return {
        emoji: ':twisted_rightwards_arrows:',
        summary: `manifest branch ${readData.text(d, 'branch') ?? ''} ready`.replace('  ', ' '),
        details,
      };
    case 'manifest.update_failed':
      return {
        emoji: ':x:',
        summary: 'manifest update failed',
        details: [readData.text(d, 'message') ?? ''].filter(Boolean),
      };
    default:
      return {
        emoji: ':no_entry:',
        summary: `delivery rejected${readData.text(d, 'reason') ? `: ${readData.text(d, 'reason')}` : ''}`,
        details,
      };
  }
}
