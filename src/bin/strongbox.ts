#!/usr/bin/env node
/** The only place that touches process.argv, process.env, signals and process.exit. */
import { runCli } from '../cli/index.js';

// The first SIGTERM/SIGINT starts a drain; later ones are ignored so that the drain (which seals
// and closes storage) is never cut short by a repeated signal.
const stopSignal = new Promise<string>((resolve) => {
  let received = false;
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      if (received) process.stderr.write(`received ${sig} again: still draining\n`);
      received = true;
      resolve(sig);
    });
  }
});

const code = await runCli(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  stopSignal,
});
process.exitCode = code;
// Wait until everything written to stdout/stderr has been handed to the OS (a pipe to a slow
// reader would otherwise lose the tail of e.g. `audit export`), then exit: the server returns only
// after it has drained and closed, and client commands may have idle keep-alive sockets.
await Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((resolve) => s.write('', () => resolve()))));
process.exit(code);
