/**
 * The participant rounds of threshold keys (docs/threshold.md): called by peers over mutual TLS only —
 * the service refuses any caller that is not a configured peer's certificate principal, whatever its
 * policies. Each round is one request, audited on the participant that answers it.
 */
import { dkgRound1, dkgRound2, dkgRound3, dkgShare } from '../../../service/threshold/dkg-rounds.js';
import { signRound1, signRound2 } from '../../../service/threshold/sign-rounds.js';
import { defineRoute, type Route, type RouteContext, type RouteInput } from '../../route.js';
import { object, type JsonSchema } from '../../schemas.js';

const sessionId: JsonSchema = { type: 'string', maxLength: 36, description: 'UUID chosen by the coordinator' };
const hexString = (maxLength: number): JsonSchema => ({ type: 'string', maxLength });
const round1Package: JsonSchema = object(
  { identifier: hexString(64), commitment: { type: 'array', maxItems: 16, items: hexString(66) }, proofOfKnowledge: hexString(130) },
  ['identifier', 'commitment', 'proofOfKnowledge'],
);
const commitment: JsonSchema = object({ identifier: hexString(64), hiding: hexString(66), binding: hexString(66) }, ['identifier', 'hiding', 'binding']);

function participantRoute(def: Pick<Route, 'url' | 'operationId' | 'summary' | 'schema'> & { sensitive?: readonly string[]; handler: (rc: RouteContext, input: RouteInput) => Promise<unknown> }): Route {
  return defineRoute({
    method: 'POST',
    tags: ['threshold'],
    auth: 'token',
    requiresUnsealed: true,
    action: 'threshold:participate',
    resource: () => ({ kind: 'sys' }),
    successStatus: 200,
    ...def,
  });
}

const caller = (rc: RouteContext): string | undefined => rc.principal?.subject;
const requester = (rc: RouteContext) => (rc.principal === undefined ? undefined : { subject: rc.principal.subject, accessor: rc.principal.accessor, requestId: rc.request.id, decide: rc.decide });

export const thresholdDkgRound1 = participantRoute({
  url: '/v1/threshold/dkg/round1',
  operationId: 'thresholdDkgRound1',
  summary: 'DKG round 1 (participant): commit to a random polynomial, answer the public package',
  schema: {
    body: object(
      {
        sessionId,
        keyId: { type: 'string', maxLength: 36 },
        name: { type: ['string', 'null'], maxLength: 128 },
        type: { type: 'string', maxLength: 32 },
        threshold: { type: 'integer', minimum: 2, maximum: 16 },
        participants: { type: 'array', maxItems: 16, items: { type: 'string', maxLength: 63 } },
      },
      ['sessionId', 'keyId', 'name', 'type', 'threshold', 'participants'],
    ),
    response: { 200: round1Package },
  },
  handler: (rc, { body }) => dkgRound1(rc.services.ctx, { ...body, caller: caller(rc) }),
});

export const thresholdDkgRound2 = participantRoute({
  url: '/v1/threshold/dkg/round2',
  operationId: 'thresholdDkgRound2',
  summary: 'DKG round 2 (participant): check every round-1 package and deliver one secret share to each other participant directly',
  schema: {
    body: object({ sessionId, round1: { type: 'array', maxItems: 16, items: round1Package } }, ['sessionId', 'round1']),
    response: { 200: { type: 'object', required: ['transcript'], properties: { transcript: { type: 'string', description: 'hex SHA-256 of the round-1 packages this participant saw' } } } },
  },
  handler: (rc, { body }) => dkgRound2(rc.services.ctx, { ...body, caller: caller(rc) }),
});

export const thresholdDkgShare = participantRoute({
  url: '/v1/threshold/dkg/share',
  operationId: 'thresholdDkgShare',
  summary: 'DKG round 2 delivery (participant to participant): one secret share, recorded in the audit log only as an HMAC',
  sensitive: ['signingShare'],
  schema: {
    body: object({ sessionId, from: { type: 'string', maxLength: 63 }, signingShare: hexString(64), transcript: hexString(64) }, ['sessionId', 'from', 'signingShare', 'transcript']),
    response: { 200: { type: 'object', properties: {} } },
  },
  handler: (rc, { body }) => dkgShare(rc.services.ctx, { ...body, caller: caller(rc) }),
});

export const thresholdDkgRound3 = participantRoute({
  url: '/v1/threshold/dkg/round3',
  operationId: 'thresholdDkgRound3',
  summary: 'DKG round 3 (participant): derive and verify this participant\'s share, store it sealed (durable before the answer)',
  schema: {
    body: object({ sessionId }, ['sessionId']),
    response: {
      200: {
        type: 'object',
        required: ['keyId', 'publicKey', 'verifyingKey', 'identifier'],
        properties: { keyId: { type: 'string' }, publicKey: { type: 'string' }, verifyingKey: { type: 'string' }, identifier: { type: 'string' } },
      },
    },
  },
  handler: (rc, { body }) => dkgRound3(rc.services.ctx, { ...body, caller: caller(rc) }),
});

export const thresholdSignRound1 = participantRoute({
  url: '/v1/threshold/sign/round1',
  operationId: 'thresholdSignRound1',
  summary: 'Signing round 1 (participant): read the transaction, judge it by this participant\'s own rules, answer fresh nonce commitments (one per message)',
  sensitive: ['request'],
  schema: {
    body: object(
      {
        sessionId,
        keyId: { type: 'string', maxLength: 36 },
        request: object(
          {
            chain: { type: 'string', enum: ['solana', 'bitcoin'] },
            transaction: { type: 'string', maxLength: 1644, description: 'solana: base64 wire transaction' },
            psbt: { type: 'string', maxLength: 1_000_000, description: 'bitcoin: base64 PSBT' },
            network: { type: 'string', maxLength: 16, description: 'bitcoin: mainnet, testnet or regtest' },
          },
          ['chain'],
        ),
      },
      ['sessionId', 'keyId', 'request'],
    ),
    response: { 200: { type: 'object', required: ['identifier', 'commitments'], properties: { identifier: { type: 'string' }, commitments: { type: 'array', items: commitment } } } },
  },
  handler: (rc, { body }) => signRound1(rc.services.ctx, { ...body, caller: caller(rc), requester: requester(rc) }),
});

export const thresholdSignRound2 = participantRoute({
  url: '/v1/threshold/sign/round2',
  operationId: 'thresholdSignRound2',
  summary: 'Signing round 2 (participant): the session\'s nonces are spent first, then the rules are judged again (spend reserved) and the signature shares answered',
  schema: {
    body: object({ sessionId, commitments: { type: 'array', maxItems: 500, items: { type: 'array', maxItems: 16, items: commitment } } }, ['sessionId', 'commitments']),
    response: { 200: { type: 'object', required: ['shares'], properties: { shares: { type: 'array', items: { type: 'string' } } } } },
  },
  handler: (rc, { body }) => signRound2(rc.services.ctx, { ...body, caller: caller(rc), requester: requester(rc) }),
});
