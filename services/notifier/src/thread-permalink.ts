import type { WebClient } from '@slack/web-api';

/**
 * Permalinks of thread parents, built as Slack builds them: the workspace's address (`auth.test`'s
 * `url`, asked once per bot token and kept) + `archives/<channel>/p<ts without its dot>`. One call
 * per token instead of a `chat.getPermalink` per thread; a failed `auth.test` is not kept, and
 * gives no permalink (the console then shows the channel and ts).
 */
export function threadPermalinks(): (
  client: WebClient,
  channel: string,
  ts: string,
) => Promise<string | undefined> {
  const workspaces = new Map<WebClient, Promise<string | undefined>>();
  return async (client, channel, ts) => {
    let workspace = workspaces.get(client);
    if (!workspace) {
      workspace = client.auth.test().then(
        (res) => (typeof res.url === 'string' && /^https:\/\//.test(res.url) ? res.url : undefined),
        () => {
          workspaces.delete(client);
          return undefined;
        },
      );
      workspaces.set(client, workspace);
    }
    const url = await workspace;
    if (!url) return undefined;
    return `${url.endsWith('/') ? url : `${url}/`}archives/${channel}/p${ts.replace('.', '')}`;
  };
}
