import { randomBytes } from 'node:crypto';

/** The three events of the demo, all about one change: a commit, the image built from it, its scan. */
export interface SampleEvents {
  readonly sha: string;
  readonly image: string;
  /** The image tag: the commit's short sha, as the examples' build-microservice tags it. */
  readonly tag: string;
  readonly digest: string;
  readonly push: Record<string, unknown>;
  readonly harborPush: Record<string, unknown>;
  readonly harborScan: Record<string, unknown>;
}

/**
 * Fresh sample events for `microservice` of `repo` (new sha and digest each run, so nothing is a
 * duplicate of an earlier demo): a GitHub push to develop that changes a file under
 * microservices/<name>/, Harbor's PUSH_ARTIFACT of `image`:<short sha>,
 * and its SCANNING_COMPLETED with no findings. Shapes as GitHub and Harbor send them.
 */
export function sampleEvents(options: { repo: string; microservice: string; image: string }): SampleEvents {
  const sha = randomBytes(20).toString('hex');
  const tag = sha.slice(0, 7);
  const digest = `sha256:${randomBytes(32).toString('hex')}`;
  const [owner = '', name = ''] = options.repo.split('/');
  const image = options.image;
  // Harbor names a repository project/name: the image path after the registry host.
  const path = image.split('/').slice(1);
  const project = path.slice(0, -1).join('/');
  const imageName = path.at(-1) ?? '';
  const now = Math.floor(Date.now() / 1000);
  const file = `microservices/${options.microservice}/src/server.ts`;
  const push = {
    ref: 'refs/heads/develop',
    before: '0'.repeat(40),
    after: sha,
    commits: [
      {
        id: sha,
        message: `feat(${options.microservice}): answer health checks faster`,
        timestamp: new Date().toISOString(),
        author: { name: 'Demo Developer', email: 'dev@example.com' },
        added: [],
        modified: [file],
        removed: [],
      },
    ],
    head_commit: { id: sha, message: `feat(${options.microservice}): answer health checks faster` },
    repository: {
      name,
      full_name: options.repo,
      owner: { login: owner },
      clone_url: `https://github.com/${options.repo}.git`,
    },
    pusher: { name: 'demo-developer' },
  };
  const resource = { digest, tag, resource_url: `${image}:${tag}` };
  const repository = {
    name: imageName,
    namespace: project,
    repo_full_name: `${project}/${imageName}`,
    repo_type: 'private',
  };
  const harborPush = {
    type: 'PUSH_ARTIFACT',
    occur_at: now,
    operator: `robot$${project}+ci-push`,
    event_data: { resources: [resource], repository },
  };
  const harborScan = {
    type: 'SCANNING_COMPLETED',
    occur_at: now + 10,
    operator: `robot$${project}+ci-push`,
    event_data: {
      resources: [
        {
          ...resource,
          scan_overview: {
            'application/vnd.security.vulnerability.report; version=1.1': {
              scan_status: 'Success',
              severity: 'None',
              summary: { total: 0, fixable: 0, summary: {} },
              scanner: { name: 'Trivy', vendor: 'Aqua Security', version: 'v0.58.2' },
              complete_percent: 100,
            },
          },
        },
      ],
      repository,
      scan: { scan_type: 'vulnerability' },
    },
  };
  return { sha, image, tag, digest, push, harborPush, harborScan };
}
