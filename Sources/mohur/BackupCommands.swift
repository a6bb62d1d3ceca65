import ArgumentParser
import Foundation
import MohurCore
import Runtime

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write a consistent snapshot of the state (PKI store, journal, trust store, configuration) with a manifest.",
        discussion: """
            The snapshot is taken while the service runs (SQLite's VACUUM INTO reads one transaction's view), \
            its journal is verified, and manifest.json records each file's SHA-256 and the record counts a \
            restore must find again. Keys stay in the HSM and PIN files stay in the state: a backup holds \
            neither. A state whose stores are in PostgreSQL is backed up with pgBackRest or pg_basebackup \
            instead. Needs cert-manage (a security officer).
            """)
    @OptionGroup var state: StateOptions
    @OptionGroup var output: OutputOptions
    @Option(help: ArgumentHelp("A new (or empty) directory for the backup.", valueName: "dir")) var out: String

    func run() throws {
        try reporting {
            let runtime = try state.openRuntime()
            let manifest = try runtime.acting(for: .certManage, as: try state.credential) { _ in try runtime.backup(to: out) }
            if output.json { return try printJSON(manifest) }
            print("backup written to \(out): \(manifest.files.keys.sorted().joined(separator: ", "))")
            for (name, count) in manifest.counts.sorted(by: { $0.key < $1.key }) { print("  \(name): \(count)") }
        }
    }
}

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup into the state, then verify its journal and its record counts.",
        discussion: """
            The files' digests are checked against the manifest before anything is copied. A state that \
            already has stores is refused unless --replace, which moves the current files aside \
            (*.before-restore-<time>); nothing is deleted. The restored journal must verify and every count \
            must match the manifest, or the restore fails (exit 3). The HSM with the state's keys must be \
            reachable as before: keys are never in a backup.
            """)
    @OptionGroup var state: StateOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: ArgumentHelp("The backup directory (with manifest.json).", valueName: "dir")) var backup: String
    @Flag(help: "Move the state's current store files aside and restore over them.") var replace = false

    func run() throws {
        try reporting {
            let manifest = try MohurRuntime.restore(from: backup, into: state.directory, replacing: replace)
            try state.openRuntime().journalRestore(from: backup, manifest: manifest)
            if output.json { return try printJSON(manifest) }
            print("restored \(backup) (taken \(manifest.createdAt.formatted(.iso8601))) into \(state.directory.path); journal verified")
            for (name, count) in manifest.counts.sorted(by: { $0.key < $1.key }) { print("  \(name): \(count) (as in the backup)") }
        }
    }
}
