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
];
