/**
 * Ends a command whose feature is not built yet: exit 2 and say so on stderr. Never fake output:
 * scripts must be able to tell "not there" from "nothing to report".
 */
export function notBuilt(command: string, what: string): never {
  process.stderr.write(`signalbox ${command}: not built yet (${what})\n`);
  process.exit(2);
}
