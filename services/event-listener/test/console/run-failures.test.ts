import { runFailureIn, runFailureLine } from '@signalbox/contracts';
import { describe, expect, it } from 'vitest';

const refused = runFailureLine({
  name: 'deploy-x7k2p',
  trigger: 'deploy',
  index: 1,
  status: 422,
  message: 'KUBE_422: spec.params (a list): Invalid value',
});
const unreachable = runFailureLine({
  name: 'build-q9z',
  trigger: 'build',
  index: 0,
  message: 'TimeoutError: aborted',
});

describe('a runs job’s error, run by run', () => {
  it('gives each named run its own part, a message with parentheses included', () => {
    const reason = `${refused}; ${unreachable}`;
    expect(runFailureIn(reason, 'deploy-x7k2p')).toBe(
      'KUBE_422: spec.params (a list): Invalid value (run deploy-x7k2p, trigger deploy, resource 1, HTTP 422)',
    );
    expect(runFailureIn(reason, 'build-q9z')).toBe(
      'TimeoutError: aborted (run build-q9z, trigger build, resource 0)',
    );
  });

  it('says a run the error does not name was not what failed, and tells an error naming no run apart', () => {
    expect(runFailureIn(refused, 'build-q9z')).toBeUndefined();
    expect(runFailureIn('KUBE_422: spec.params: Invalid value', 'build-q9z')).toBeNull();
    // A name that only starts like a named one is not it.
    expect(runFailureIn(refused, 'deploy-x7k')).toBeUndefined();
  });
});
