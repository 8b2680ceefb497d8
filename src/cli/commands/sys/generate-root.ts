import { xorDecode } from '../../../service/sys/generate-root.js';
import { cancelCredential, clientFrom, clientOptions, optionalString, output, readShare, UsageError, type Command } from '../../command.js';

export default {
  path: ['operator', 'generate-root'],
  summary: 'Mint a new root token from a quorum of unseal shares (--init, then each custodian submits a share)',
  usage: '--init | --nonce NONCE [SHARE|-] | --cancel (--nonce NONCE | [SHARE|-]) | --decode ENCODED --otp OTP',
  options: {
    init: { type: 'boolean', description: 'start an attempt; prints its nonce and the one-time pad (OTP) to keep' },
    nonce: { type: 'string', value: 'NONCE', description: "the attempt's nonce: submit an unseal share (argument, STRONGBOX_UNSEAL_SHARE or stdin)" },
    decode: { type: 'string', value: 'ENCODED', description: 'decode the encoded token the last share printed (needs --otp)' },
    otp: { type: 'string', value: 'OTP', description: 'the one-time pad --init printed (with --decode)' },
    cancel: { type: 'boolean', description: 'cancel the attempt in progress: with its --nonce, or one share (argument, STRONGBOX_UNSEAL_SHARE or stdin)' },
    ...clientOptions,
  },
  positionals: [],
  async run(args, io) {
    const client = clientFrom(args, io);
    if (args.values['init']) {
      const r = await client.startGenerateRoot();
      return output(args, io, r, (x) => `Nonce: ${x.nonce}\nOTP:   ${x.otp}\n\nKeep the OTP: it decodes the token. Each custodian runs: strongbox operator generate-root --nonce ${x.nonce}`);
    }
    if (args.values['cancel']) return output(args, io, await client.cancelGenerateRoot(await cancelCredential(args, io)), () => 'root-token generation cancelled');
    const decode = optionalString(args, 'decode');
    if (decode !== undefined) {
      const otp = optionalString(args, 'otp');
      if (otp === undefined) throw new UsageError('--decode needs --otp');
      return output(args, io, { rootToken: xorDecode(decode, otp) }, (r) => r.rootToken);
    }
    const nonce = optionalString(args, 'nonce');
    if (nonce === undefined) throw new UsageError('give --init, --cancel, --nonce or --decode');
    const r = await client.updateGenerateRoot(nonce, await readShare(args, io));
    return output(args, io, r, (x) => (x.complete ? `Complete. Encoded token: ${x.encodedToken}\nDecode with: strongbox operator generate-root --decode ${x.encodedToken} --otp <OTP>` : `${x.progress} of ${x.threshold} shares given`));
  },
} satisfies Command;
