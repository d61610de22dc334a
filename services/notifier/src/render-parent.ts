import type { NotificationJob } from '@signalbox/contracts';
import { describeStep, formatCounts } from './describe-step.ts';
import { escapeMrkdwn } from './escape-mrkdwn.ts';
import { fitMessage } from './fit-message.ts';
import { formatDuration } from './format-duration.ts';
import { kindRank } from './kind-rank.ts';
import { readData } from './read-data.ts';
import { slackLink } from './slack-link.ts';
import type { Block, SlackMessage } from './slack-message.ts';

export interface RenderOptions {
  /** Web base for commit links when the repo is `owner/name` (default https://github.com). */
  readonly githubWebUrl?: string;
}

/** Latest first by progression, then by time: the step a parent message shows. */
export function byProgression(a: NotificationJob, b: NotificationJob): number {
  return kindRank(a.kind) - kindRank(b.kind) || a.occurredAt.localeCompare(b.occurredAt);
}

/**
 * The parent message of a change: the state of its furthest step, and the facts gathered from
 * every step (repo, branch, linked commit, pipeline and duration, failed tasks, image, scan counts,
 * PR, manifest change). Built from the whole set of the change's notifications, so arrival order
 * does not matter. Event text is mrkdwn-escaped; the result is within Slack's limits.
 */
export function renderParent(events: readonly NotificationJob[], options: RenderOptions = {}): SlackMessage {
  const sorted = [...events].sort(byProgression);
  const head = sorted.at(-1);
  if (!head) throw new Error('renderParent needs at least one notification');
  const facts: Record<string, string> = {};
  let failedTasks: string[] = [];
  for (const n of sorted) {
    const c = n.correlation;
    const d = n.data;
    if (c.repo) facts.repo = c.repo;
    if (c.sha) facts.sha = c.sha;
    if (c.ref) facts.branch = c.ref.replace(/^refs\/(heads|tags)\//, '');
    if (c.image) facts.image = c.image;
    const tag = readData.text(d, 'tag');
    if (tag) facts.tag = tag;
    const message = readData.text(d, 'commitMessage');
    if (message) facts.commitMessage = message;
    if (n.kind.startsWith('run.')) {
      const step = describeStep(n);
      facts.pipeline = `${readData.text(d, 'pipeline') ?? readData.text(d, 'name') ?? 'run'} ${step.emoji}`;
      const ms = readData.number(d, 'durationMs');
      if (ms !== undefined) facts.duration = formatDuration(ms);
      failedTasks = readData.list(d, 'failedTasks');
    }
    const counts = readData.counts(d, 'vulnerabilities');
    if (n.kind === 'scan.completed') facts.vulnerabilities = formatCounts(counts) || 'none';
    const pr = n.kind.startsWith('manifest.pr_') ? readData.pullRequest(d) : undefined;
    if (pr?.url) facts.pr = slackLink(pr.url, `PR${pr.number !== undefined ? ` #${pr.number}` : ''}`);
    const from = readData.text(d, 'from');
    const to = readData.text(d, 'to');
    if (from || to) facts.change = escapeMrkdwn(`${from ?? '?'} → ${to ?? '?'}`);
  }
  const shortSha = facts.sha?.slice(0, 7);
  const title = facts.repo
    ? `${facts.repo}${shortSha ? ` ${shortSha}` : ''}`
    : `${facts.image ?? 'change'}${facts.tag ? `:${facts.tag}` : ''}`;
  const step = describeStep(head);
  const base = options.githubWebUrl ?? 'https://github.com';
  const commit =
    facts.sha && shortSha
      ? facts.repo && /^[\w.-]+\/[\w.-]+$/.test(facts.repo)
        ? slackLink(`${base}/${facts.repo}/commit/${facts.sha}`, shortSha)
        : `\`${shortSha}\``
      : undefined;
  const field = (label: string, value: string | undefined, trusted = false) =>
    value ? [{ type: 'mrkdwn' as const, text: `*${label}:* ${trusted ? value : escapeMrkdwn(value)}` }] : [];
  const fields = [
    ...field('Repo', facts.repo),
    ...field('Branch', facts.branch),
    ...field('Commit', commit, true),
    ...field('Pipeline', facts.pipeline),
    ...field('Duration', facts.duration),
    ...field('Image', facts.image ? `${facts.image}${facts.tag ? `:${facts.tag}` : ''}` : undefined),
    ...field('Vulnerabilities', facts.vulnerabilities),
    ...field('PR', facts.pr, true),
    ...field('Change', facts.change, true),
  ];
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: title, emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: `${step.emoji} *${escapeMrkdwn(step.summary)}*` } },
  ];
  if (fields.length > 0) blocks.push({ type: 'section', fields });
  if (facts.commitMessage)
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `> ${escapeMrkdwn(facts.commitMessage.split('\n')[0] ?? '')}` },
    });
  if (failedTasks.length > 0 && head.kind === 'run.failed') {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `*Failed tasks:* ${escapeMrkdwn(failedTasks.join(', '))}` },
    });
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `${escapeMrkdwn(head.kind)} · ${escapeMrkdwn(head.occurredAt)}` }],
  });
  return fitMessage({ text: escapeMrkdwn(`${title}: ${step.summary}`), blocks });
}
