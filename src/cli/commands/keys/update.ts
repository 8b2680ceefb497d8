import { clientFrom, clientOptions, optionalString, output, UsageError, type Command } from '../../command.js';
import { keyTable } from './show.js';

export default {
  path: ['key', 'update'],
  summary: 'Change description or tags, add or remove an alias',
  usage: '<key> [--description TEXT] [--tag K=V ...] [--add-alias A] [--remove-alias A]',
  options: {
    description: { type: 'string', value: 'TEXT', description: 'replace the description' },
    tag: { type: 'string', multiple: true, value: 'K=V', description: 'replace the tags with these (repeat for several)' },
    'add-alias': { type: 'string', value: 'ALIAS', description: 'add an alias (aliases share one namespace with names)' },
    'remove-alias': { type: 'string', value: 'ALIAS', description: 'remove an alias' },
    ...clientOptions,
  },
  positionals: ['key'],
  async run(args, io) {
    const client = clientFrom(args, io);
    const key = args.positionals[0]!;
    const description = optionalString(args, 'description');
    const tagList = args.values['tag'] as unknown as string[] | undefined;
    let tags: Record<string, string> | undefined;
    if (tagList !== undefined) {
      tags = {};
      for (const t of tagList) {
        const i = t.indexOf('=');
        if (i < 1) throw new UsageError(`--tag must be KEY=VALUE, got "${t}"`);
        tags[t.slice(0, i)] = t.slice(i + 1);
      }
    }
    const add = optionalString(args, 'add-alias');
    const remove = optionalString(args, 'remove-alias');
    if (description === undefined && tags === undefined && add === undefined && remove === undefined) throw new UsageError('nothing to change');
    let info = description !== undefined || tags !== undefined ? await client.updateKey(key, { ...(description === undefined ? {} : { description }), ...(tags === undefined ? {} : { tags }) }) : undefined;
    if (add !== undefined) info = await client.addKeyAlias(key, add);
    if (remove !== undefined) info = await client.removeKeyAlias(key, remove);
    return output(args, io, info!, keyTable);
  },
} satisfies Command;
