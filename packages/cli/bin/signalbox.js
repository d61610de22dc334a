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
  // Forward what is sent to this process alone (kill, an orchestrator). A Ctrl-C in a terminal is
  // already delivered to the whole foreground process group, child included; forwarding it too
  // would be a second SIGINT, which the CLI reads as "stop now without draining".
  const fromTerminal = process.stdin.isTTY === true;
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
    process.on(signal, () => {
      if (signal === 'SIGINT' && fromTerminal) return;
      child.kill(signal);
    });
  }
  child.once('exit', (code, signal) => {
    // Died of a signal: report it the way a shell does (128 + signal number).
    process.exit(code ?? 128 + (constants.signals[signal] ?? 0));
  });
} else {
  v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
  await import('../src/main.ts');
}
