import ArgumentParser
import Audit
import Authz
import CA
import Foundation
import HSM
import LDS
import MohurCore
import OpenSSLKit
import PassiveAuth
import Runtime
import Storage

/// Options every command that touches the state shares.
struct StateOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("State directory (SQLite + key store config).", valueName: "dir"))
    var state: String = ProcessInfo.processInfo.environment["MOHUR_STATE"] ?? ".mohur"

    @Option(name: .long, help: ArgumentHelp("Hierarchy profile to lock at init (default: the built-in profile).", valueName: "file"))
    var profiles: String?

    @Option(name: .long, help: ArgumentHelp("Agency access matrix (annex 2, TSV) to lock at init (default: built in).", valueName: "file"))
    var accessMatrix: String?

    @Option(name: .long, help: ArgumentHelp("Agency operations table (TSV) to lock at init (default: built in).", valueName: "file"))
    var agencyOperations: String?

    @Option(name: .customLong("as"), help: ArgumentHelp(
        "Act as this officer for this command only: a PKCS#11 URI of the officer's key, or a certificate file (with --as-key).",
        valueName: "uri|cert"))
    var actingAs: String?

    @Option(name: .customLong("as-key"), help: ArgumentHelp("Private key file (PEM) for --as CERT; passphrase from MOHUR_KEY_PASSPHRASE.",
                                                          valueName: "file"))
    var actingKey: String?

    var configuration: RuntimeConfiguration {
        RuntimeConfiguration(statePath: state, profilesPath: profiles, accessMatrixPath: accessMatrix, operationsPath: agencyOperations)
    }

    var directory: StateDirectory { configuration.directory }

    /// Opens an initialised state. The locked profile in the database wins over a file given
    /// now; a difference is reported on stderr.
    func openRuntime() throws -> MohurRuntime {
        try MohurRuntime.open(configuration, warn: warn)
    }

    /// The PKI for reading (listing, showing); changes go through ``acting(for:_:)``.
    func openPKI() throws -> PKI { try openRuntime().pki }

    /// The credential of `--as`, if given.
    var credential: OfficerCredential? {
        get throws {
            guard let actingAs else {
                if actingKey != nil { throw MohurError.badInput("--as-key needs --as CERT") }
                return nil
            }
            return try officerCredential(actingAs, key: actingKey)
        }
    }

    /// Runs `body` as an identified officer allowed to use `operation` (see `MohurRuntime.acting`).
    func acting<T>(for operation: MohurOperation, _ body: (ActingOfficer) throws -> T) throws -> T {
        try openRuntime().acting(for: operation, as: try credential, body)
    }

    /// For commands a bare border post also runs (it has a trust store but no PKI, journal or
    /// officers): as an identified officer where the state has a journal, else anonymously.
    func actingIfJournaled<T>(for operation: MohurOperation, _ body: (ActingOfficer?) throws -> T) throws -> T {
        guard directory.exists, MohurRuntime.hasJournal(directory) else { return try body(nil) }
        return try acting(for: operation) { try body($0) }
    }

    func openJournalReader() throws -> AuditReader { try MohurRuntime.openJournalReader(directory) }
}

/// `--as` / `--key`: a PKCS#11 URI, or a certificate file with its key file.
func officerCredential(_ value: String, key: String?) throws -> OfficerCredential {
    if value.hasPrefix("pkcs11:") {
        guard key == nil else { throw MohurError.badInput("a PKCS#11 URI needs no key file; the key stays on the token") }
        return .pkcs11(uri: value)
    }
    guard let key else { throw MohurError.badInput("--as \(value) is a certificate file: give its private key file too") }
    let passphrase = ProcessInfo.processInfo.environment["MOHUR_KEY_PASSPHRASE"].flatMap { $0.isEmpty ? nil : $0 }
    return .files(certificate: value, key: key, passphrase: passphrase)
}

/// `--json` for machine-readable output.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false
}

/// Runs a command body, turning every failure into Mohur's exit codes and a message on stderr
/// that names the input and the problem.
func reporting(_ body: () throws -> Void) throws {
    do { try body() } catch { try report(error) }
}

/// `reporting` for async command bodies.
func reportingAsync(_ body: () async throws -> Void) async throws {
    do { try await body() } catch { try report(error) }
}

private func report(_ error: any Error) throws {
    if let exit = error as? ExitCode { throw exit }
    let failure = MohurError.classify(error)
    Entry.report(failure.description, code: failure.exitCode)
}

func warn(_ message: String) {
    FileHandle.standardError.write(Data("mohur: warning: \(message)\n".utf8))
}

/// Prints a Codable value as pretty JSON with sorted keys.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Reads a file named on the command line, or fails naming it.
func readInput(_ path: String, what: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw MohurError.badInput("\(what) file \(path) does not exist or is unreadable")
    }
    return Array(data)
}

/// Writes an output file the officer named (see `OutputFile.write`).
func writeOutput(_ path: String, _ bytes: [UInt8]) throws {
    try OutputFile.write(bytes, to: path)
}

func day(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withFullDate]
    return formatter.string(from: date)
}

/// The start (00:00 UTC) of a day given as YYYY-MM-DD to `option`.
func day(_ text: String, option: String) throws -> Date {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withFullDate]
    guard let date = formatter.date(from: text) else { throw MohurError.badInput("\(option) \(text) is not a day, YYYY-MM-DD") }
    return date
}
