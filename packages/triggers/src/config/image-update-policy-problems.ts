import { validRange } from 'semver';
import { regexProblem } from '../cel/regex.ts';
import { parseMinAge } from './parse-min-age.ts';
import type { ImageUpdatePolicySpec } from './schemas.ts';

/**
 * Checks an ImageUpdatePolicy beyond its schema, so the manifest-updater never meets a bad value
 * at run time: `image` is a repository (no tag, no digest), `tags.pattern` a regex the linear
 * engine runs (RE2 rules, as CEL's), as is every `ignore.tags` entry, `tags.semver` a valid range,
 * `blockAt` only with a scan gate, `minAge` a duration, and target paths inside the repository.
 * (A remote target without `auth` uses the process token, SIGNALBOX_GITHUB_TOKEN_FILE, which the
 * config cannot see.) Fields are relative to `spec`.
 */
export function imageUpdatePolicyProblems(spec: ImageUpdatePolicySpec): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const lastSegment = spec.image.slice(spec.image.lastIndexOf('/') + 1);
  if (spec.image.includes('@') || lastSegment.includes(':') || /\s|[A-Z]/.test(spec.image)) {
    problems.push({
      field: 'image',
      message: 'must be a repository such as harbor.example.com/team-a/api (lower case, no tag, no digest)',
    });
  }
  if (spec.tags?.pattern !== undefined) {
    const problem = regexProblem(spec.tags.pattern);
    if (problem) problems.push({ field: 'tags.pattern', message: problem });
  }
  if (spec.tags?.semver !== undefined && validRange(spec.tags.semver) === null) {
    problems.push({
      field: 'tags.semver',
      message: `${JSON.stringify(spec.tags.semver)} is not a semver range`,
    });
  }
  spec.ignore.tags.forEach((pattern, i) => {
    const problem = regexProblem(pattern);
    if (problem) problems.push({ field: `ignore.tags[${i}]`, message: problem });
  });
  if (spec.minAge !== undefined && parseMinAge(spec.minAge) === undefined) {
    problems.push({
      field: 'minAge',
      message: `${JSON.stringify(spec.minAge)} is not a duration such as 90s, 10m or 1h30m`,
    });
  }
  if (spec.gate?.blockAt !== undefined && spec.gate.scan !== 'required') {
    problems.push({
      field: 'gate.blockAt',
      message: 'needs scan: required (there is no scan to read it from)',
    });
  }
  spec.target.paths.forEach((path, i) => {
    if (path.startsWith('/') || path.split('/').includes('..')) {
      problems.push({ field: `target.paths[${i}]`, message: 'must be a path inside the repository' });
    }
  });
  return problems;
}
