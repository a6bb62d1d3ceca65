import Audit
import Foundation
import HSM
import MohurCore

// Child of the audit crash test: opens (or creates) the journal at argv[1] with the software
// key at argv[2], then appends from four threads until killed, printing each index once its
// append has returned — the parent checks every printed index survived.
let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: audit-crash-child DB KEY\n".utf8))
    exit(2)
}
do {
    let database = try AuditLog.openDatabase(path: arguments[1])
    let signer: any Signer
    if FileManager.default.fileExists(atPath: arguments[2]) {
        signer = try SoftwareKeySigner.load(path: arguments[2], passphrase: "crash")
    } else {
        signer = try SoftwareKeySigner.generate(.ec(.p256), path: arguments[2], passphrase: "crash")
        try AuditLog.create(database: database, origin: "iamas.az/mohur/audit-crash", signer: signer)
    }
    let log = try AuditLog(database: database, signer: signer, checkpointInterval: 0.02)
    FileHandle.standardOutput.write(Data("ready\n".utf8))
    DispatchQueue.concurrentPerform(iterations: 4) { writer in
        var n = 0
        while true {
            n += 1
            do {
                let record = AuditRecord.action(try AuditAction(.moduleResult, operation: "crash.append", actor: .localOfficer,
                                                                outcome: .success, details: ["writer": .integer(Int64(writer)), "n": .integer(Int64(n))]))
                let index = try log.append(record)
                FileHandle.standardOutput.write(Data("\(index)\n".utf8))
            } catch {
                FileHandle.standardError.write(Data("append failed: \(error)\n".utf8))
                exit(3)
            }
        }
    }
} catch {
    FileHandle.standardError.write(Data("audit-crash-child: \(error)\n".utf8))
    exit(3)
}
