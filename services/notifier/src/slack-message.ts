/** A Block Kit block, as far as the notifier builds them. */
export type Block =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji?: boolean } }
  | { type: 'section'; text?: { type: 'mrkdwn'; text: string }; fields?: { type: 'mrkdwn'; text: string }[] }
  | { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] }
  | { type: 'divider' };

/** What is sent to Slack: blocks and the plain `text` fallback (notifications, screen readers). */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: Block[];
}
