import { escapeMrkdwn } from './escape-mrkdwn.ts';

/**
 * A mrkdwn link `<url|label>` when `url` is a plain http(s) URL (no `<`, `>`, `|` or spaces that
 * could end the link early and forge another); otherwise the label and the URL as escaped text.
 */
export function slackLink(url: string, label: string): string {
  const safe = /^https?:\/\/[^\s<>|]+$/.test(url);
  return safe ? `<${url}|${escapeMrkdwn(label)}>` : `${escapeMrkdwn(label)} (${escapeMrkdwn(url)})`;
}
