import { xorDecode } from '../../../service/sys/generate-root.js';
import { clientFrom, clientOptions, optionalString, output, UsageError, type Command, readStdin } from '../../command.js';

export default {
  path: ['operator', 'generate-root'],
  summary: 'Mint a new root token from a quorum of unseal shares (--init, then each custodian submits a share)',
  usage: '--init | --cancel | --nonce NONCE [SHARE|-] | --decode ENCODED --otp OTP',
  options: { ...clientOptions, init: { type: 'boolean' }, cancel: { type: 'boolean' }, nonce: { type: 'string' }, decode: { type: 'string' }, otp: { type: 'string' } },
  positionals: [],
  async run(args, io) {
    const client = clientFrom(args, io);
    if (args.values['init']) {
      const r = await client.startGenerateRoot();
      return output(args, io, r, (x) => `Nonce: ${x.nonce}\nOTP:   ${x.otp}\n\nKeep the OTP: it decodes the token. Each custodian runs: strongbox operator generate-root --nonce ${x.nonce}`);
    }
    if (args.values['cancel']) return output(args, io, await client.cancelGenerateRoot(), () => 'root-token generation cancelled');
    const decode = optionalString(args, 'decode');
    if (decode !== undefined) {
      const otp = optionalString(args, 'otp');
      if (otp === undefined) throw new UsageError('--decode needs --otp');
      return output(args, io, { rootToken: xorDecode(decode, otp) }, (r) => r.rootToken);
    }
    const nonce = optionalString(args, 'nonce');
    if (nonce === undefined) throw new UsageError('give --init, --cancel, --nonce or --decode');
    let share = args.positionals[0] ?? io.env['STRONGBOX_UNSEAL_SHARE'];
    if (share === undefined || share === '-') share = (await readStdin()).trim();
    if (share === '') throw new UsageError('give a share as argument, in STRONGBOX_UNSEAL_SHARE, or on stdin');
    const r = await client.updateGenerateRoot(nonce, share);
    return output(args, io, r, (x) => (x.complete ? `Complete. Encoded token: ${x.encodedToken}\nDecode with: strongbox operator generate-root --decode ${x.encodedToken} --otp <OTP>` : `${x.progress} of ${x.threshold} shares given`));
  },
} satisfies Command;
