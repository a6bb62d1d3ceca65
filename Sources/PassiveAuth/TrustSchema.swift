import Storage

/// The schema of a border post's trust store (`<state>/trust.sqlite`), kept apart from the CA
/// state: a border post may hold no CA at all; the central copy lives in the central
/// complex's PostgreSQL database. Released migrations are never edited (the PostgreSQL form of
/// version 1 creates the same tables).
public enum TrustSchema {
    public static let migrations: [Migration] = [
        Migration(version: 1, name: "trust-store", sql: """
            -- Every certificate from foreign PKIs: CSCAs (self-signed), link certificates (a new
            -- CSCA key signed by the old one, Doc 9303-12 §5.5.1), Document Signers (PKD).
            CREATE TABLE trust_certificates (
                id INTEGER PRIMARY KEY,
                kind TEXT NOT NULL CHECK (kind IN ('csca', 'link', 'dsc')),
                country TEXT NOT NULL,
                subject TEXT NOT NULL,
                subject_key TEXT NOT NULL,
                issuer_key TEXT NOT NULL,
                serial TEXT NOT NULL,
                ski TEXT,
                aki TEXT,
                not_before INTEGER NOT NULL,
                not_after INTEGER NOT NULL,
                der BLOB NOT NULL,
                fingerprint TEXT NOT NULL UNIQUE,
                source_kind TEXT NOT NULL,
                source_file TEXT NOT NULL,
                imported_at INTEGER NOT NULL,
                warnings TEXT NOT NULL DEFAULT ''
            );
            CREATE INDEX trust_certificates_by_ski ON trust_certificates(ski);
            CREATE INDEX trust_certificates_by_aki ON trust_certificates(aki);
            CREATE INDEX trust_certificates_by_country ON trust_certificates(country, kind);
            CREATE INDEX trust_certificates_by_issuer_serial ON trust_certificates(issuer_key, serial);
            -- CRLs are stored only once their signature verified under the CSCA named here.
            CREATE TABLE trust_crls (
                id INTEGER PRIMARY KEY,
                country TEXT NOT NULL,
                issuer TEXT NOT NULL,
                csca_id INTEGER NOT NULL REFERENCES trust_certificates(id),
                csca_ski TEXT,
                this_update INTEGER NOT NULL,
                next_update INTEGER,
                der BLOB NOT NULL,
                fingerprint TEXT NOT NULL UNIQUE,
                source_kind TEXT NOT NULL,
                source_file TEXT NOT NULL,
                imported_at INTEGER NOT NULL
            );
            CREATE INDEX trust_crls_by_csca ON trust_crls(csca_id);
            -- Deviation lists (Doc 9303-12 §9): stored whole for now, interpreted later.
            CREATE TABLE trust_deviation_lists (
                id INTEGER PRIMARY KEY,
                country TEXT,
                der BLOB NOT NULL,
                fingerprint TEXT NOT NULL UNIQUE,
                source_file TEXT NOT NULL,
                imported_at INTEGER NOT NULL
            );
            CREATE TABLE trust_meta (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            );
            """, postgresql: """
            CREATE TABLE trust_certificates (
                id BIGSERIAL PRIMARY KEY,
                kind TEXT NOT NULL CHECK (kind IN ('csca', 'link', 'dsc')),
                country TEXT NOT NULL, subject TEXT NOT NULL, subject_key TEXT NOT NULL, issuer_key TEXT NOT NULL,
                serial TEXT NOT NULL, ski TEXT, aki TEXT, not_before BIGINT NOT NULL, not_after BIGINT NOT NULL,
                der BYTEA NOT NULL, fingerprint TEXT NOT NULL UNIQUE, source_kind TEXT NOT NULL, source_file TEXT NOT NULL,
                imported_at BIGINT NOT NULL, warnings TEXT NOT NULL DEFAULT '');
            CREATE INDEX trust_certificates_by_ski ON trust_certificates(ski);
            CREATE INDEX trust_certificates_by_aki ON trust_certificates(aki);
            CREATE INDEX trust_certificates_by_country ON trust_certificates(country, kind);
            CREATE INDEX trust_certificates_by_issuer_serial ON trust_certificates(issuer_key, serial);
            CREATE TABLE trust_crls (
                id BIGSERIAL PRIMARY KEY, country TEXT NOT NULL, issuer TEXT NOT NULL,
                csca_id BIGINT NOT NULL REFERENCES trust_certificates(id), csca_ski TEXT,
                this_update BIGINT NOT NULL, next_update BIGINT, der BYTEA NOT NULL, fingerprint TEXT NOT NULL UNIQUE,
                source_kind TEXT NOT NULL, source_file TEXT NOT NULL, imported_at BIGINT NOT NULL);
            CREATE INDEX trust_crls_by_csca ON trust_crls(csca_id);
            CREATE TABLE trust_deviation_lists (
                id BIGSERIAL PRIMARY KEY, country TEXT, der BYTEA NOT NULL, fingerprint TEXT NOT NULL UNIQUE,
                source_file TEXT NOT NULL, imported_at BIGINT NOT NULL);
            CREATE TABLE trust_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            """),
        Migration(version: 2, name: "trust-sources", sql: """
            -- Each imported list (a State's master list, a PKD LDIF collection) as a source: its
            -- versions in import order, and which certificates its newest version holds, so that a
            -- newer list is applied as a difference and an older one is recognised and ignored.
            CREATE TABLE trust_sources (
                id INTEGER PRIMARY KEY,
                source_key TEXT NOT NULL,
                sequence INTEGER,
                sha256 TEXT NOT NULL,
                file TEXT NOT NULL,
                imported_at INTEGER NOT NULL,
                added INTEGER NOT NULL,
                removed INTEGER NOT NULL
            );
            CREATE INDEX trust_sources_by_key ON trust_sources(source_key, id);
            -- Issuers are looked up by name as well as by key identifier (a CRL's issuer).
            CREATE INDEX trust_certificates_by_subject ON trust_certificates(subject_key);
            CREATE TABLE trust_source_members (
                source_key TEXT NOT NULL,
                certificate_id INTEGER NOT NULL REFERENCES trust_certificates(id),
                PRIMARY KEY (source_key, certificate_id)
            );
            """, postgresql: """
            CREATE TABLE trust_sources (
                id BIGSERIAL PRIMARY KEY, source_key TEXT NOT NULL, sequence BIGINT, sha256 TEXT NOT NULL, file TEXT NOT NULL,
                imported_at BIGINT NOT NULL, added BIGINT NOT NULL, removed BIGINT NOT NULL);
            CREATE INDEX trust_sources_by_key ON trust_sources(source_key, id);
            -- Issuers are looked up by name as well as by key identifier (a CRL's issuer).
            CREATE INDEX trust_certificates_by_subject ON trust_certificates(subject_key);
            CREATE TABLE trust_source_members (
                source_key TEXT NOT NULL, certificate_id BIGINT NOT NULL REFERENCES trust_certificates(id),
                PRIMARY KEY (source_key, certificate_id));
            """),
    ]
}
