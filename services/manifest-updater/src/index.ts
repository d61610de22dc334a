export { buildManifestUpdater, type ManifestUpdaterDeps } from './worker.ts';
