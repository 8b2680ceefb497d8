/** The EIP-155 example (eip-155.md, "Example"): signing hash and signed transaction, with libsecp256k1 signing. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { secp256k1 } from '../../crypto/signers/secp256k1.js';
import { parseTransaction, serializeSignedTransaction, transactionSigningHash } from './transaction.js';

const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`;

describe('EIP-155 example', () => {
  const tx = parseTransaction({ type: 'legacy', chainId: 1, nonce: 9, gasPrice: '20000000000', gas: 21000, to: '0x3535353535353535353535353535353535353535', value: '1000000000000000000' });

  it('eip-155.md: signing hash', () => {
    assert.equal(hex(transactionSigningHash(tx)), '0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53');
  });

  it('eip-155.md: signed transaction (v = 37), private key 0x4646…46', () => {
    const sk = new Uint8Array(32).fill(0x46);
    const signer = secp256k1.load(sk, secp256k1.publicKeyOf(sk));
    const sig = signer.sign({ kind: 'digest', digest: transactionSigningHash(tx) }, 'recoverable');
    assert.ok(!(sig instanceof Promise));
    const { rawTransaction } = serializeSignedTransaction(tx, sig.signature);
    assert.equal(
      rawTransaction,
      '0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83',
    );
  });
});
