#!/usr/bin/env node
// The `signalbox` launcher. Plain JavaScript so any Node can read it: on a Node older than 24 it
// re-runs itself on the Node 24 binary the `node` npm package installed; on Node 24 it turns on
// V8's linear regex engine for excessive backtracking (CEL `matches()` runs on JS RegExp, and this
// is the ReDoS guard; it must be set before any RegExp is compiled) and runs the CLI.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  let node24;
  try {
    node24 = createRequire(import.meta.url).resolve('node/bin/node');
  } catch {
    process.stderr.write(
      `signalbox needs Node.js 24; this is ${process.version} and no node@24 package is installed (run npm ci)\n`,
    );
    process.exit(1);
  }
  const child = spawn(node24, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  child.once('error', (err) => {
    process.stderr.write(`signalbox: cannot run ${node24}: ${err.message}\n`);
    process.exit(1);
  });
  // Forward every signal. A terminal's Ctrl-C also reaches the child directly (same process
  // group), so it may get two SIGINTs within milliseconds; the CLI counts signals that arrive
  // together as one (onShutdown), while a signal sent to this process alone (kill, an
  // orchestrator) must be forwarded or the child would never hear it.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.once('exit', (code, signal) => {
    // Died of a signal: report it the way a shell does (128 + signal number).
    process.exit(code ?? 128 + (constants.signals[signal] ?? 0));
  });
} else {
  v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
  await import('../src/main.ts');
}
