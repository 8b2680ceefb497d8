/**
 * Numbered, immutable PostgreSQL migrations, mirroring the SQLite ones version for version (same
 * numbers and names), so both backends report the same schema version. Append a new entry to
 * change the schema — here AND in sqlite/migrations.ts, with the same number; never edit an
 * applied one. Sealed bytes are bytea; times are ISO-8601 text as in SQLite (they sort as text).
 */
import type { Migration } from '../sqlite/migrations.js';

export const pgMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
      CREATE TABLE sys_values (
        name  TEXT PRIMARY KEY,
        value BYTEA NOT NULL
      );
      CREATE TABLE keys (
        seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id              TEXT NOT NULL CONSTRAINT keys_id_key UNIQUE,
        name            TEXT CONSTRAINT keys_name_key UNIQUE,
        type            TEXT NOT NULL,
        origin          TEXT NOT NULL,
        state           TEXT NOT NULL,
        public_key      BYTEA,
        kcv             BYTEA,
        current_version INTEGER NOT NULL,
        created_at      TEXT NOT NULL
      );
      CREATE TABLE key_versions (
        key_id          TEXT NOT NULL REFERENCES keys(id),
        version         INTEGER NOT NULL,
        sealed_material BYTEA NOT NULL,
        created_at      TEXT NOT NULL,
        CONSTRAINT key_versions_pkey PRIMARY KEY (key_id, version)
      );
    `,
  },
  {
    version: 2,
    name: 'tokens-policies-audit',
    sql: `
      CREATE TABLE tokens (
        accessor        TEXT CONSTRAINT tokens_pkey PRIMARY KEY,
        token_hash      BYTEA NOT NULL CONSTRAINT tokens_token_hash_key UNIQUE,
        name            TEXT,
        subject         TEXT NOT NULL,
        policies        TEXT NOT NULL,
        parent_accessor TEXT,
        created_at      TEXT NOT NULL,
        expires_at      TEXT,
        ttl_seconds     BIGINT,
        num_uses_left   BIGINT,
        rate_per_second DOUBLE PRECISION,
        rate_burst      BIGINT,
        revoked_at      TEXT
      );
      CREATE INDEX tokens_parent ON tokens(parent_accessor);
      CREATE TABLE policies (
        name       TEXT PRIMARY KEY,
        document   TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE audit_records (
        seq        BIGINT CONSTRAINT audit_records_pkey PRIMARY KEY,
        record     TEXT NOT NULL,
        hash       BYTEA NOT NULL
      );
      CREATE TABLE audit_checkpoints (
        seq        BIGINT PRIMARY KEY,
        checkpoint TEXT NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'key-lifecycle',
    sql: `
      ALTER TABLE keys ADD COLUMN description TEXT NOT NULL DEFAULT '';
      ALTER TABLE keys ADD COLUMN tags TEXT NOT NULL DEFAULT '{}';
      ALTER TABLE keys ADD COLUMN deletion_date TEXT;
      ALTER TABLE keys ADD COLUMN rotation_period_days INTEGER;
      ALTER TABLE keys ADD COLUMN next_rotation_at TEXT;
      ALTER TABLE keys ADD COLUMN min_decryption_version INTEGER NOT NULL DEFAULT 1;
      CREATE INDEX keys_deletion_date ON keys(deletion_date) WHERE deletion_date IS NOT NULL;
      CREATE INDEX keys_next_rotation ON keys(next_rotation_at) WHERE next_rotation_at IS NOT NULL;
      CREATE TABLE key_aliases (
        alias      TEXT CONSTRAINT key_aliases_pkey PRIMARY KEY,
        key_id     TEXT NOT NULL REFERENCES keys(id),
        created_at TEXT NOT NULL
      );
      CREATE INDEX key_aliases_key ON key_aliases(key_id);
    `,
  },
  {
    version: 4,
    name: 'secrets',
    sql: `
      CREATE TABLE secrets (
        path            TEXT PRIMARY KEY,
        current_version INTEGER NOT NULL,
        created_at      TEXT NOT NULL,
        updated_at      TEXT NOT NULL
      );
      CREATE TABLE secret_versions (
        path         TEXT NOT NULL REFERENCES secrets(path),
        version      INTEGER NOT NULL,
        sealed_value BYTEA,
        created_at   TEXT NOT NULL,
        deleted_at   TEXT,
        destroyed    BOOLEAN NOT NULL DEFAULT false,
        PRIMARY KEY (path, version)
      );
    `,
  },
  {
    version: 5,
    name: 'key-exportable',
    sql: `
      ALTER TABLE keys ADD COLUMN exportable BOOLEAN NOT NULL DEFAULT false;
    `,
  },
  {
    version: 6,
    name: 'aws-credentials',
    sql: `
      CREATE TABLE aws_credentials (
        access_key_id   TEXT CONSTRAINT aws_credentials_pkey PRIMARY KEY,
        sealed_secret   BYTEA NOT NULL,
        subject         TEXT NOT NULL,
        policies        TEXT NOT NULL,
        parent_accessor TEXT,
        created_at      TEXT NOT NULL,
        revoked_at      TEXT
      );
    `,
  },
  {
    version: 7,
    name: 'hd-wallets',
    sql: `
      CREATE TABLE wallets (
        seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id          TEXT NOT NULL CONSTRAINT wallets_id_key UNIQUE,
        name        TEXT CONSTRAINT wallets_name_key UNIQUE,
        origin      TEXT NOT NULL,
        sealed_seed BYTEA NOT NULL,
        created_at  TEXT NOT NULL
      );
      ALTER TABLE keys ADD COLUMN wallet_id TEXT REFERENCES wallets(id);
      ALTER TABLE keys ADD COLUMN derivation_path TEXT;
      CREATE UNIQUE INDEX keys_wallet_path ON keys(wallet_id, derivation_path) WHERE wallet_id IS NOT NULL;
    `,
  },
  {
    // Amounts are NUMERIC (wei exceed int8; numeric sums are exact). Times are ISO-8601 text with
    // COLLATE "C" where they are compared or ordered, so text order is byte order as in SQLite.
    version: 8,
    name: 'transaction-rules',
    sql: `
      CREATE TABLE transaction_rules (
        scope      TEXT NOT NULL,
        scope_id   TEXT NOT NULL,
        document   TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (scope, scope_id)
      );
      CREATE TABLE spend_reservations (
        id         TEXT PRIMARY KEY,
        scope      TEXT NOT NULL,
        scope_id   TEXT NOT NULL,
        amount     NUMERIC NOT NULL,
        created_at TEXT COLLATE "C" NOT NULL,
        request_id TEXT
      );
      CREATE INDEX spend_reservations_scope ON spend_reservations(scope, scope_id, created_at);
      CREATE TABLE approvals (
        seq                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id                 TEXT NOT NULL CONSTRAINT approvals_id_key UNIQUE,
        scope              TEXT NOT NULL,
        scope_id           TEXT NOT NULL,
        key_id             TEXT NOT NULL,
        chain              TEXT NOT NULL,
        operation          TEXT NOT NULL,
        request            TEXT NOT NULL,
        summary            TEXT NOT NULL,
        requester_subject  TEXT NOT NULL,
        requester_accessor TEXT NOT NULL,
        required           INTEGER NOT NULL,
        status             TEXT NOT NULL,
        reason             TEXT,
        result             TEXT,
        created_at         TEXT NOT NULL,
        expires_at         TEXT NOT NULL,
        updated_at         TEXT NOT NULL
      );
      CREATE INDEX approvals_status ON approvals(status, seq);
      CREATE TABLE approval_votes (
        approval_id TEXT NOT NULL REFERENCES approvals(id),
        subject     TEXT COLLATE "C" NOT NULL,
        accessor    TEXT NOT NULL,
        vote        TEXT NOT NULL,
        at          TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (approval_id, subject)
      );
    `,
  },
  {
    version: 9,
    name: 'aws-credentials-lifecycle',
    sql: `
      ALTER TABLE aws_credentials ADD COLUMN expires_at TEXT;
      CREATE INDEX aws_credentials_parent ON aws_credentials(parent_accessor);
      -- Credentials whose creating token was already revoked are revoked with it; the others
      -- expire no later than that token (the rule new credentials follow from creation).
      UPDATE aws_credentials
         SET revoked_at = (SELECT t.revoked_at FROM tokens t WHERE t.accessor = aws_credentials.parent_accessor)
       WHERE revoked_at IS NULL
         AND parent_accessor IN (SELECT accessor FROM tokens WHERE revoked_at IS NOT NULL);
      UPDATE aws_credentials
         SET expires_at = (SELECT t.expires_at FROM tokens t WHERE t.accessor = aws_credentials.parent_accessor)
       WHERE parent_accessor IS NOT NULL;
    `,
  },
  {
    version: 10,
    name: 'key-ethereum-address',
    sql: `
      ALTER TABLE keys ADD COLUMN eth_address TEXT;
      CREATE INDEX keys_eth_address ON keys(eth_address) WHERE eth_address IS NOT NULL;
    `,
  },
  {
    // The JSON-RPC signer's nonce coordination across nodes (storage/nonce-leases.ts): per (chain,
    // address) a lease (holder, expiry), the caller next in line, and the last nonce submitted with
    // the time until which it is remembered. Times are ms since the epoch; nonces decimal.
    version: 11,
    name: 'nonce-leases',
    sql: `
      CREATE TABLE nonce_leases (
        chain_id              TEXT NOT NULL,
        address               TEXT NOT NULL,
        holder                TEXT,
        expires_at            BIGINT,
        waiter                TEXT,
        waiter_expires_at     BIGINT,
        last_nonce            NUMERIC(20, 0),
        last_nonce_expires_at BIGINT,
        PRIMARY KEY (chain_id, address)
      );
    `,
  },
  {
    // The signature over the head of each group-committed audit batch, on the batch's last row
    // (audit/record.ts encodes it; storage only keeps the bytes). NULL on every other row and on
    // rows written before this migration, which stay verifiable through their checkpoints.
    version: 12,
    name: 'audit-head-signatures',
    sql: `
      ALTER TABLE audit_records ADD COLUMN head_signature BYTEA;
    `,
  },
  {
    // As SQLite migration 13: the maximum lifetime and the renewable flag; tokens minted before keep
    // the bound renewal had then (365 days after creation), formatted exactly as JavaScript's
    // toISOString (what SQLite's strftime gives too).
    version: 13,
    name: 'token-max-ttl',
    sql: `
      ALTER TABLE tokens ADD COLUMN max_expires_at TEXT;
      ALTER TABLE tokens ADD COLUMN renewable BOOLEAN NOT NULL DEFAULT true;
      UPDATE tokens
         SET max_expires_at = to_char((created_at::timestamptz + interval '365 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
       WHERE expires_at IS NOT NULL
         AND created_at ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z$';
    `,
  },
  {
    // Token limits and transaction counts (policy/transaction-rules.ts) are reserved like the native
    // 24-hour limit: one row per bucket ('native', 'token:<chain>:…', 'count'), the rows of one
    // reservation sharing reservation_id (what releaseSpend and the audit record name). Existing rows
    // are native reservations whose id is their reservation id.
    version: 14,
    name: 'spend-buckets',
    sql: `
      ALTER TABLE spend_reservations ADD COLUMN bucket TEXT COLLATE "C" NOT NULL DEFAULT 'native';
      ALTER TABLE spend_reservations ADD COLUMN reservation_id TEXT;
      UPDATE spend_reservations SET reservation_id = id;
      DROP INDEX spend_reservations_scope;
      CREATE INDEX spend_reservations_bucket ON spend_reservations(scope, scope_id, bucket, created_at);
      CREATE INDEX spend_reservations_reservation ON spend_reservations(reservation_id);
    `,
  },
  {
    // KMIP metadata per key (service/kmip/): the KMIP state, the plaintext-export mark (fixed when the
    // key is created or registered through KMIP) and the KMIP attributes as JSON text.
    version: 15,
    name: 'kmip-objects',
    sql: `
      CREATE TABLE kmip_objects (
        key_id           TEXT PRIMARY KEY REFERENCES keys(id),
        state            TEXT NOT NULL,
        plaintext_export BOOLEAN NOT NULL,
        attributes       TEXT NOT NULL,
        updated_at       TEXT NOT NULL
      );
    `,
  },
  // 16 is not used: FROST signing sessions stay in memory (docs/threshold.md), and a release never had it.
  {
    // Signed requests (RFC 9421, service/access/signed-requests.ts): application public keys bound to a
    // token or certificate accessor (SPKI DER; never a private key), and the replay cache of the
    // signatures' nonces. A nonce row lives until expires_at (ms since the epoch), longer than any
    // signature carrying it is valid; the primary key refuses a reuse on every node of the database.
    version: 17,
    name: 'signed-requests',
    sql: `
      CREATE TABLE app_keys (
        key_id      TEXT PRIMARY KEY,
        accessor    TEXT NOT NULL,
        algorithm   TEXT NOT NULL,
        public_key  BYTEA NOT NULL,
        created_at  TEXT NOT NULL,
        revoked_at  TEXT
      );
      CREATE INDEX app_keys_accessor ON app_keys(accessor);
      CREATE TABLE request_nonces (
        key_id     TEXT NOT NULL,
        nonce      TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        PRIMARY KEY (key_id, nonce)
      );
      CREATE INDEX request_nonces_expiry ON request_nonces(expires_at);
    `,
  },
  {
    // A token's binding to the calling application on the Unix socket (issue 19, docs/attestation.md):
    // JSON {uid?, exeSha256?, scriptSha256?}, null for unbound tokens.
    version: 18,
    name: 'token-caller-binding',
    sql: `
      ALTER TABLE tokens ADD COLUMN bind_caller TEXT;
    `,
  },
  {
    // MuSig2 (BIP327) signing sessions (service/bitcoin/bitcoin-musig2.ts): the secret nonce sealed
    // under the keyring, deleted (committed) before the partial signature is returned, so a nonce
    // signs at most once even across a crash. expires_at is ms since the epoch.
    version: 19,
    name: 'musig2-sessions',
    sql: `
      CREATE TABLE musig2_sessions (
        id           TEXT PRIMARY KEY,
        key_id       TEXT NOT NULL,
        params       TEXT NOT NULL,
        sealed_nonce BYTEA NOT NULL,
        created_at   TEXT NOT NULL,
        expires_at   BIGINT NOT NULL
      );
      CREATE INDEX musig2_sessions_expiry ON musig2_sessions(expires_at);
    `,
  },
  {
    // KMIP Locate through indexes (service/kmip/locate-kmip.ts): the KMIP Names of each key, and the key
    // type and state in creation order; existing KMIP Names are copied in from kmip_objects.
    version: 20,
    name: 'kmip-locate-index',
    sql: `
      CREATE TABLE kmip_names (
        name   TEXT NOT NULL,
        key_id TEXT NOT NULL REFERENCES keys(id),
        PRIMARY KEY (name, key_id)
      );
      CREATE INDEX kmip_names_key ON kmip_names(key_id);
      CREATE INDEX keys_type_seq ON keys(type, seq);
      CREATE INDEX keys_state_seq ON keys(state, seq);
      INSERT INTO kmip_names (name, key_id)
        SELECT DISTINCT n.name, o.key_id FROM kmip_objects o,
          LATERAL (SELECT jsonb_array_elements_text(COALESCE(o.attributes::jsonb -> 'names', '[]'::jsonb)) AS name
                   UNION SELECT jsonb_array_elements_text(COALESCE(o.attributes::jsonb -> 'publicNames', '[]'::jsonb))) n;
    `,
  },
  {
    // X.509 certificates attached to keys (service/keys/key-certificate.ts; PKCS#11 CKO_CERTIFICATE
    // objects for Java's KeyStore). Public data, stored as DER; the key id binds it to its key.
    version: 21,
    name: 'key-certificates',
    sql: `
      CREATE TABLE key_certificates (
        key_id      TEXT PRIMARY KEY REFERENCES keys(id),
        certificate BYTEA NOT NULL,
        updated_at  TEXT NOT NULL
      );
    `,
  },
  {
    // KMIP objects that are not Strongbox keys (service/kmip/kmip-item.ts): Public Keys registered without
    // their private half, and the metadata of Secret Data and Opaque Objects, whose values are Strongbox
    // secrets at kmip/<uid>. Names and the type and state in creation order are indexed for Locate.
    version: 22,
    name: 'kmip-items',
    sql: `
      CREATE TABLE kmip_items (
        seq          BIGSERIAL PRIMARY KEY,
        uid          TEXT NOT NULL UNIQUE,
        object_type  TEXT NOT NULL,
        key_type     TEXT,
        state        TEXT NOT NULL,
        attributes   TEXT NOT NULL,
        public_key   BYTEA,
        created_at   TEXT NOT NULL,
        updated_at   TEXT NOT NULL
      );
      CREATE INDEX kmip_items_type_seq ON kmip_items(object_type, seq);
      CREATE INDEX kmip_items_state_seq ON kmip_items(state, seq);
      CREATE TABLE kmip_item_names (
        name TEXT NOT NULL,
        uid  TEXT NOT NULL REFERENCES kmip_items(uid),
        PRIMARY KEY (name, uid)
      );
      CREATE INDEX kmip_item_names_uid ON kmip_item_names(uid);
    `,
  },
];
