/**
 * Activate, Revoke and Destroy (KMIP 1.4 §4.19-4.21; the state mapping is service/kmip/kmip-lifecycle.ts),
 * and Re-key of symmetric keys (§4.4; service/kmip/rekey-kmip.ts). KMIP items (service/kmip/kmip-item.ts)
 * keep their own KMIP state: a registered public key under keys:disable / keys:delete on key:<uid>, Secret
 * Data and Opaque Objects under secrets:write (Activate, Revoke) / secrets:delete (Destroy, which erases
 * the value) on their secret.
 */
import { decide } from '../../service/access/authorize.js';
import { activateKmipObject, destroyKmipObject, revokeKmipObject } from '../../service/kmip/kmip-lifecycle.js';
import { rekeyKmipObject } from '../../service/kmip/rekey-kmip.js';
import { activateKmipItem, destroyKmipItem, revokeKmipItem } from '../../service/kmip/kmip-item.js';
import { is2x, readClientAttributes } from '../attributes.js';
import { child, KmipError, read, required, struct, text } from '../message.js';
import { Tag } from '../tags.js';
import { assertUnsealed, authorizeCall, itemFor, objectFor, uidOf, type KmipOperation } from './call.js';

export const activate: KmipOperation = {
  name: 'Activate',
  async run(call, payload) {
    assertUnsealed(call);
    const uid = uidOf(call, payload);
    const item = await itemFor(call, uid, 'keys:disable', 'secrets:write');
    if (item !== undefined) return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, (await activateKmipItem(call.ctx, item)).uid));
    const o = await objectFor(call, uid, 'keys:disable');
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
    const uid = uidOf(call, payload);
    const item = await itemFor(call, uid, 'keys:disable', 'secrets:write');
    if (item !== undefined) return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, (await revokeKmipItem(call.ctx, item, message === undefined ? { code } : { code, message })).uid));
    const o = await objectFor(call, uid, 'keys:disable');
    if (o.kind === 'public') throw new KmipError('IllegalOperation', 'revoke the private key; its public key follows it');
    await revokeKmipObject(call.ctx, o, message === undefined ? { code } : { code, message });
    return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, o.uid));
  },
};

export const destroy: KmipOperation = {
  name: 'Destroy',
  async run(call, payload) {
    assertUnsealed(call);
    const uid = uidOf(call, payload);
    const item = await itemFor(call, uid, 'keys:delete', 'secrets:delete');
    if (item !== undefined) return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, (await destroyKmipItem(call.ctx, item)).uid));
    const o = await objectFor(call, uid, 'keys:delete');
    if (o.kind === 'public') throw new KmipError('IllegalOperation', 'destroy the private key; its public key follows it');
    await destroyKmipObject(call.ctx, o);
    return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, o.uid));
  },
};

export const reKey: KmipOperation = {
  name: 'ReKey',
  async run(call, payload) {
    assertUnsealed(call);
    const offsetItem = child(payload, Tag.Offset);
    if (offsetItem !== undefined && offsetItem.type !== 'Interval') throw new KmipError('InvalidField', 'Offset must be an Interval');
    // Re-key copies the existing key's attributes; new ones from the client are not applied.
    const given = readClientAttributes([read.structure(payload, is2x(call.version) ? Tag.Attributes : Tag.TemplateAttribute)]);
    if (given.algorithm !== undefined || given.length !== undefined) throw new KmipError('InvalidField', 'Re-key keeps the existing key\'s Cryptographic Algorithm and Length');
    // keys:rotate on the existing key, then keys:create for the new one (the audit record names the new key).
    const o = await objectFor(call, uidOf(call, payload), 'keys:rotate');
    await authorizeCall(call, 'keys:create', { kind: 'keys' });
    const mark = o.plaintextExport && (await decide(call.ctx, call.principal, 'keys:export-plaintext', { kind: 'keys' }, call.clientIp)).allowed;
    const created = await rekeyKmipObject(call.ctx, o, { plaintextExport: mark, ...(offsetItem?.type === 'Interval' ? { offsetSeconds: offsetItem.value } : {}) });
    call.audit.resource = `key:${created.record.id}`;
    call.placeholder.value = created.uid;
    return struct(Tag.ResponsePayload, text(Tag.UniqueIdentifier, created.uid));
  },
};
