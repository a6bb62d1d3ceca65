import ArgumentParser
import DocumentSigning
import Foundation
import LDS
import MohurCore
import OpenSSLKit
import Storage

/// `mohur sod …`: EF.SOD, the chip's document security object (Doc 9303-10 §4.6.2).
struct SODGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sod", abstract: "Sign and read EF.SOD, the document security object of passport and ID chips.",
        subcommands: [Sign.self, SignBatch.self, Show.self, List.self])

    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a document's data groups with the current Document Signer and record the issuance.",
            discussion: """
                Hashes each data group file (SHA-256 unless the profile or --hash says otherwise), builds the LDS \
                security object (v1 with LDSVersionInfo when --com declares LDS 1.8 or later) and a CMS SignedData \
                signed inside the HSM (Doc 9303-10 §4.6.2, RFC 5652). The issuance record keeps the document number, \
                type, Document Signer serial, data group hashes, time and FIN — never data group contents.

                Exit status: 0 signed; 1 refused (no Document Signer may sign this type now); 2 bad input; 3 HSM or \
                database failure.
                """)
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("Document type code (P passport, I ID card, …).", valueName: "code")) var docType: String
        @Option(help: ArgumentHelp("Document number as in the MRZ.", valueName: "number")) var docNumber: String
        @Option(name: .customLong("dg"), help: ArgumentHelp("A data group file as N=FILE; repeat per data group.", valueName: "N=file"))
        var dataGroups: [String] = []
        @Option(help: ArgumentHelp("A data group hash as N=HEX instead of its file; repeat per data group.", valueName: "N=hex"))
        var dgHash: [String] = []
        @Option(help: ArgumentHelp("Write EF.SOD here.", valueName: "file")) var out: String
        @Option(help: ArgumentHelp("EF.COM of the same chip: checks the data group list and the LDS version.", valueName: "file"))
        var com: String?
        @Option(help: ArgumentHelp("The holder's FIN (7 characters A–Z, 0–9), recorded with the issuance.", valueName: "FIN"))
        var fin: String?
        @Option(help: ArgumentHelp("Data group hash: sha256, sha384 or sha512 (default from the profile).", valueName: "name"))
        var hash: String?

        func run() throws {
            try reporting {
                let request = try makeRequest()
                let signed = try state.acting(for: .sodSign) { try DocumentSigningService(pki: $0.pki).sign(request) }
                try writeOutput(out, signed.encoded)
                if output.json {
                    struct View: Encodable { var file: String; var issuance: SODIssuanceRecord; var sod: SODDescription }
                    try printJSON(View(file: out, issuance: signed.record, sod: SODDescription(signed.sod)))
                } else {
                    print("Signed EF.SOD for \(request.documentType) \(request.documentNumber) with \(signed.record.dsAuthority) "
                          + "(serial \(signed.record.dsSerial)), \(signed.record.hashAlgorithm), "
                          + "\(signed.record.dataGroupHashes.count) data groups → \(out) (issuance #\(signed.record.id)).")
                }
            }
        }

        /// Everything the command line says, checked before the state is opened.
        func makeRequest() throws -> SODRequest {
            try Self.request(docType: docType, docNumber: docNumber, dataGroups: dataGroups, dgHash: dgHash, com: com,
                             fin: fin, hash: hash)
        }

        /// A request from command-line shaped values: data groups as `N=FILE` or hashes as `N=HEX`.
        static func request(docType: String, docNumber: String, dataGroups: [String], dgHash: [String], com: String?,
                            fin: String?, hash: String?) throws -> SODRequest {
            let fin = try fin.map { try FIN($0) }
            let digest = try hash.map { try SODProfile.signingHash(named: $0) }
            guard dataGroups.isEmpty || dgHash.isEmpty else {
                throw MohurError.badInput("give data groups either as files (--dg) or as hashes (--dg-hash), not both")
            }
            let content: SODRequest.DataGroups
            if dgHash.isEmpty {
                content = .files(try pairs(dataGroups, option: "--dg") { number, path in
                    let bytes = try readInput(path, what: "data group")
                    do { _ = try DataGroup(number: number, encoded: bytes) } catch let error as LDSError {
                        throw MohurError.badInput("--dg \(number.rawValue)=\(path) is not a \(number) data group: \(error)")
                    }
                    return bytes
                })
            } else {
                content = .hashes(try pairs(dgHash, option: "--dg-hash") { _, text in
                    guard let bytes = Digest.bytes(fromHex: text), !bytes.isEmpty else {
                        throw MohurError.badInput("--dg-hash value '\(text)' is not hex")
                    }
                    return bytes
                })
            }
            let efCOM = try com.map { path in
                do { return try EFCOM(encoded: try readInput(path, what: "EF.COM")) } catch let error as LDSError {
                    throw MohurError.badInput("--com \(path) is not EF.COM: \(error)")
                }
            }
            return try SODRequest(documentType: docType, documentNumber: docNumber, dataGroups: content, com: efCOM,
                                  fin: fin, hash: digest)
        }

        /// Parses repeated `N=VALUE` options (N as `2` or `DG2`) into data group → value.
        static func pairs(_ items: [String], option: String,
                          _ value: (DataGroupNumber, String) throws -> [UInt8]) throws -> [DataGroupNumber: [UInt8]] {
            var result: [DataGroupNumber: [UInt8]] = [:]
            for item in items {
                let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                let digits = parts.first.map { $0.uppercased().hasPrefix("DG") ? String($0.dropFirst(2)) : $0 } ?? ""
                guard parts.count == 2, let number = Int(digits).flatMap(DataGroupNumber.init(rawValue:)) else {
                    throw MohurError.badInput("\(option) '\(item)' is not N=VALUE with N a data group number 1–16")
                }
                guard result.updateValue(try value(number, parts[1]), forKey: number) == nil else {
                    throw MohurError.badInput("\(option) gives \(number) twice")
                }
            }
            return result
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode any EF.SOD: security object version, hash algorithm, data group hashes, signer, certificates.",
            discussion: "Reads Mohur's SODs and real ones (BER lengths, legacy OIDs, v1 security objects). It checks no signature.")
        @OptionGroup var output: OutputOptions
        @Argument(help: ArgumentHelp("EF.SOD file (tag 77, file identifier 011D).", valueName: "file")) var file: String

        func run() throws {
            try reporting {
                let sod: SODFile
                do { sod = try SODFile(encoded: try readInput(file, what: "EF.SOD")) } catch let error as LDSError {
                    throw MohurError.badInput("\(file) is not a readable EF.SOD: \(error)")
                }
                let description = SODDescription(sod)
                if output.json { try printJSON(description) } else { print(Self.text(description, file: file)) }
            }
        }

        static func text(_ d: SODDescription, file: String) -> String {
            var lines = ["EF.SOD \(file)",
                         "  content            \(d.contentType), SignedData v\(d.signedDataVersion)"
                             + (d.usesIndefiniteLengths ? ", BER indefinite lengths" : ""),
                         "  security object    v\(d.securityObjectVersion), \(d.hashAlgorithm)"
                             + (d.ldsVersion.map { ", LDS \($0), Unicode \(d.unicodeVersion ?? "?")" } ?? "")]
            lines += d.dataGroupHashes.map { "  DG\($0.dataGroup)".padding(toLength: 21, withPad: " ", startingAt: 0) + $0.hash }
            for s in d.signers {
                let id = s.identifierType == "subjectKeyIdentifier"
                    ? "subjectKeyIdentifier \(s.subjectKeyIdentifier ?? "")"
                    : "issuer \(s.issuer ?? ""), serial \(s.serialNumber ?? "")"
                lines.append("  signer             SignerInfo v\(s.version), \(id)")
                lines.append("  algorithms         \(s.digestAlgorithm) / \(s.signatureAlgorithm)")
                lines.append("  signing time       \(s.signingTime ?? "none")")
            }
            for c in d.certificates {
                lines.append("  certificate        " + (c.error.map { "unreadable: \($0)" }
                    ?? "\(c.subject ?? "") (serial \(c.serialNumber ?? "")), \(c.publicKey ?? ""), valid \(c.notBefore ?? "") to \(c.notAfter ?? "")"))
            }
            return lines.joined(separator: "\n")
        }
    }
}
