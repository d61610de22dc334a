import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

/** What a service's `main.ts` `start()` returns; `signalbox start` composes these in one process. */
export interface RunningService {
  readonly name: string;
  ready(): boolean | Promise<boolean>;
  /** Stop intake, drain in-flight work, close connections. */
  stop(): Promise<void>;
}

export interface ServiceStartOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  readonly registry: Registry;
}

export type StartService = (options: ServiceStartOptions) => Promise<RunningService>;
