import { clientFrom, clientOptions, output, type Command } from '../../command.js';

export default {
  path: ['policy', 'list'],
  summary: 'List policies (built-in and stored)',
  usage: '',
  options: { ...clientOptions },
  positionals: [],
  async run(args, io) {
    return output(args, io, await clientFrom(args, io).listPolicies(), (r) => r.policies.map((p) => `${p.name}${p.builtin ? '  (built-in)' : ''}`).join('\n'));
  },
} satisfies Command;
