export { buildNotifier, type NotifierDeps } from './worker.ts';
