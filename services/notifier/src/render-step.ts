import type { NotificationJob } from '@signalbox/contracts';
import { describeStep } from './describe-step.ts';
import { escapeMrkdwn } from './escape-mrkdwn.ts';
import { fitMessage } from './fit-message.ts';
import { slackLink } from './slack-link.ts';
import type { Block, SlackMessage } from './slack-message.ts';

/** One step as a thread reply (or a webhook message): emoji, summary, details, link; escaped and within limits. */
export function renderStep(n: NotificationJob): SlackMessage {
  const step = describeStep(n);
  const link = step.link ? ` ${slackLink(step.link.url, step.link.label)}` : '';
  const blocks: Block[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `${step.emoji} ${escapeMrkdwn(step.summary)}${link}` } },
  ];
  if (step.details.length > 0) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(step.details.join('\n')) } });
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `${escapeMrkdwn(n.kind)} · ${escapeMrkdwn(n.occurredAt)}` }],
  });
  return fitMessage({ text: escapeMrkdwn([step.summary, ...step.details].join(' — ')), blocks });
}
