#!/usr/bin/env node
/** The only place that touches process.argv, process.env, signals and process.exit. */
import { runCli } from '../cli/index.js';

const stopSignal = new Promise<string>((resolve) => {
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => resolve(sig));
});

const code = await runCli(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  stopSignal,
});
process.exitCode = code;
// Remote commands end here; the server returns only after it has drained and closed.
process.exit(code);
