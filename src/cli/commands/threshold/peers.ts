/** `threshold peers show|set`: this server's threshold peers (docs/threshold.md). */
import { readFileSync } from 'node:fs';
import { clientFrom, clientOptions, output, requireString, table, UsageError, type Command } from '../../command.js';
import type { ThresholdPeersRequest, ThresholdPeersResponse } from '../../../protocol/threshold.js';

const peersTable = (r: ThresholdPeersResponse): string =>
  table([
    ['self', r.self ?? '(none)'],
    ['tls identity', r.tls ? 'yes' : 'no (start the server with --tls-cert/--tls-key)'],
    ...r.peers.map((p): [string, unknown] => [`peer ${p.id}`, `${p.url} (principal ${p.principal}${p.pinnedCa ? ', pinned CA' : ''})`]),
  ]);

export const thresholdPeersShow = {
  path: ['threshold', 'peers', 'show'],
  summary: 'Show this server\'s threshold peer id and peers',
  usage: '',
  options: { ...clientOptions },
  positionals: [],
  async run(args, io) {
    return output(args, io, await clientFrom(args, io).getThresholdPeers(), peersTable);
  },
} satisfies Command;

export const thresholdPeersSet = {
  path: ['threshold', 'peers', 'set'],
  summary: 'Replace this server\'s threshold peers from a JSON file ({"self": ..., "peers": [{id, url, principal, ca?}]})',
  usage: '--file FILE',
  options: {
    file: { type: 'string', value: 'FILE', description: 'JSON {"self": "<this server\'s id>", "peers": [{"id", "url", "principal", "ca"?}]}, every participant included; required' },
    ...clientOptions,
  },
  positionals: [],
  async run(args, io) {
    const file = requireString(args, 'file');
    let doc: ThresholdPeersRequest;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8')) as ThresholdPeersRequest;
    } catch (err) {
      throw new UsageError(`--file: ${file} is not readable JSON (${(err as Error).message})`);
    }
    return output(args, io, await clientFrom(args, io).setThresholdPeers(doc), peersTable);
  },
} satisfies Command;
