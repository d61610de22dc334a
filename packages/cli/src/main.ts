import { Command } from 'commander';
import cliPackage from '../package.json' with { type: 'json' };
import { registerCelEval } from './commands/cel-eval.ts';
import { registerDeliveries } from './commands/deliveries.ts';
import { registerDemo } from './commands/demo.ts';
import { registerDlq } from './commands/dlq.ts';
import { registerManifestsSetImage } from './commands/manifests-set-image.ts';
import { registerStart } from './commands/start.ts';
import { registerTriggerTest } from './commands/trigger-test.ts';
import { registerValidate } from './commands/validate.ts';

const program = new Command('signalbox')
  .description('Signalbox: GitHub and Harbor webhooks to Tekton PipelineRuns, GitOps PRs and Slack')
  .version(cliPackage.version)
  .showHelpAfterError();
registerStart(program);
registerValidate(program);
registerCelEval(program);
registerTriggerTest(program);
registerManifestsSetImage(program);
registerDeliveries(program);
registerDlq(program);
registerDemo(program);
await program.parseAsync(process.argv);
