/**
 * Peers measured in the same run:
 *  - a SoftHSM2 token signing secp256k1 ECDSA through PKCS#11 (pkcs11js), in this process, on one
 *    core: C_SignInit + C_Sign of a 32-byte digest with a key pair generated inside the token;
 *  - AWS KMS `Sign` requests as the AWS SDK makes them (SigV4-signed), captured once and replayed by
 *    the same load generator against moto_server and against Strongbox's AWS-compatible endpoint.
 */
import { randomBytes } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { CreateKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { createSoftHsm, SOFTHSM2_LIBRARY } from '../test/helpers/softhsm.js';

/** DER of the secp256k1 OID (1.3.132.0.10), the CKA_EC_PARAMS of the key pair. */
const SECP256K1_OID = Buffer.from('06052b8104000a', 'hex');

export function softHsmSignRate(options: { warmupMs: number; durationMs: number }): { signPerSec: number } {
  const hsm = createSoftHsm({ tokenLabel: 'strongbox-bench' });
  const p11 = new pkcs11js.PKCS11();
  p11.load(SOFTHSM2_LIBRARY);
  p11.C_Initialize();
  try {
    const slot = p11.C_GetSlotList(true).find((s) => p11.C_GetTokenInfo(s).label.trim() === hsm.tokenLabel);
    if (slot === undefined) throw new Error('SoftHSM2 token not found');
    const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    p11.C_Login(session, pkcs11js.CKU_USER, hsm.pin);
    const keys = p11.C_GenerateKeyPair(
      session,
      { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
      [
        { type: pkcs11js.CKA_EC_PARAMS, value: SECP256K1_OID },
        { type: pkcs11js.CKA_VERIFY, value: true },
        { type: pkcs11js.CKA_TOKEN, value: false },
      ],
      [
        { type: pkcs11js.CKA_SIGN, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: false },
        { type: pkcs11js.CKA_TOKEN, value: false },
      ],
    );
    const digest = randomBytes(32);
    const out = Buffer.alloc(64);
    const signOnce = (): void => {
      p11.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, keys.privateKey);
      p11.C_Sign(session, digest, out);
    };
    const run = (ms: number): number => {
      const start = process.hrtime.bigint();
      const deadline = start + BigInt(ms) * 1_000_000n;
      let n = 0;
      let now = start;
      while (now < deadline) {
        for (let i = 0; i < 16; i++) signOnce();
        n += 16;
        now = process.hrtime.bigint();
      }
      return n / (Number(now - start) / 1e9);
    };
    run(options.warmupMs);
    const signPerSec = run(options.durationMs);
    p11.C_Logout(session);
    p11.C_CloseSession(session);
    return { signPerSec };
  } finally {
    p11.C_Finalize();
    p11.close();
    hsm.cleanup();
  }
}

export interface CapturedRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** An AWS SDK client whose HTTP handler records the signed request instead of sending it. */
function capturingClient(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string }, sink: { request?: CapturedRequest }): KMSClient {
  return new KMSClient({
    endpoint,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    requestHandler: {
      handle: async (req: { protocol: string; hostname: string; port?: number; path: string; headers: Record<string, string>; body?: unknown }) => {
        const { host: _host, 'content-length': _len, ...headers } = req.headers;
        sink.request = { url: `${req.protocol}//${req.hostname}:${req.port}${req.path}`, headers, body: String(req.body) };
        throw new Error('captured');
      },
    } as never,
  });
}

/**
 * Creates an ECC_SECG_P256K1 signing key through the real endpoint, then captures one SigV4-signed
 * `Sign` request (MessageType DIGEST, ECDSA_SHA_256) for replay. The signature stays valid for the
 * endpoint's clock-skew window (5 minutes), far longer than a load run.
 */
export async function captureSignRequest(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string }): Promise<CapturedRequest> {
  const real = new KMSClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  const created = await real.send(new CreateKeyCommand({ KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'SIGN_VERIFY' }));
  real.destroy();
  const sink: { request?: CapturedRequest } = {};
  const client = capturingClient(endpoint, credentials, sink);
  await client.send(new SignCommand({ KeyId: created.KeyMetadata!.KeyId!, Message: randomBytes(32), MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' })).catch(() => undefined);
  client.destroy();
  if (sink.request === undefined) throw new Error('the AWS SDK request was not captured');
  return sink.request;
}
