/**
 * Not a failure: the job must wait (its channel's next slot, a 429's Retry-After, a thread lock).
 * The worker moves it to the delayed set for `delayMs` without using an attempt.
 */
export class RetryLater extends Error {
  readonly delayMs: number;
  constructor(delayMs: number, reason: string) {
    super(reason);
    this.name = 'RetryLater';
    this.delayMs = Math.max(1, Math.round(delayMs));
  }
}
