/** A commit status as the fake records it, for assertions. */
export interface FakeCommitStatus {
  readonly owner: string;
  readonly repo: string;
  readonly sha: string;
  readonly state: 'error' | 'failure' | 'pending' | 'success';
  readonly context: string;
  readonly description: string | null;
  readonly targetUrl: string | null;
  /** Login of the token that set it. */
  readonly creator: string;
  readonly id: number;
  readonly createdAt: number;
}
