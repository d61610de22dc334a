import { Octokit } from '@octokit/rest';
import type { GitHubFiles } from '../types.ts';

/**
 * Lists a pull request's files through the GitHub REST API (all pages, 100 a page), as Tekton's
 * `addChangedFiles` does. `baseUrl` is for tests and GitHub Enterprise; an `X-GitHub-Enterprise-Host`
 * header is used only when it is in `allowedEnterpriseHosts` (SSRF guard).
 */
export function octokitGitHubFiles(
  options: { baseUrl?: string; allowedEnterpriseHosts?: readonly string[] } = {},
): GitHubFiles {
  return {
    async listPullRequestFiles({ owner, repo, number, token, enterpriseHost }) {
      const baseUrl =
        enterpriseHost && options.allowedEnterpriseHosts?.includes(enterpriseHost)
          ? `https://${enterpriseHost}/api/v3`
          : (options.baseUrl ?? 'https://api.github.com');
      const octokit = new Octokit({
        baseUrl,
        ...(token ? { auth: token } : {}),
        request: { timeout: 5_000 },
      });
      const files = await octokit.paginate(octokit.rest.pulls.listFiles, {
        owner,
        repo,
        pull_number: number,
        per_page: 100,
      });
      return files.map((f) => f.filename);
    },
  };
}
