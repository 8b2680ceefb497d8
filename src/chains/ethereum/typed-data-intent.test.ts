/**
 * Typed data → intent: each permit shape (ERC-2612, DAI, ERC-3009, Permit2's allowance and signature-transfer forms)
 * built as dapps send it, through Strongbox's parser, becomes the intent of the approve it replaces;
 * near misses (a `Permit` with other fields, reordered fields, another nested struct) are typed data the
 * rules cannot read. The fixtures are checked against the canonical type strings with ethers'
 * TypedDataEncoder and the selectors with viem, so the table does not grade itself.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFunctionData, erc20Abi, hashTypedData, toFunctionSelector, type TypedDataDefinition } from 'viem';
import { TypedDataEncoder, id } from 'ethers';
import { StrongboxError } from '../../protocol/errors.js';
import { parseTypedData, typedDataHash, typedDataToJson } from './typed-data.js';
import { MAX_UINT256, PERMIT_SELECTORS, typedDataIntent, type PermitKind } from './typed-data-intent.js';

const OWNER = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const SPENDER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const USDC = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48';
const DAI = '0x6B175474E89094C44Da98b954EedeAC495271d0F';
const WETH = '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2';
const PERMIT2 = '0x000000000022D473030F116dDEE9F6B43aC78BA3';
const now = new Date('2026-11-18T10:00:00Z');

type Field = { name: string; type: string };
const f = (spec: string): Field[] => spec.split(',').map((p) => { const [type, name] = p.trim().split(' '); return { name: name!, type: type! }; });

const ERC2612_TYPES = { Permit: f('address owner,address spender,uint256 value,uint256 nonce,uint256 deadline') };
const DAI_TYPES = { Permit: f('address holder,address spender,uint256 nonce,uint256 expiry,bool allowed') };
const ERC3009_FIELDS = f('address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce');
const PERMIT_DETAILS = f('address token,uint160 amount,uint48 expiration,uint48 nonce');
const TOKEN_PERMISSIONS = f('address token,uint256 amount');
const SINGLE_TYPES = { PermitSingle: f('PermitDetails details,address spender,uint256 sigDeadline'), PermitDetails: PERMIT_DETAILS };
const BATCH_TYPES = { PermitBatch: f('PermitDetails[] details,address spender,uint256 sigDeadline'), PermitDetails: PERMIT_DETAILS };
const TRANSFER_TYPES = { PermitTransferFrom: f('TokenPermissions permitted,address spender,uint256 nonce,uint256 deadline'), TokenPermissions: TOKEN_PERMISSIONS };
const BATCH_TRANSFER_TYPES = { PermitBatchTransferFrom: f('TokenPermissions[] permitted,address spender,uint256 nonce,uint256 deadline'), TokenPermissions: TOKEN_PERMISSIONS };
const WITNESS = f('address recipient,uint256 minOut');
const WITNESS_TYPES = { PermitWitnessTransferFrom: f('TokenPermissions permitted,address spender,uint256 nonce,uint256 deadline,ExampleTrade witness'), ExampleTrade: WITNESS, TokenPermissions: TOKEN_PERMISSIONS };
const BATCH_WITNESS_TYPES = { PermitBatchWitnessTransferFrom: f('TokenPermissions[] permitted,address spender,uint256 nonce,uint256 deadline,ExampleTrade witness'), ExampleTrade: WITNESS, TokenPermissions: TOKEN_PERMISSIONS };

const tokenDomain = (name: string, version: string, verifyingContract: string) => ({ name, version, chainId: 1, verifyingContract });
const permit2Domain = { name: 'Permit2', chainId: 1, verifyingContract: PERMIT2 };

interface Fixture {
  name: string;
  typedData: { domain: Record<string, unknown>; types: Record<string, Field[]>; primaryType: string; message: Record<string, unknown> };
  kind: PermitKind;
  /** the canonical encodeType string of the primary struct (EIP-2612, dai.sol, Permit2's PermitHash.sol) */
  typeString: string;
  transfers: { to: string; amount: bigint; asset: string }[];
  call: string;
}

const fixtures: Fixture[] = [
  {
    name: 'ERC-2612 Permit (USDC)',
    typedData: { domain: tokenDomain('USD Coin', '2', USDC), types: ERC2612_TYPES, primaryType: 'Permit', message: { owner: OWNER, spender: SPENDER, value: 1_000_000n, nonce: 0n, deadline: 1_900_000_000n } },
    kind: 'erc2612',
    typeString: 'Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)',
    transfers: [{ to: SPENDER, amount: 1_000_000n, asset: `token:${USDC.toLowerCase()}` }],
    call: USDC,
  },
  {
    name: 'DAI Permit, allowed: unlimited',
    typedData: { domain: tokenDomain('Dai Stablecoin', '1', DAI), types: DAI_TYPES, primaryType: 'Permit', message: { holder: OWNER, spender: SPENDER, nonce: 3n, expiry: 0n, allowed: true } },
    kind: 'dai',
    typeString: 'Permit(address holder,address spender,uint256 nonce,uint256 expiry,bool allowed)',
    transfers: [{ to: SPENDER, amount: MAX_UINT256, asset: `token:${DAI.toLowerCase()}` }],
    call: DAI,
  },
  {
    name: 'DAI Permit, not allowed: a revocation (amount 0)',
    typedData: { domain: tokenDomain('Dai Stablecoin', '1', DAI), types: DAI_TYPES, primaryType: 'Permit', message: { holder: OWNER, spender: SPENDER, nonce: 4n, expiry: 0n, allowed: false } },
    kind: 'dai',
    typeString: 'Permit(address holder,address spender,uint256 nonce,uint256 expiry,bool allowed)',
    transfers: [{ to: SPENDER, amount: 0n, asset: `token:${DAI.toLowerCase()}` }],
    call: DAI,
  },
  {
    name: 'ERC-3009 TransferWithAuthorization (USDC): a transfer to `to`',
    typedData: { domain: tokenDomain('USD Coin', '2', USDC), types: { TransferWithAuthorization: ERC3009_FIELDS }, primaryType: 'TransferWithAuthorization', message: { from: OWNER, to: SPENDER, value: 250n, validAfter: 0n, validBefore: 1_900_000_000n, nonce: `0x${'11'.repeat(32)}` } },
    kind: 'erc3009-transfer',
    typeString: 'TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)',
    transfers: [{ to: SPENDER, amount: 250n, asset: `token:${USDC.toLowerCase()}` }],
    call: USDC,
  },
  {
    name: 'ERC-3009 ReceiveWithAuthorization',
    typedData: { domain: tokenDomain('USD Coin', '2', USDC), types: { ReceiveWithAuthorization: ERC3009_FIELDS }, primaryType: 'ReceiveWithAuthorization', message: { from: OWNER, to: SPENDER, value: 251n, validAfter: 0n, validBefore: 1_900_000_000n, nonce: `0x${'22'.repeat(32)}` } },
    kind: 'erc3009-receive',
    typeString: 'ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)',
    transfers: [{ to: SPENDER, amount: 251n, asset: `token:${USDC.toLowerCase()}` }],
    call: USDC,
  },
  {
    name: 'Permit2 PermitSingle',
    typedData: { domain: permit2Domain, types: SINGLE_TYPES, primaryType: 'PermitSingle', message: { details: { token: USDC, amount: 2n ** 160n - 1n, expiration: 1_900_000_000n, nonce: 0n }, spender: SPENDER, sigDeadline: 1_900_000_000n } },
    kind: 'permit2-allowance',
    typeString: 'PermitSingle(PermitDetails details,address spender,uint256 sigDeadline)PermitDetails(address token,uint160 amount,uint48 expiration,uint48 nonce)',
    transfers: [{ to: SPENDER, amount: 2n ** 160n - 1n, asset: `token:${USDC.toLowerCase()}` }],
    call: PERMIT2,
  },
  {
    name: 'Permit2 PermitBatch, two tokens',
    typedData: {
      domain: permit2Domain,
      types: BATCH_TYPES,
      primaryType: 'PermitBatch',
      message: { details: [{ token: USDC, amount: 5n, expiration: 1n, nonce: 0n }, { token: WETH, amount: 7n, expiration: 1n, nonce: 0n }], spender: SPENDER, sigDeadline: 1n },
    },
    kind: 'permit2-allowance-batch',
    typeString: 'PermitBatch(PermitDetails[] details,address spender,uint256 sigDeadline)PermitDetails(address token,uint160 amount,uint48 expiration,uint48 nonce)',
    transfers: [
      { to: SPENDER, amount: 5n, asset: `token:${USDC.toLowerCase()}` },
      { to: SPENDER, amount: 7n, asset: `token:${WETH.toLowerCase()}` },
    ],
    call: PERMIT2,
  },
  {
    name: 'Permit2 PermitTransferFrom',
    typedData: { domain: permit2Domain, types: TRANSFER_TYPES, primaryType: 'PermitTransferFrom', message: { permitted: { token: WETH, amount: 10n ** 18n }, spender: SPENDER, nonce: 9n, deadline: 1n } },
    kind: 'permit2-transfer',
    typeString: 'PermitTransferFrom(TokenPermissions permitted,address spender,uint256 nonce,uint256 deadline)TokenPermissions(address token,uint256 amount)',
    transfers: [{ to: SPENDER, amount: 10n ** 18n, asset: `token:${WETH.toLowerCase()}` }],
    call: PERMIT2,
  },
  {
    name: 'Permit2 PermitBatchTransferFrom',
    typedData: { domain: permit2Domain, types: BATCH_TRANSFER_TYPES, primaryType: 'PermitBatchTransferFrom', message: { permitted: [{ token: WETH, amount: 1n }, { token: DAI, amount: 2n }], spender: SPENDER, nonce: 1n, deadline: 1n } },
    kind: 'permit2-transfer-batch',
    typeString: 'PermitBatchTransferFrom(TokenPermissions[] permitted,address spender,uint256 nonce,uint256 deadline)TokenPermissions(address token,uint256 amount)',
    transfers: [
      { to: SPENDER, amount: 1n, asset: `token:${WETH.toLowerCase()}` },
      { to: SPENDER, amount: 2n, asset: `token:${DAI.toLowerCase()}` },
    ],
    call: PERMIT2,
  },
  {
    name: 'Permit2 PermitWitnessTransferFrom (witness not read)',
    typedData: { domain: permit2Domain, types: WITNESS_TYPES, primaryType: 'PermitWitnessTransferFrom', message: { permitted: { token: USDC, amount: 3n }, spender: SPENDER, nonce: 1n, deadline: 1n, witness: { recipient: OWNER, minOut: 1n } } },
    kind: 'permit2-witness-transfer',
    typeString: 'PermitWitnessTransferFrom(TokenPermissions permitted,address spender,uint256 nonce,uint256 deadline,ExampleTrade witness)ExampleTrade(address recipient,uint256 minOut)TokenPermissions(address token,uint256 amount)',
    transfers: [{ to: SPENDER, amount: 3n, asset: `token:${USDC.toLowerCase()}` }],
    call: PERMIT2,
  },
  {
    name: 'Permit2 PermitBatchWitnessTransferFrom',
    typedData: { domain: permit2Domain, types: BATCH_WITNESS_TYPES, primaryType: 'PermitBatchWitnessTransferFrom', message: { permitted: [{ token: USDC, amount: 4n }], spender: SPENDER, nonce: 1n, deadline: 1n, witness: { recipient: OWNER, minOut: 1n } } },
    kind: 'permit2-witness-transfer-batch',
    typeString: 'PermitBatchWitnessTransferFrom(TokenPermissions[] permitted,address spender,uint256 nonce,uint256 deadline,ExampleTrade witness)ExampleTrade(address recipient,uint256 minOut)TokenPermissions(address token,uint256 amount)',
    transfers: [{ to: SPENDER, amount: 4n, asset: `token:${USDC.toLowerCase()}` }],
    call: PERMIT2,
  },
];

/** As a client sends it over JSON: integers as decimal strings (what the SDK's viem account does). */
function wire(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
}
const read = (typedData: unknown) => typedDataIntent(parseTypedData(wire(typedData)), now);

describe('typed data as a transaction intent', () => {
  describe('permit shapes', () => {
    for (const fx of fixtures) {
      it(`${fx.name} → ${fx.kind}: the spender is a destination, the verifying contract is called`, () => {
        // The fixture is the real shape: ethers encodes its primary type to the canonical type string.
        assert.equal(TypedDataEncoder.from(fx.typedData.types).encodeType(fx.typedData.primaryType), fx.typeString);
        const reading = read(fx.typedData);
        assert.equal(reading.permit, fx.kind);
        assert.equal(reading.chainId, '1');
        assert.deepEqual(reading.intent, {
          chain: 'ethereum',
          network: '1',
          transfers: fx.transfers,
          calls: [{ to: fx.call.toLowerCase(), selector: PERMIT_SELECTORS[fx.kind], tokenEffect: true }],
          fee: 0n,
          now,
        });
      });
    }

    it('the selectors are those of the functions that consume each signature (viem)', () => {
      const signatures: Record<PermitKind, string> = {
        erc2612: 'permit(address,address,uint256,uint256,uint8,bytes32,bytes32)',
        dai: 'permit(address,address,uint256,uint256,bool,uint8,bytes32,bytes32)',
        'erc3009-transfer': 'transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32)',
        'erc3009-receive': 'receiveWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32)',
        'permit2-allowance': 'permit(address,((address,uint160,uint48,uint48),address,uint256),bytes)',
        'permit2-allowance-batch': 'permit(address,((address,uint160,uint48,uint48)[],address,uint256),bytes)',
        'permit2-transfer': 'permitTransferFrom(((address,uint256),uint256,uint256),(address,uint256),address,bytes)',
        'permit2-transfer-batch': 'permitTransferFrom(((address,uint256)[],uint256,uint256),(address,uint256)[],address,bytes)',
        'permit2-witness-transfer': 'permitWitnessTransferFrom(((address,uint256),uint256,uint256),(address,uint256),address,bytes32,string,bytes)',
        'permit2-witness-transfer-batch': 'permitWitnessTransferFrom(((address,uint256)[],uint256,uint256),(address,uint256)[],address,bytes32,string,bytes)',
      };
      for (const [kind, signature] of Object.entries(signatures)) assert.equal(PERMIT_SELECTORS[kind as PermitKind], toFunctionSelector(signature), kind);
    });

    it('an empty Permit2 batch grants nothing: no transfers, the call only', () => {
      const reading = read({ domain: permit2Domain, types: BATCH_TYPES, primaryType: 'PermitBatch', message: { details: [], spender: SPENDER, sigDeadline: 1n } });
      assert.equal(reading.permit, 'permit2-allowance-batch');
      assert.deepEqual(reading.intent.transfers, []);
      assert.equal(reading.intent.calls.length, 1);
    });
  });

  describe('near misses are not permits', () => {
    const erc2612 = fixtures[0]!.typedData;
    const single = fixtures.find((x) => x.kind === 'permit2-allowance')!.typedData;
    const transfer = fixtures.find((x) => x.kind === 'permit2-transfer')!.typedData;
    const auth = fixtures.find((x) => x.kind === 'erc3009-transfer')!.typedData;
    const rows: [string, Fixture['typedData']][] = [
      ['a Permit with an extra field', { ...erc2612, types: { Permit: [...ERC2612_TYPES.Permit, { name: 'extra', type: 'uint256' }] }, message: { ...erc2612.message, extra: 1n } }],
      ['a Permit with a field missing', { ...erc2612, types: { Permit: ERC2612_TYPES.Permit.slice(0, 4) }, message: { owner: OWNER, spender: SPENDER, value: 1n, nonce: 0n } }],
      ['a Permit with its fields reordered (another type hash)', { ...erc2612, types: { Permit: f('address spender,address owner,uint256 value,uint256 nonce,uint256 deadline') } }],
      ['a Permit whose value is a uint128', { ...erc2612, types: { Permit: f('address owner,address spender,uint128 value,uint256 nonce,uint256 deadline') } }],
      ['a Permit whose spender is renamed', { ...erc2612, types: { Permit: f('address owner,address operator,uint256 value,uint256 nonce,uint256 deadline') }, message: { owner: OWNER, operator: SPENDER, value: 1n, nonce: 0n, deadline: 1n } }],
      ['ERC-2612 fields under another primaryType', { ...erc2612, types: { Approval: ERC2612_TYPES.Permit }, primaryType: 'Approval' }],
      ['DAI fields with allowed as a uint256', { ...fixtures[1]!.typedData, types: { Permit: f('address holder,address spender,uint256 nonce,uint256 expiry,uint256 allowed') }, message: { ...fixtures[1]!.typedData.message, allowed: 1n } }],
      ['PermitSingle whose PermitDetails.amount is a uint256', { ...single, types: { ...SINGLE_TYPES, PermitDetails: f('address token,uint256 amount,uint48 expiration,uint48 nonce') } }],
      ['PermitTransferFrom whose TokenPermissions has an extra field', { ...transfer, types: { ...TRANSFER_TYPES, TokenPermissions: [...TOKEN_PERMISSIONS, { name: 'to', type: 'address' }] }, message: { ...transfer.message, permitted: { token: WETH, amount: 1n, to: OWNER } } }],
      ['PermitWitnessTransferFrom without a witness', { ...transfer, types: { PermitWitnessTransferFrom: TRANSFER_TYPES.PermitTransferFrom, TokenPermissions: TOKEN_PERMISSIONS }, primaryType: 'PermitWitnessTransferFrom' }],
      ['TransferWithAuthorization whose nonce is a uint256', { ...auth, types: { TransferWithAuthorization: f('address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,uint256 nonce') }, message: { ...auth.message, nonce: 5n } }],
      ['ERC-3009 fields under CancelAuthorization', { ...auth, types: { CancelAuthorization: ERC3009_FIELDS }, primaryType: 'CancelAuthorization' }],
      ['EIP-712 Mail', { domain: { name: 'Ether Mail', version: '1', chainId: 1, verifyingContract: USDC }, types: { Mail: f('address from,address to,string contents') }, primaryType: 'Mail', message: { from: OWNER, to: SPENDER, contents: 'hi' } }],
    ];
    for (const [name, typedData] of rows) {
      it(`${name} → not a permit: no transfers, no calls`, () => {
        const reading = read(typedData);
        assert.equal(reading.permit, null);
        assert.deepEqual([reading.intent.transfers, reading.intent.calls, reading.intent.fee], [[], [], 0n]);
        assert.equal(reading.intent.network, '1', 'the domain still names the network');
      });
    }
  });

  describe('the domain', () => {
    const erc2612 = fixtures[0]!.typedData;
    it('chainId as a 0x-hex string is the decimal network', () => {
      const reading = read({ ...erc2612, domain: { ...erc2612.domain, chainId: '0x89' } });
      assert.deepEqual([reading.chainId, reading.intent.network], ['137', '137']);
    });
    it('no chainId: network unknown', () => {
      const { chainId: _dropped, ...domain } = erc2612.domain;
      const reading = read({ ...erc2612, domain });
      assert.deepEqual([reading.permit, reading.chainId, reading.intent.network], ['erc2612', null, 'unknown']);
    });
    it('a chainId the domain type declares as a string is no chain id', () => {
      const reading = read({ ...erc2612, types: { ...erc2612.types, EIP712Domain: f('string name,string version,string chainId,address verifyingContract') }, domain: { ...erc2612.domain, chainId: '1' } });
      assert.deepEqual([reading.permit, reading.chainId, reading.intent.network], ['erc2612', null, 'unknown']);
    });
    it('a permit without verifyingContract: 400 naming typedData.domain.verifyingContract', () => {
      const { verifyingContract: _dropped, ...domain } = erc2612.domain;
      assert.throws(() => read({ ...erc2612, domain }), (e: unknown) => e instanceof StrongboxError && e.code === 'INVALID_ARGUMENT' && e.field === 'typedData.domain.verifyingContract');
    });
    it('typed data of no permit shape needs no verifyingContract', () => {
      const reading = read({ domain: { name: 'x', chainId: 5 }, types: { Login: f('string nonce') }, primaryType: 'Login', message: { nonce: 'abc' } });
      assert.deepEqual([reading.permit, reading.intent.network], [null, '5']);
    });
  });

  describe('Gnosis Safe SafeTx', () => {
    const SAFE = '0x1111111111111111111111111111111111111111';
    const TO = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';
    const RELAYER = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
    const ZERO = '0x0000000000000000000000000000000000000000';
    const SAFE_TX_FIELDS = f('address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 baseGas,uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce');
    const domain13 = { types: { EIP712Domain: f('uint256 chainId,address verifyingContract') }, domain: { chainId: 1, verifyingContract: SAFE } };
    const domainOld = { types: { EIP712Domain: f('address verifyingContract') }, domain: { verifyingContract: SAFE } };
    const message = { to: TO, value: 10n ** 20n, data: '0x', operation: 0, safeTxGas: 0n, baseGas: 0n, gasPrice: 0n, gasToken: ZERO, refundReceiver: ZERO, nonce: 7n };
    const safeTx = (d: { types: Record<string, Field[]>; domain: Record<string, unknown> }, m: Record<string, unknown> = {}, fields: Field[] = SAFE_TX_FIELDS) =>
      ({ domain: d.domain, types: { ...d.types, SafeTx: fields }, primaryType: 'SafeTx', message: { ...message, ...m } });

    it("the fixture is Safe's SafeTx: ethers encodes the SAFE_TX_TYPEHASH of GnosisSafe.sol (v1.1+ and v1.0's dataGas)", () => {
      assert.equal(id(TypedDataEncoder.from({ SafeTx: SAFE_TX_FIELDS }).encodeType('SafeTx')), '0xbb8310d486368db6bd6f849402fdd73ad53d316b5a4b2644ad6efe0f941286d8');
      const v10 = SAFE_TX_FIELDS.map((x) => (x.name === 'baseGas' ? { ...x, name: 'dataGas' } : x));
      assert.equal(id(TypedDataEncoder.from({ SafeTx: v10 }).encodeType('SafeTx')), '0x14d461bc7412367e924637b363c7bf29b8f47e2f84869f4426e5633d8af47b20');
    });
    it('v1.3 domain {chainId, verifyingContract}: the Safe sends value to `to`, on chain 1', () => {
      const reading = read(safeTx(domain13));
      assert.deepEqual([reading.permit, reading.safeTx, reading.chainId, reading.verifyingContract], [null, { operation: 0n, gasPrice: 0n, selfCall: false }, '1', SAFE]);
      assert.deepEqual(reading.intent, { chain: 'ethereum', network: '1', transfers: [{ to: TO.toLowerCase(), amount: 10n ** 20n, asset: 'native' }], calls: [], fee: 0n, now });
    });
    it('pre-1.3 domain {verifyingContract}: a SafeTx on network unknown', () => {
      const reading = read(safeTx(domainOld));
      assert.deepEqual([reading.safeTx, reading.chainId, reading.intent.network], [{ operation: 0n, gasPrice: 0n, selfCall: false }, null, 'unknown']);
      assert.deepEqual(reading.intent.transfers, [{ to: TO.toLowerCase(), amount: 10n ** 20n, asset: 'native' }]);
    });
    it('a delegatecall is read as operation 1 (the service refuses it)', () => {
      assert.deepEqual(read(safeTx(domainOld, { operation: 1 })).safeTx, { operation: 1n, gasPrice: 0n, selfCall: false });
      assert.equal(read(safeTx(domainOld, { to: SAFE })).safeTx?.selfCall, true, 'a call to the Safe itself is flagged (the service refuses it)');
    });
    it('ERC-20 transfer calldata: a call by selector and a token transfer (as for a transaction)', () => {
      const data = encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [RELAYER, 5n] });
      const reading = read(safeTx(domain13, { to: USDC, value: 0n, data }));
      assert.deepEqual(reading.intent.calls, [{ to: USDC.toLowerCase(), selector: '0xa9059cbb', tokenEffect: true }]);
      assert.deepEqual(reading.intent.transfers, [{ to: USDC.toLowerCase(), amount: 0n, asset: 'native' }, { to: RELAYER, amount: 5n, asset: `token:${USDC.toLowerCase()}` }]);
    });
    it('calldata with the transfer selector that does not decode: 400 naming typedData.message.data', () => {
      assert.throws(() => read(safeTx(domain13, { to: USDC, data: '0xa9059cbb00' })), (e: unknown) => e instanceof StrongboxError && e.code === 'INVALID_ARGUMENT' && e.field === 'typedData.message.data');
    });
    it('a native refund is the fee gasPrice × (safeTxGas + baseGas), its receiver a destination', () => {
      const reading = read(safeTx(domain13, { value: 0n, safeTxGas: 100_000n, baseGas: 20_000n, gasPrice: 10n ** 9n, refundReceiver: RELAYER }));
      assert.equal(reading.intent.fee, 120_000n * 10n ** 9n);
      assert.deepEqual(reading.intent.transfers, [{ to: TO.toLowerCase(), amount: 0n, asset: 'native' }, { to: RELAYER.toLowerCase(), amount: 0n, asset: 'native' }]);
    });
    it('a token refund is a token transfer; refundReceiver 0 (tx.origin) is the zero address', () => {
      const reading = read(safeTx(domain13, { value: 0n, safeTxGas: 3n, baseGas: 4n, gasPrice: 5n, gasToken: USDC }));
      assert.equal(reading.intent.fee, 0n);
      assert.deepEqual(reading.intent.transfers[1], { to: ZERO, amount: 35n, asset: `token:${USDC.toLowerCase()}` });
    });
    it("v1.0's dataGas counts as baseGas", () => {
      const v10 = SAFE_TX_FIELDS.map((x) => (x.name === 'baseGas' ? { ...x, name: 'dataGas' } : x));
      const { baseGas: _b, ...m } = message;
      const reading = read({ ...safeTx(domainOld, {}, v10), message: { ...m, dataGas: 2n, safeTxGas: 1n, gasPrice: 3n } });
      assert.deepEqual([reading.safeTx, reading.intent.fee], [{ operation: 0n, gasPrice: 3n, selfCall: false }, 9n]);
    });
    it('a SafeTx without verifyingContract: 400 naming typedData.domain.verifyingContract', () => {
      assert.throws(() => read(safeTx({ types: { EIP712Domain: f('uint256 chainId') }, domain: { chainId: 1 } })), (e: unknown) => e instanceof StrongboxError && e.code === 'INVALID_ARGUMENT' && e.field === 'typedData.domain.verifyingContract');
    });
    const nearMisses: [string, Field[], Record<string, unknown>][] = [
      ['a field missing (no nonce)', SAFE_TX_FIELDS.slice(0, 9), {}],
      ['an extra field', [...SAFE_TX_FIELDS, { name: 'extra', type: 'uint256' }], { extra: 1n }],
      ['operation as a uint256', SAFE_TX_FIELDS.map((x) => (x.name === 'operation' ? { ...x, type: 'uint256' } : x)), {}],
      ['value and to swapped', [SAFE_TX_FIELDS[1]!, SAFE_TX_FIELDS[0]!, ...SAFE_TX_FIELDS.slice(2)], {}],
    ];
    for (const [name, fields, extra] of nearMisses) {
      it(`a SafeTx with ${name} → unread: no transfers, no calls`, () => {
        const base = safeTx(domain13, extra, fields);
        const names = new Set(fields.map((x) => x.name));
        const reading = read({ ...base, message: Object.fromEntries(Object.entries(base.message).filter(([k]) => names.has(k))) });
        assert.deepEqual([reading.permit, reading.safeTx, reading.intent.transfers, reading.intent.calls, reading.intent.fee], [null, null, [], [], 0n]);
        assert.equal(reading.verifyingContract, SAFE, 'the domain is still read');
      });
    }
    it('SafeTx fields under another primaryType → unread', () => {
      const base = safeTx(domain13);
      const reading = read({ ...base, types: { ...domain13.types, SafeTransaction: SAFE_TX_FIELDS }, primaryType: 'SafeTransaction' });
      assert.deepEqual([reading.safeTx, reading.intent.transfers], [null, []]);
    });
  });

  it('typedDataToJson (what a held permit stores) reads back to the same digest viem computes', () => {
    for (const fx of fixtures) {
      const parsed = parseTypedData(wire(fx.typedData));
      const stored = JSON.parse(JSON.stringify(typedDataToJson(parsed)));
      const again = parseTypedData(stored);
      assert.equal(Buffer.from(typedDataHash(again)).toString('hex'), hashTypedData(fx.typedData as unknown as TypedDataDefinition).slice(2), fx.name);
      assert.equal(typedDataIntent(again, now).permit, fx.kind);
    }
  });
});
