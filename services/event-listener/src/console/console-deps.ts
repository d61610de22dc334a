import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { DeliveryLedger } from '../delivery-ledger.ts';
import type { IntakeDeps } from '../intake.ts';

/** What the deliveries console needs: the listener's ledger, intake and queues, and its Redis. */
export interface ConsoleDeps {
  readonly ledger: DeliveryLedger;
  /** The intake the webhooks use: replays and dry runs go through it. */
  readonly intake: IntakeDeps;
  /** Sessions and the live feed. */
  readonly redis: Redis;
  /** The queues the listener feeds: job fates, dead letters, depth. */
  readonly queues: readonly Queue[];
  /** The admin token (the login compares against it); undefined turns logins away. */
  adminToken(): string | undefined;
  readonly logger: Logger;
  /** How long a session lives without a new login (default 8 h). */
  readonly sessionTtlSeconds?: number;
  /**
   * Failed logins allowed per window before logins are answered 429 without comparing the token:
   * per client address (default 10), from all addresses together (default 100), over a window of
   * `windowSeconds` from the first failure (default 900 s, 15 min).
   */
  readonly loginThrottle?: {
    readonly perAddress?: number;
    readonly overall?: number;
    readonly windowSeconds?: number;
  };
  /** How often the live feed reads the ledger index while a list is open (default 500 ms). */
  readonly feedIntervalMs?: number;
}
