/** Activate, Revoke and Destroy (KMIP 1.4 §4.19-4.21; the state mapping is service/kmip/kmip-lifecycle.ts). */
import { activateKmipObject, destroyKmipObject, revokeKmipObject } from '../../service/kmip/kmip-lifecycle.js';
import { KmipError, read, required, struct, text } from '../message.js';
import { Tag } from '../tags.js';
import { assertUnsealed, objectFor, uidOf, type KmipOperation } from './call.js';

export const activate: KmipOperation = {
  name: 'Activate',
  async run(call, payload) {
    assertUnsealed(call);
    const o = await objectFor(call, uidOf(call, payload), 'keys:disable');
    if (o.kind === 'public') throw new KmipError('IllegalOperation', 'activate the private key; its public key follows it');
    await activateKmipObject(call.ctx, o);
    return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, o.uid));
  },
};

export const revoke: KmipOperation = {
  name: 'Revoke',
  async run(call, payload) {
    assertUnsealed(call);
    const reason = required(read.structure(payload, Tag.RevocationReason), Tag.RevocationReason);
    const code = required(read.enum(reason, Tag.RevocationReasonCode), Tag.RevocationReasonCode);
    const message = read.text(reason, Tag.RevocationMessage);
    if (message !== undefined && message.length > 512) throw new KmipError('InvalidField', 'Revocation Message is at most 512 characters');
    const o = await objectFor(call, uidOf(call, payload), 'keys:disable');
    if (o.kind === 'public') throw new KmipError('IllegalOperation', 'revoke the private key; its public key follows it');
    await revokeKmipObject(call.ctx, o, message === undefined ? { code } : { code, message });
    return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, o.uid));
  },
};

export const destroy: KmipOperation = {
  name: 'Destroy',
  async run(call, payload) {
    assertUnsealed(call);
    const o = await objectFor(call, uidOf(call, payload), 'keys:delete');
    if (o.kind === 'public') throw new KmipError('IllegalOperation', 'destroy the private key; its public key follows it');
    await destroyKmipObject(call.ctx, o);
    return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, o.uid));
  },
};
