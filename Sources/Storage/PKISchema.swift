/// The schema of the PKI state, as ordered migrations. A migration, once released, is never
/// edited: changes come as new versions.
public enum PKISchema {
    public static let migrations: [Migration] = [
        Migration(version: 1, name: "pki", sql: """
            CREATE TABLE settings (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            );
            -- Key references only: private key material never enters this database.
            CREATE TABLE keys (
                ref TEXT PRIMARY KEY,
                label TEXT NOT NULL,
                spec TEXT NOT NULL,
                backend TEXT NOT NULL CHECK (backend IN ('pkcs11', 'software')),
                public_key BLOB NOT NULL,
                created_at INTEGER NOT NULL
            );
            CREATE TABLE certificates (
                id INTEGER PRIMARY KEY,
                serial TEXT NOT NULL,
                issuer TEXT NOT NULL,
                issuer_authority TEXT,
                subject TEXT NOT NULL,
                role TEXT NOT NULL,
                der BLOB NOT NULL,
                fingerprint TEXT NOT NULL UNIQUE,
                ski TEXT,
                aki TEXT,
                not_before INTEGER NOT NULL,
                not_after INTEGER NOT NULL,
                key_usage_not_before INTEGER,
                key_usage_not_after INTEGER,
                key_ref TEXT REFERENCES keys(ref),
                issued_at INTEGER NOT NULL,
                CONSTRAINT unique_serial_per_issuer UNIQUE (issuer, serial)
            );
            CREATE INDEX certificates_by_issuer_authority ON certificates(issuer_authority);
            CREATE INDEX certificates_by_ski ON certificates(ski);
            CREATE TABLE authorities (
                name TEXT PRIMARY KEY,
                role TEXT NOT NULL,
                level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4),
                agency TEXT,
                key_ref TEXT NOT NULL REFERENCES keys(ref),
                certificate_id INTEGER NOT NULL REFERENCES certificates(id),
                status TEXT NOT NULL CHECK (status IN ('active', 'retired')),
                generation INTEGER NOT NULL,
                crl_number INTEGER NOT NULL DEFAULT 0,
                created_at INTEGER NOT NULL
            );
            CREATE TABLE revocations (
                certificate_id INTEGER PRIMARY KEY REFERENCES certificates(id),
                reason TEXT NOT NULL,
                revoked_at INTEGER NOT NULL,
                recorded_at INTEGER NOT NULL
            );
            CREATE TABLE crls (
                authority TEXT NOT NULL REFERENCES authorities(name),
                crl_number INTEGER NOT NULL,
                this_update INTEGER NOT NULL,
                next_update INTEGER NOT NULL,
                der BLOB NOT NULL,
                PRIMARY KEY (authority, crl_number)
            );
            """),
        // EF.SOD issuance (Doc 9303-10 §4.6.2): which Document Signer signed which document,
        // over which data group hashes. Only hashes: data group contents (MRZ, face, fingerprints)
        // never enter this database. One index only: each index adds B-tree pages to every
        // issuance's commit, which is on the signing path; lookups by FIN or DS serial are
        // investigation-rate queries and scan.
        Migration(version: 2, name: "sod-issuances", sql: """
            CREATE TABLE sod_issuances (
                id INTEGER PRIMARY KEY,
                document_number TEXT NOT NULL,
                document_type TEXT NOT NULL,
                fin TEXT CHECK (fin IS NULL OR (length(fin) = 7 AND fin NOT GLOB '*[^A-Z0-9]*')),
                ds_authority TEXT NOT NULL REFERENCES authorities(name),
                ds_serial TEXT NOT NULL,
                hash_algorithm TEXT NOT NULL,
                data_group_hashes TEXT NOT NULL,
                sod_sha256 TEXT NOT NULL,
                signed_at INTEGER NOT NULL
            );
            CREATE INDEX sod_issuances_by_document ON sod_issuances(document_number, document_type);
            """),
        // Who may act (issue 9): officer sessions (only a hash of the bearer token is kept),
        // dual-control requests for the top keys with one row per officer's decision, and
        // national e-signature certificates mapped to an IAMAS agency and role.
        Migration(version: 3, name: "officers", sql: """
            CREATE TABLE officer_sessions (
                token_sha256 TEXT PRIMARY KEY,
                certificate_fingerprint TEXT NOT NULL,
                certificate_der BLOB NOT NULL,
                agency TEXT,
                role TEXT,
                opened_at INTEGER NOT NULL,
                last_used_at INTEGER NOT NULL,
                idle_seconds INTEGER NOT NULL CHECK (idle_seconds > 0),
                closed_at INTEGER,
                close_reason TEXT CHECK (close_reason IN ('logout', 'expired'))
            );
            CREATE TABLE approval_requests (
                id INTEGER PRIMARY KEY,
                operation TEXT NOT NULL,
                parameters TEXT NOT NULL,
                target TEXT NOT NULL,
                required INTEGER NOT NULL CHECK (required >= 2),
                requested_by TEXT NOT NULL,
                requested_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('pending', 'executed', 'denied', 'expired', 'failed')),
                closed_at INTEGER,
                outcome TEXT
            );
            CREATE TABLE approvals (
                request_id INTEGER NOT NULL REFERENCES approval_requests(id),
                officer_fingerprint TEXT NOT NULL,
                decision TEXT NOT NULL CHECK (decision IN ('grant', 'deny')),
                decided_at INTEGER NOT NULL,
                PRIMARY KEY (request_id, officer_fingerprint)
            );
            CREATE TABLE national_mappings (
                certificate_fingerprint TEXT PRIMARY KEY,
                subject TEXT NOT NULL,
                issuer TEXT NOT NULL,
                der BLOB NOT NULL,
                agency TEXT NOT NULL,
                role TEXT NOT NULL,
                not_after INTEGER NOT NULL,
                mapped_at INTEGER NOT NULL,
                mapped_by TEXT NOT NULL,
                withdrawn_at INTEGER
            );
            """),
        // Nonces of accepted signed requests (RFC 9421), kept until their signature expires so
        // that a replay is refused by every worker and after a restart.
        Migration(version: 4, name: "request-nonces", sql: """
            CREATE TABLE request_nonces (
                key_id TEXT NOT NULL,
                nonce TEXT NOT NULL,
                expires_at INTEGER NOT NULL,
                PRIMARY KEY (key_id, nonce)
            ) WITHOUT ROWID;
            CREATE INDEX request_nonces_by_expiry ON request_nonces(expires_at);
            -- What cached authorizations depend on: bumped by every revocation, every new root,
            -- segment or bridge certificate, and every change of a national mapping, so the
            -- decision point reads one row per request to know whether its cache still holds.
            CREATE INDEX certificates_by_role ON certificates(role);
            CREATE TABLE authorization_generation (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                value INTEGER NOT NULL
            );
            INSERT INTO authorization_generation(id, value) VALUES (1, 0);
            CREATE TRIGGER authorization_after_revocation AFTER INSERT ON revocations
            BEGIN UPDATE authorization_generation SET value = value + 1 WHERE id = 1; END;
            CREATE TRIGGER authorization_after_issuer AFTER INSERT ON certificates
            WHEN NEW.role IN ('root', 'segment', 'cross-certificate')
            BEGIN UPDATE authorization_generation SET value = value + 1 WHERE id = 1; END;
            CREATE TRIGGER authorization_after_mapping AFTER INSERT ON national_mappings
            BEGIN UPDATE authorization_generation SET value = value + 1 WHERE id = 1; END;
            CREATE TRIGGER authorization_after_mapping_change AFTER UPDATE ON national_mappings
            BEGIN UPDATE authorization_generation SET value = value + 1 WHERE id = 1; END;
            """),
        // The replay cache moved to its own ledger beside the database (`ReplayLedger`): a
        // SQLite transaction per signed request cost more than the signature check.
        Migration(version: 5, name: "replay-ledger", sql: """
            DROP TABLE request_nonces;
            """),
    ]
}
