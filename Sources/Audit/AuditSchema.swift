import Storage

/// The journal's tables, in a database file of their own (`audit.sqlite`): its own migration
/// history (SQLite's `user_version` is per file) and its own durability setting.
public enum AuditSchema {
    /// Triggers that refuse UPDATE and DELETE on every journal table, named
    /// `audit_<table>_no_update` / `audit_<table>_no_delete`.
    static func appendOnly(_ tables: [String]) -> String {
        tables.flatMap { table in
            ["update", "delete"].map { operation in
                "CREATE TRIGGER audit_\(table)_no_\(operation) BEFORE \(operation.uppercased()) ON audit_\(table) "
                    + "BEGIN SELECT RAISE(ABORT, 'the audit journal is append-only'); END;"
            }
        }.joined(separator: "\n")
    }


    /// PostgreSQL: a trigger function refuses UPDATE, DELETE and TRUNCATE on the journal tables;
    /// the deployment's writer role has no UPDATE or DELETE grant either (README, PostgreSQL).
    static func appendOnlyPostgreSQL(_ tables: [String]) -> String {
        """
        CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the audit journal is append-only'; END $$;
        """ + tables.map { table in
            """
            CREATE TRIGGER audit_\(table)_append_only BEFORE UPDATE OR DELETE ON audit_\(table)
                FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
            CREATE TRIGGER audit_\(table)_no_truncate BEFORE TRUNCATE ON audit_\(table)
                FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
            """
        }.joined(separator: "\n")
    }

    public static let migrations: [Migration] = [
        Migration(version: 1, name: "audit-journal", sql: """
            CREATE TABLE audit_meta (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            );
            -- Leaf i of the Merkle tree: the canonical entry bytes (AuditEntry).
            CREATE TABLE audit_entries (
                idx INTEGER PRIMARY KEY CHECK (idx >= 0),
                entry BLOB NOT NULL
            );
            -- Hash of every complete aligned subtree: leaves [idx·2^level, (idx+1)·2^level).
            CREATE TABLE audit_nodes (
                level INTEGER NOT NULL,
                idx INTEGER NOT NULL,
                hash BLOB NOT NULL,
                PRIMARY KEY (level, idx)
            ) WITHOUT ROWID;
            -- Signed tree heads, C2SP tlog-checkpoint notes.
            CREATE TABLE audit_checkpoints (
                size INTEGER PRIMARY KEY,
                root BLOB NOT NULL,
                note TEXT NOT NULL,
                signed_at INTEGER NOT NULL
            );
            -- Append-only for anyone using the schema as designed. An administrator can drop
            -- these; the signed checkpoints are what makes that detectable.
            \(appendOnly(["entries", "nodes", "checkpoints"]))
            """, postgresql: """
            CREATE TABLE audit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE audit_entries (idx BIGINT PRIMARY KEY CHECK (idx >= 0), entry BYTEA NOT NULL);
            CREATE TABLE audit_nodes (level BIGINT NOT NULL, idx BIGINT NOT NULL, hash BYTEA NOT NULL, PRIMARY KEY (level, idx));
            CREATE TABLE audit_checkpoints (size BIGINT PRIMARY KEY, root BYTEA NOT NULL, note TEXT NOT NULL, signed_at BIGINT NOT NULL);
            \(appendOnlyPostgreSQL(["entries", "nodes", "checkpoints"]))
            """),
        // The central service's copies of other nodes' journals (store and forward, rules
        // §5.2.4.5): each node registered by its verifier key, its entries as received, and
        // every checkpoint of it that was accepted. Entries and checkpoints are append-only;
        // the node row holds where each node stands.
        Migration(version: 2, name: "remote-nodes", sql: """
            CREATE TABLE audit_remote_nodes (
                origin TEXT PRIMARY KEY,
                vkey TEXT NOT NULL,
                label TEXT NOT NULL,
                registered_at INTEGER NOT NULL,
                size INTEGER NOT NULL DEFAULT 0,
                frontier BLOB NOT NULL DEFAULT x'',
                received_at INTEGER,
                refused_at INTEGER,
                refusal TEXT
            );
            CREATE TABLE audit_remote_entries (
                origin TEXT NOT NULL REFERENCES audit_remote_nodes(origin),
                idx INTEGER NOT NULL CHECK (idx >= 0),
                entry BLOB NOT NULL,
                PRIMARY KEY (origin, idx)
            ) WITHOUT ROWID;
            CREATE TABLE audit_remote_checkpoints (
                origin TEXT NOT NULL REFERENCES audit_remote_nodes(origin),
                size INTEGER NOT NULL,
                root BLOB NOT NULL,
                note TEXT NOT NULL,
                received_at INTEGER NOT NULL,
                PRIMARY KEY (origin, size)
            ) WITHOUT ROWID;
            \(appendOnly(["remote_entries", "remote_checkpoints"]))
            """, postgresql: """
            CREATE TABLE audit_remote_nodes (
                origin TEXT PRIMARY KEY, vkey TEXT NOT NULL, label TEXT NOT NULL, registered_at BIGINT NOT NULL,
                size BIGINT NOT NULL DEFAULT 0, frontier BYTEA NOT NULL DEFAULT '\\x'::bytea,
                received_at BIGINT, refused_at BIGINT, refusal TEXT);
            CREATE TABLE audit_remote_entries (
                origin TEXT NOT NULL REFERENCES audit_remote_nodes(origin), idx BIGINT NOT NULL CHECK (idx >= 0),
                entry BYTEA NOT NULL, PRIMARY KEY (origin, idx));
            CREATE TABLE audit_remote_checkpoints (
                origin TEXT NOT NULL REFERENCES audit_remote_nodes(origin), size BIGINT NOT NULL, root BYTEA NOT NULL,
                note TEXT NOT NULL, received_at BIGINT NOT NULL, PRIMARY KEY (origin, size));
            \(appendOnlyPostgreSQL(["remote_entries", "remote_checkpoints"]))
            """),
        // Witnessing (c2sp.org/tlog-witness). On a witness: the logs it follows and the
        // latest checkpoint of each it cosigned. On a journal that asks witnesses: who they
        // are, the size each holds, and the cosignatures they returned (append-only).
        Migration(version: 3, name: "witnesses", sql: """
            CREATE TABLE witness_logs (
                origin TEXT PRIMARY KEY,
                vkey TEXT NOT NULL,
                label TEXT NOT NULL,
                added_at INTEGER NOT NULL,
                size INTEGER NOT NULL DEFAULT 0,
                root BLOB,
                note TEXT,
                cosigned_at INTEGER
            );
            CREATE TABLE audit_witnesses (
                name TEXT PRIMARY KEY,
                vkey TEXT NOT NULL,
                url TEXT NOT NULL,
                added_at INTEGER NOT NULL,
                size INTEGER NOT NULL DEFAULT 0,
                cosigned_at INTEGER
            );
            CREATE TABLE audit_cosignatures (
                size INTEGER NOT NULL,
                witness TEXT NOT NULL REFERENCES audit_witnesses(name),
                line TEXT NOT NULL,
                timestamp INTEGER NOT NULL,
                received_at INTEGER NOT NULL,
                PRIMARY KEY (size, witness)
            ) WITHOUT ROWID;
            \(appendOnly(["cosignatures"]))
            """, postgresql: """
            CREATE TABLE witness_logs (
                origin TEXT PRIMARY KEY, vkey TEXT NOT NULL, label TEXT NOT NULL, added_at BIGINT NOT NULL,
                size BIGINT NOT NULL DEFAULT 0, root BYTEA, note TEXT, cosigned_at BIGINT);
            CREATE TABLE audit_witnesses (
                name TEXT PRIMARY KEY, vkey TEXT NOT NULL, url TEXT NOT NULL, added_at BIGINT NOT NULL,
                size BIGINT NOT NULL DEFAULT 0, cosigned_at BIGINT);
            CREATE TABLE audit_cosignatures (
                size BIGINT NOT NULL, witness TEXT NOT NULL REFERENCES audit_witnesses(name), line TEXT NOT NULL,
                timestamp BIGINT NOT NULL, received_at BIGINT NOT NULL, PRIMARY KEY (size, witness));
            \(appendOnlyPostgreSQL(["cosignatures"]))
            """),
    ]
}
