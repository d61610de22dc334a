import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Node } from 'typescript/unstable/ast';
import {
  isArrowFunction,
  isConstructorDeclaration,
  isFunctionDeclaration,
  isFunctionExpression,
  isGetAccessorDeclaration,
  isMethodDeclaration,
  isPropertyAssignment,
  isSetAccessorDeclaration,
  isVariableDeclaration,
} from 'typescript/unstable/ast/is';
import { API } from 'typescript/unstable/sync';

/** Past this many lines a function is split by its steps, or says in one line why it is not. */
export const maxFunctionLines = 80;

/** The marker that excuses a long function: `// long-function: <reason>` above it (TSDoc may sit between). */
const marker = /long-function:\s*\S/;

/** Every workspace's `src`; the test kit's protocol fakes are test code and are left out. */
const projects = [
  'packages/cli',
  'packages/contracts',
  'packages/manifests',
  'packages/runtime',
  'packages/testkit',
  'packages/triggers',
  'services/event-listener',
  'services/manifest-updater',
  'services/notifier',
  'services/run-scheduler',
];
const fakes = /^packages\/testkit\/src\/(github|kube|slack)\//;

export interface LongFunction {
  readonly file: string;
  readonly line: number;
  readonly name: string;
  readonly lines: number;
  /** The reason given above it, if any. */
  readonly reason?: string;
}

const isFunctionLike = (n: Node) =>
  isFunctionDeclaration(n) ||
  isMethodDeclaration(n) ||
  isArrowFunction(n) ||
  isFunctionExpression(n) ||
  isConstructorDeclaration(n) ||
  isGetAccessorDeclaration(n) ||
  isSetAccessorDeclaration(n);

function nameOf(n: Node): string {
  const own = (n as { name?: { text?: string } }).name?.text;
  if (own) return own;
  const parent = n.parent;
  if (parent && (isVariableDeclaration(parent) || isPropertyAssignment(parent))) {
    return (parent as { name?: { text?: string } }).name?.text ?? '(anonymous)';
  }
  return isConstructorDeclaration(n) ? 'constructor' : '(anonymous)';
}

/** The reason on a comment line directly above `line` (0-based), looking past TSDoc and comments. */
function reasonAbove(lines: readonly string[], line: number): string | undefined {
  for (let i = line - 1; i >= 0; i--) {
    const text = (lines[i] ?? '').trim();
    if (!/^(\/\/|\/\*|\*)/.test(text)) return undefined;
    const m = marker.exec(text);
    if (m) return text.slice(text.indexOf('long-function:') + 'long-function:'.length).trim();
  }
  return undefined;
}

/** Lists every function longer than `maxFunctionLines` in the workspaces' sources. */
export function listLongFunctions(root: string): LongFunction[] {
  const api = new API({ cwd: root });
  const out: LongFunction[] = [];
  try {
    for (const project of projects) {
      const snapshot = api.updateSnapshot({ openProject: join(root, project, 'tsconfig.json') });
      const program = snapshot.getProjects()[0]?.program;
      if (!program) throw new Error(`no program for ${project}`);
      for (const fileName of program.getSourceFileNames()) {
        const file = relative(root, fileName);
        if (!file.startsWith(`${project}/src/`) || fakes.test(file) || file.endsWith('.d.ts')) continue;
        const sourceFile = program.getSourceFile(fileName);
        if (!sourceFile) continue;
        const text = readFileSync(fileName, 'utf8');
        const lines = text.split('\n');
        const lineAt = (pos: number) => text.slice(0, pos).split('\n').length - 1;
        const visit = (node: Node): void => {
          if (isFunctionLike(node)) {
            const start = node.getStart(sourceFile);
            const first = lineAt(start);
            const length = lineAt(node.end) - first + 1;
            if (length > maxFunctionLines) {
              // An arrow's reason sits above its `const`, which starts on the same line.
              const reason = reasonAbove(lines, first);
              out.push({
                file,
                line: first + 1,
                name: nameOf(node),
                lines: length,
                ...(reason ? { reason } : {}),
              });
            }
          }
          node.forEachChild(visit);
        };
        sourceFile.forEachChild(visit);
      }
    }
  } finally {
    api.close();
  }
  return out;
}

if (import.meta.main) {
  const found = listLongFunctions(join(import.meta.dirname, '..'));
  for (const f of found) {
    console.log(
      `${f.file}:${f.line} ${f.name} ${f.lines} lines${f.reason ? ` — ${f.reason}` : ' — NO REASON'}`,
    );
  }
  if (found.some((f) => !f.reason)) process.exitCode = 1;
}
