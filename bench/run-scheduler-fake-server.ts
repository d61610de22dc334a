// The Kubernetes API half of bench/run-scheduler.ts, in its own process (an API server is
// another machine; in-process it would share the event loop with what is measured). Prints the
// kubeconfig path on stdout; exits on SIGTERM or when stdin closes.
import { startKubeFake } from '@signalbox/testkit';

const fake = await startKubeFake({ namespaces: ['ci'] });
const stop = async () => {
  await fake.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
process.stdout.write(`${fake.kubeconfigPath}\n`);
