/** `key disable|enable|delete|cancel-deletion|rotate`: lifecycle transitions, one small command each. */
import { clientFrom, clientOptions, output, parseDurationFlag, type Command } from '../../command.js';
import { keyTable } from './show.js';

export const keyDisable = {
  path: ['key', 'disable'],
  summary: 'Disable a key (refuses all cryptographic use until enabled)',
  usage: '<key>',
  options: { ...clientOptions },
  positionals: ['key'],
  async run(args, io) {
    return output(args, io, await clientFrom(args, io).disableKey(args.positionals[0]!), keyTable);
  },
} satisfies Command;

export const keyEnable = {
  path: ['key', 'enable'],
  summary: 'Enable a disabled key',
  usage: '<key>',
  options: { ...clientOptions },
  positionals: ['key'],
  async run(args, io) {
    return output(args, io, await clientFrom(args, io).enableKey(args.positionals[0]!), keyTable);
  },
} satisfies Command;

export const keyDelete = {
  path: ['key', 'delete'],
  summary: 'Schedule a key for destruction after a waiting period (default 30 days)',
  usage: '<key> [--pending-days DAYS]',
  options: {
    'pending-days': { type: 'string', value: 'DAYS', description: 'days (or a duration such as 7d) before the key is destroyed (7-30; cancel-deletion stops it until then)', default: '30' },
    ...clientOptions,
  },
  positionals: ['key'],
  async run(args, io) {
    const days = parseDurationFlag(args, 'pending-days', 'days');
    return output(args, io, await clientFrom(args, io).scheduleKeyDeletion(args.positionals[0]!, days === undefined ? {} : { pendingDays: days }), keyTable);
  },
} satisfies Command;

export const keyCancelDeletion = {
  path: ['key', 'cancel-deletion'],
  summary: 'Cancel a scheduled deletion (the key returns disabled)',
  usage: '<key>',
  options: { ...clientOptions },
  positionals: ['key'],
  async run(args, io) {
    return output(args, io, await clientFrom(args, io).cancelKeyDeletion(args.positionals[0]!), keyTable);
  },
} satisfies Command;

export const keyRotate = {
  path: ['key', 'rotate'],
  summary: 'Rotate an aes256 key (new version encrypts; old versions still decrypt)',
  usage: '<key>',
  options: { ...clientOptions },
  positionals: ['key'],
  async run(args, io) {
    return output(args, io, await clientFrom(args, io).rotateKey(args.positionals[0]!), keyTable);
  },
} satisfies Command;
