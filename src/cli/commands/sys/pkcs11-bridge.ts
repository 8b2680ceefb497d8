/**
 * `strongbox pkcs11-bridge`: relays stdin/stdout to the local PKCS#11 socket, byte for byte, so a
 * remote application reaches this host's Strongbox through p11-kit's "run a command" address:
 *
 *   P11_KIT_SERVER_ADDRESS='|ssh strongbox-host strongbox pkcs11-bridge --socket /run/strongbox/p11.sock'
 *
 * (p11-kit-client 0.24 runs a server address beginning with `|` as a command and speaks the RPC
 * protocol over its stdin/stdout; `exec:` is not an address form it knows.) The bridge parses nothing:
 * the version byte, frames, PIN and login all pass through to the server, which authenticates and
 * audits every call as for a local client. ssh carries the confidentiality and the host's own access
 * control (who may log in and open the socket) applies. docs/pkcs11.md.
 */
import { createConnection } from 'node:net';
import { categories } from '../../../protocol/errors.js';
import { UsageError, type Command } from '../../command.js';

export default {
  path: ['pkcs11-bridge'],
  summary: 'Relay stdin/stdout to the local PKCS#11 socket (for P11_KIT_SERVER_ADDRESS="|ssh host strongbox pkcs11-bridge")',
  usage: '[--socket PATH]',
  options: {
    socket: { type: 'string', value: 'PATH', description: 'the server\'s --pkcs11-listen-unix socket (STRONGBOX_PKCS11_LISTEN_UNIX)' },
  },
  positionals: [],
  async run(args, io) {
    const path = (args.values['socket'] as string | undefined) ?? io.env['STRONGBOX_PKCS11_LISTEN_UNIX'];
    if (path === undefined || path === '') throw new UsageError('--socket PATH (or STRONGBOX_PKCS11_LISTEN_UNIX) names the PKCS#11 socket');
    const socket = createConnection(path);
    return new Promise<number>((resolve) => {
      let connected = false;
      socket.once('connect', () => {
        connected = true;
        process.stdin.pipe(socket);
        socket.pipe(process.stdout);
        // The application closed its end: let the server see the connection end too.
        process.stdin.once('end', () => socket.end());
      });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        if (!connected) io.stderr(`strongbox pkcs11-bridge: cannot connect to ${path}: ${err.code ?? err.message}\n`);
      });
      socket.once('close', () => {
        process.stdin.unpipe(socket);
        process.stdin.pause();
        // UNAVAILABLE's exit code when the socket could not be reached; 0 when the session ended.
        resolve(connected ? 0 : categories.UNAVAILABLE.exitCode);
      });
    });
  },
} satisfies Command;
