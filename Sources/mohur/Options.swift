import ArgumentParser
import Audit
import CA
import Foundation
import HSM
import LDS
import MohurCore
import OpenSSLKit
import PassiveAuth
import Storage

/// Options every command that touches the state shares.
struct StateOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("State directory (SQLite + key store config).", valueName: "dir"))
    var state: String = ProcessInfo.processInfo.environment["MOHUR_STATE"] ?? ".mohur"

    @Option(name: .long, help: ArgumentHelp("Hierarchy profile file, read at init and locked afterwards.", valueName: "file"))
    var profiles: String = "CA/hierarchy.json"

    @Option(name: .long, help: ArgumentHelp("Agency access matrix (TSV).", valueName: "file"))
    var accessMatrix: String = "CA/agency-access.tsv"

    var directory: StateDirectory { StateDirectory(path: state) }

    /// Opens an initialised PKI. The locked profile in the database wins over the file;
    /// a difference is reported on stderr.
    func openPKI() throws -> PKI {
        let dir = directory
        let config = try dir.loadConfiguration()
        let repository = try dir.openRepository()
        guard let locked = try PKI.lockedProfile(repository) else {
            throw MohurError.notFound("the state in \(state) was never initialised", hint: "run `mohur init`")
        }
        if let current = try? HierarchyProfile.load(path: profiles), current != locked {
            warn("\(profiles) differs from the profile locked at init; the locked copy is used")
        }
        let matrix = try AccessMatrix.load(path: accessMatrix)
        let keys = try dir.openKeyStore(config)
        return PKI(repository: repository, keys: keys, profile: locked, matrix: matrix, audit: try openJournal(keys: keys))
    }
}

/// `--json` for machine-readable output.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false
}

/// Runs a command body, turning every failure into Mohur's exit codes and a message on stderr
/// that names the input and the problem.
func reporting(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as MohurError {
        Entry.report(error.description, code: error.exitCode)
    } catch let error as StorageError {
        Entry.report("database: \(error)", code: 3)
    } catch let error as PKCS11Error {
        Entry.report("HSM: \(error)", code: 3)
    } catch let error as OpenSSLError {
        Entry.report("\(error)", code: 2)
    } catch let error as PassiveAuthError {
        Entry.report(error.description, code: error.mohurError.exitCode)
    } catch let error as LDSError {
        Entry.report("\(error)", code: 2)
    }
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

/// Writes an output file, refusing to overwrite unless asked.
func writeOutput(_ path: String, _ bytes: [UInt8]) throws {
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
        throw MohurError.system("cannot write \(path)")
    }
}

func day(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withFullDate]
    return formatter.string(from: date)
}
