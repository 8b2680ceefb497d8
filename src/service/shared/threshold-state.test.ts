/**
 * The in-memory threshold sessions: a round-2 take removes the session (its nonces can never be used
 * twice), only the coordinator that opened a session may take it, sessions expire, and seal wipes them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StrongboxError } from '../../protocol/errors.js';
import { SESSION_TTL_MS, ThresholdState, type SigningSession } from './threshold-state.js';

function session(coordinator: string, expiresAt = Date.now() + SESSION_TTL_MS): SigningSession {
  return {
    kind: 'sign',
    coordinator,
    keyId: 'k',
    messages: [new Uint8Array(1)],
    nonces: [{ hiding: new Uint8Array(32).fill(1), binding: new Uint8Array(32).fill(2) }],
    commitments: [],
    chain: 'solana',
    operation: 'solana.signTransaction',
    intent: () => {
      throw new Error('unused');
    },
    request: () => ({}),
    expiresAt,
  };
}

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return err instanceof StrongboxError ? err.code : 'other';
  }
  return 'none';
};

test('take removes the session: a second round 2 is refused', () => {
  const state = new ThresholdState(undefined);
  state.put('s1', session('cert:a'));
  assert.equal(state.take('s1', 'sign', 'cert:a').keyId, 'k');
  assert.equal(code(() => state.take('s1', 'sign', 'cert:a')), 'THRESHOLD_SESSION_UNKNOWN');
});

test('only the coordinator that opened a session may drive it, and a session id is used once', () => {
  const state = new ThresholdState(undefined);
  state.put('s1', session('cert:a'));
  assert.equal(code(() => state.take('s1', 'sign', 'cert:b')), 'THRESHOLD_SESSION_UNKNOWN');
  assert.equal(code(() => state.take('s1', 'dkg', 'cert:a')), 'THRESHOLD_SESSION_UNKNOWN');
  assert.equal(code(() => state.put('s1', session('cert:a'))), 'THRESHOLD_PROTOCOL_ERROR');
  assert.equal(state.take('s1', 'sign', 'cert:a').coordinator, 'cert:a');
});

test('expired sessions are gone and their nonces wiped; clear() wipes the rest', () => {
  const state = new ThresholdState(undefined);
  const old = session('cert:a', Date.now() - 1);
  state.put('old', old);
  assert.equal(code(() => state.get('old', 'sign', 'cert:a')), 'THRESHOLD_SESSION_UNKNOWN');
  assert.ok(old.nonces[0]!.hiding.every((b) => b === 0) && old.nonces[0]!.binding.every((b) => b === 0));
  const live = session('cert:a');
  state.put('live', live);
  state.clear();
  assert.ok(live.nonces[0]!.hiding.every((b) => b === 0));
  assert.equal(code(() => state.get('live', 'sign', 'cert:a')), 'THRESHOLD_SESSION_UNKNOWN');
});
