/** The route table: one ordered list (Vault's `Paths`). A test snapshots it. */
import type { Route } from '../route.js';
import kmipJson from './kmip/json.js';
import { sysCeremonyCancel, sysCeremonyUpdate, sysCold, sysEscrowStart, sysRestoreHsmStart } from './sys/cold.js';
import sysBackup from './sys/backup.js';
import { sysRekeyCancel, sysRekeyStart, sysRekeyUpdate } from './sys/rekey.js';
import { sysRotate, sysRotateStatus } from './sys/rotate.js';
import { secretsDelete, secretsGet, secretsPut } from './secrets/data.js';
import secretsList from './secrets/list.js';
import { secretVersionsGet, secretVersionsPost } from './secrets/versions.js';
import keysDisable from './keys/disable.js';
import keysEnable from './keys/enable.js';
import keysDelete from './keys/delete.js';
import keysCancelDeletion from './keys/cancel-deletion.js';
import keysUpdate from './keys/update.js';
import keysAliasAdd from './keys/alias-add.js';
import keysAliasRemove from './keys/alias-remove.js';
import keysRotate from './keys/rotate.js';
import keysRotation from './keys/rotation.js';
import keysExport from './keys/export.js';
import keysExportKeystore from './keys/export-keystore.js';
import keysWrapped from './keys/wrapped.js';
import sysWrappingKey from './keys/wrapping-key.js';
import keysImportWrapped from './keys/import-wrapped.js';
import auditCheckpoints from './audit/checkpoints.js';
import auditHash from './audit/hash.js';
import auditList from './audit/list.js';
import policiesDelete from './access/policies-delete.js';
import policiesGet from './access/policies-get.js';
import policiesList from './access/policies-list.js';
import policiesPut from './access/policies-put.js';
import sysAuditKey from './audit/audit-key.js';
import sysGenerateRootCancel from './sys/generate-root-cancel.js';
import sysGenerateRootStart from './sys/generate-root-start.js';
import sysGenerateRootUpdate from './sys/generate-root-update.js';
import tokensCreate from './access/tokens-create.js';
import awsCredentialsCreate from './access/aws-credentials-create.js';
import awsCredentialsList from './access/aws-credentials-list.js';
import awsCredentialsRevoke from './access/aws-credentials-revoke.js';
import appKeysCreate from './access/app-keys-create.js';
import appKeysList from './access/app-keys-list.js';
import appKeysRevoke from './access/app-keys-revoke.js';
import tokensGet from './access/tokens-get.js';
import tokensRenewSelf from './access/tokens-renew-self.js';
import tokensRevoke from './access/tokens-revoke.js';
import tokensSelf from './access/tokens-self.js';
import keysCreate from './keys/create.js';
import keysDataKey from './symmetric/data-key.js';
import keysDecrypt, { decryptBatch } from './symmetric/decrypt.js';
import keysEncrypt, { encryptBatch } from './symmetric/encrypt.js';
import keysGet from './keys/get.js';
import keysImport from './keys/import.js';
import keysList from './keys/list.js';
import keysPublicKey from './keys/public-key.js';
import { keysCertificateDelete, keysCertificateGet, keysCertificatePut } from './keys/certificate.js';
import keysSign, { signBatch } from './keys/sign.js';
import keysEthereumSignMessage from './ethereum/sign-message.js';
import keysEthereumSignTypedData from './ethereum/sign-typed-data.js';
import keysEthereumSignTransaction from './ethereum/sign-transaction.js';
import keysEthereumSignAuthorization from './ethereum/sign-authorization.js';
import keysEthereumSignUserOperation from './ethereum/sign-user-operation.js';
import keysBitcoinAddress from './bitcoin/address.js';
import keysBitcoinSignPsbt from './bitcoin/sign-psbt.js';
import keysBitcoinMusig2Nonce from './bitcoin/musig2-nonce.js';
import keysBitcoinMusig2Sign from './bitcoin/musig2-sign.js';
import keysVerify, { verifyBatch } from './keys/verify.js';
import ethereumRpc from './ethereum/rpc.js';
import keysSolanaSignTransaction from './solana/sign-transaction.js';
import thresholdCreateKey from './threshold/create-key.js';
import { thresholdPeersGet, thresholdPeersPut } from './threshold/peers.js';
import { thresholdDkgRound1, thresholdDkgRound2, thresholdDkgRound3, thresholdDkgShare, thresholdSignRound1, thresholdSignRound2 } from './threshold/participant.js';
import walletsCreate from './wallets/create.js';
import walletsList from './wallets/list.js';
import walletsGet from './wallets/get.js';
import { walletsTransactionRulesDelete, walletsTransactionRulesGet, walletsTransactionRulesPut } from './approvals/wallet-rules.js';
import walletsDerive from './wallets/derive.js';
import walletsXpub from './wallets/xpub.js';
import walletsBitcoinMultisig from './wallets/bitcoin-multisig.js';
import { keysTransactionRulesDelete, keysTransactionRulesGet, keysTransactionRulesPut } from './approvals/key-rules.js';
import { approvalsApprove, approvalsGet, approvalsList, approvalsReject } from './approvals/approvals.js';
import keysMac from './symmetric/mac.js';
import keysVerifyMac from './symmetric/verify-mac.js';
import sysHealth from './sys/health.js';
import sysAttestation from './sys/attestation.js';
import sysMetrics from './sys/metrics.js';
import sysInit from './sys/init.js';
import sysSeal from './sys/seal.js';
import sysUnseal from './sys/unseal.js';

export const routes: readonly Route[] = [
  sysHealth,
  sysMetrics,
  sysInit,
  sysUnseal,
  sysSeal,
  sysAuditKey,
  sysGenerateRootStart,
  sysGenerateRootUpdate,
  sysGenerateRootCancel,
  sysBackup,
  sysEscrowStart,
  sysCold,
  sysRestoreHsmStart,
  sysCeremonyUpdate,
  sysCeremonyCancel,
  sysRotate,
  sysRotateStatus,
  sysAttestation,
  sysRekeyStart,
  sysRekeyUpdate,
  sysRekeyCancel,
  keysCreate,
  keysImport,
  keysList,
  keysGet,
  keysPublicKey,
  keysCertificatePut,
  keysCertificateGet,
  keysCertificateDelete,
  keysSign,
  signBatch,
  keysEthereumSignMessage,
  keysEthereumSignTypedData,
  keysEthereumSignTransaction,
  keysEthereumSignAuthorization,
  keysEthereumSignUserOperation,
  ethereumRpc,
  keysSolanaSignTransaction,
  keysBitcoinAddress,
  keysBitcoinSignPsbt,
  keysBitcoinMusig2Nonce,
  keysBitcoinMusig2Sign,
  thresholdPeersGet,
  thresholdPeersPut,
  thresholdCreateKey,
  thresholdDkgRound1,
  thresholdDkgRound2,
  thresholdDkgShare,
  thresholdDkgRound3,
  thresholdSignRound1,
  thresholdSignRound2,
  keysTransactionRulesPut,
  keysTransactionRulesGet,
  keysTransactionRulesDelete,
  approvalsList,
  approvalsGet,
  approvalsApprove,
  approvalsReject,
  keysVerify,
  verifyBatch,
  keysMac,
  keysVerifyMac,
  keysEncrypt,
  keysDecrypt,
  encryptBatch,
  decryptBatch,
  keysDataKey,
  keysUpdate,
  keysAliasAdd,
  keysAliasRemove,
  keysDisable,
  keysEnable,
  keysDelete,
  keysCancelDeletion,
  keysRotate,
  keysRotation,
  keysExport,
  keysExportKeystore,
  keysWrapped,
  sysWrappingKey,
  keysImportWrapped,
  walletsCreate,
  walletsList,
  walletsGet,
  walletsTransactionRulesPut,
  walletsTransactionRulesGet,
  walletsTransactionRulesDelete,
  walletsDerive,
  walletsXpub,
  walletsBitcoinMultisig,
  secretsList,
  secretsPut,
  secretsGet,
  secretsDelete,
  secretVersionsGet,
  secretVersionsPost,
  tokensCreate,
  awsCredentialsCreate,
  awsCredentialsList,
  awsCredentialsRevoke,
  appKeysCreate,
  appKeysList,
  appKeysRevoke,
  tokensSelf,
  tokensRenewSelf,
  tokensRevoke,
  tokensGet,
  policiesList,
  policiesPut,
  policiesGet,
  policiesDelete,
  auditList,
  auditCheckpoints,
  auditHash,
  kmipJson,
];
