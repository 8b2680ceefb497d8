/** The KMIP operation table: Operation enumeration → implementation. Anything else is Operation Not Supported. */
import { Operation } from '../enums.js';
import { addAttribute, deleteAttribute, getAttributeList, getAttributes, modifyAttribute, setAttribute } from './attributes.js';
import type { KmipOperation } from './call.js';
import { create, createKeyPair, register } from './create.js';
import { decrypt, encrypt, mac, macVerify, rngRetrieve, signatureVerify, signOperation } from './crypto.js';
import { get } from './get.js';
import { activate, destroy, reKey, revoke } from './lifecycle.js';
import { locate } from './locate.js';
import { discoverVersions, query, supportedOperations } from './server-info.js';

export const operations: ReadonlyMap<number, KmipOperation> = new Map<number, KmipOperation>([
  [Operation.DiscoverVersions, discoverVersions],
  [Operation.Query, query],
  [Operation.Create, create],
  [Operation.CreateKeyPair, createKeyPair],
  [Operation.Register, register],
  [Operation.Get, get],
  [Operation.GetAttributes, getAttributes],
  [Operation.GetAttributeList, getAttributeList],
  [Operation.AddAttribute, addAttribute],
  [Operation.SetAttribute, setAttribute],
  [Operation.ModifyAttribute, modifyAttribute],
  [Operation.DeleteAttribute, deleteAttribute],
  [Operation.Locate, locate],
  [Operation.Activate, activate],
  [Operation.Revoke, revoke],
  [Operation.Destroy, destroy],
  [Operation.Encrypt, encrypt],
  [Operation.Decrypt, decrypt],
  [Operation.Sign, signOperation],
  [Operation.SignatureVerify, signatureVerify],
  [Operation.MAC, mac],
  [Operation.MACVerify, macVerify],
  [Operation.RNGRetrieve, rngRetrieve],
  [Operation.ReKey, reKey],
]);

supportedOperations.push(...operations.keys());
