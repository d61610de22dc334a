/**
 * Escapes text from an event (commit message, branch, task name) for Slack mrkdwn: `&`, `<` and
 * `>` are the only characters Slack gives control meaning (`<!channel>`, `<@U…>`, `<url|label>`),
 * so after this a commit message cannot ping a channel or forge a link.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
