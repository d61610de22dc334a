import { Command } from 'commander';
import cliPackage from '../package.json' with { type: 'json' };

type Register = (program: Command) => void;

/**
 * Each top-level command and where it is defined, in the order `--help` lists them. A module is
 * imported only when its command runs (all of them for `--help` or an unknown word): `signalbox
 * start run-scheduler` is a service process that lives for weeks, and importing every command at
 * start made it carry the listener's HTTP stack, the trigger engine and the Octokit client of
 * `trigger test` and `deliveries` — memory for code it never runs (bench/RESULTS.md, round 2).
 */
const commands: Record<string, () => Promise<Register>> = {
  start: async () => (await import('./commands/start.ts')).registerStart,
  validate: async () => (await import('./commands/validate.ts')).registerValidate,
  cel: async () => (await import('./commands/cel-eval.ts')).registerCelEval,
  trigger: async () => (await import('./commands/trigger-test.ts')).registerTriggerTest,
  manifests: async () => (await import('./commands/manifests-set-image.ts')).registerManifestsSetImage,
  deliveries: async () => (await import('./commands/deliveries.ts')).registerDeliveries,
  dlq: async () => (await import('./commands/dlq.ts')).registerDlq,
  demo: async () => (await import('./commands/demo.ts')).registerDemo,
};

const program = new Command('signalbox')
  .description('Signalbox: GitHub and Harbor webhooks to Tekton PipelineRuns, GitOps PRs and Slack')
  .version(cliPackage.version)
  .showHelpAfterError();
const word = process.argv[2];
const named = word !== undefined && Object.hasOwn(commands, word) ? commands[word] : undefined;
for (const load of named ? [named] : Object.values(commands)) (await load())(program);
await program.parseAsync(process.argv);
