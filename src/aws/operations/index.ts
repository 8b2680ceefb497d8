/** The AWS operations Strongbox implements, by X-Amz-Target name (`TrentService.<name>`). */
import type { AwsOperation } from '../operation.js';
import { createAliasOperation, deleteAliasOperation, listAliasesOperation, updateAliasOperation } from './aliases.js';
import createKey from './create-key.js';
import decrypt from './decrypt.js';
import describeKey from './describe-key.js';
import encrypt from './encrypt.js';
import { generateDataKeyOperation, generateDataKeyWithoutPlaintextOperation } from './generate-data-key.js';
import generateMac from './generate-mac.js';
import generateRandom from './generate-random.js';
import getPublicKey from './get-public-key.js';
import { cancelKeyDeletionOperation, disableKeyOperation, enableKeyOperation, scheduleKeyDeletionOperation } from './key-state.js';
import listKeys from './list-keys.js';
import reEncrypt from './re-encrypt.js';
import sign from './sign.js';
import { listResourceTagsOperation, tagResourceOperation, untagResourceOperation, updateKeyDescriptionOperation } from './tag-resource.js';
import verify from './verify.js';
import verifyMac from './verify-mac.js';

export const operations: readonly AwsOperation[] = [
  createKey,
  describeKey,
  listKeys,
  getPublicKey,
  sign,
  verify,
  generateMac,
  verifyMac,
  encrypt,
  decrypt,
  reEncrypt,
  generateDataKeyOperation,
  generateDataKeyWithoutPlaintextOperation,
  generateRandom,
  enableKeyOperation,
  disableKeyOperation,
  scheduleKeyDeletionOperation,
  cancelKeyDeletionOperation,
  createAliasOperation,
  updateAliasOperation,
  deleteAliasOperation,
  listAliasesOperation,
  tagResourceOperation,
  untagResourceOperation,
  listResourceTagsOperation,
  updateKeyDescriptionOperation,
];

export const operationsByName: ReadonlyMap<string, AwsOperation> = new Map(operations.map((op) => [op.name, op]));
