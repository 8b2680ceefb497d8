/** The route table: one ordered list (Vault's `Paths`). A test snapshots it. */
import type { Route } from '../route.js';
import keysCreate from './keys-create.js';
import keysDataKey from './keys-data-key.js';
import keysDecrypt from './keys-decrypt.js';
import keysEncrypt from './keys-encrypt.js';
import keysGet from './keys-get.js';
import keysImport from './keys-import.js';
import keysList from './keys-list.js';
import keysPublicKey from './keys-public-key.js';
import keysSign from './keys-sign.js';
import keysVerify from './keys-verify.js';
import sysHealth from './sys-health.js';
import sysInit from './sys-init.js';
import sysSeal from './sys-seal.js';
import sysUnseal from './sys-unseal.js';

export const routes: readonly Route[] = [
  sysHealth,
  sysInit,
  sysUnseal,
  sysSeal,
  keysCreate,
  keysImport,
  keysList,
  keysGet,
  keysPublicKey,
  keysSign,
  keysVerify,
  keysEncrypt,
  keysDecrypt,
  keysDataKey,
];
