import ArgumentParser
import Foundation
import LDS
import MohurCore
import OpenSSLKit
import PassiveAuth
import Runtime
import SwiftASN1

/// `mohur trust …`: the border post's store of foreign CSCAs, DSCs and CRLs. Needs only
/// `--state DIR`; the store is `DIR/trust.sqlite`.
struct TrustGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust", abstract: "Import, list and replicate ICAO trust data (CSCAs, link certificates, DSCs, CRLs).",
        subcommands: [Import.self, List.self, Deviations.self, Export.self, ImportBundle.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import master lists, PKD LDIF files, certificates and CRLs (the kind is detected).",
            discussion: """
                A CSCA master list (CMS, eContentType 2.23.136.1.1.2) is imported only if its signature verifies up \
                to a --ml-root certificate, a certificate it carries whose fingerprint --ml-root-sha256 pins, or a CSCA \
                already trusted. A CRL is kept only if a stored CSCA verifies it. \
                Exit status: 0 imported (possibly with rejected items), 1 a master list was refused, 2 unreadable input.
                """)
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        @Option(name: .customLong("ml-root"), help: ArgumentHelp("Certificate that anchors master lists (repeatable).", valueName: "file"))
        var mlRoots: [String] = []
        @Option(name: .customLong("ml-root-sha256"), help: ArgumentHelp(
            "SHA-256 fingerprint of the certificate that anchors master lists, as the issuing state publishes it; the list must carry that certificate (repeatable).",
            valueName: "hex"))
        var mlRootPins: [String] = []
        @Argument(help: "Files to import.") var files: [String]
        func run() throws {
            try reporting { try state.actingIfJournaled(for: .trustManage) { try importAll(as: $0) } }
        }

        func importAll(as officer: ActingOfficer?) throws {
            let store = try state.directory.openTrustStore()
            let roots = try mlRoots.map { file in
                do { return try Certificate(pemOrDER: try readInput(file, what: "master-list root")) } catch let error as OpenSSLError {
                    throw MohurError.badInput("--ml-root \(file) is not a certificate (PEM or DER): \(error)")
                }
            }
            let pins = try mlRootPins.map { text in
                let hex = text.lowercased().replacingOccurrences(of: ":", with: "")
                guard let bytes = Digest.bytes(fromHex: hex), bytes.count == 32 else {
                    throw MohurError.badInput("--ml-root-sha256 \(text) is not a SHA-256 fingerprint (64 hex digits, colons allowed)")
                }
                return bytes
            }
            let showProgress = isatty(STDERR_FILENO) == 1 && !output.json
            var summaries: [ImportSummary] = []
            for file in files {
                var progress: (@Sendable (Int, Int) -> Void)?
                if showProgress {
                    progress = { @Sendable (done: Int, total: Int) -> Void in
                        FileHandle.standardError.write(Data("\r\(file): \(done)/\(total)".utf8))
                    }
                }
                var importer = TrustImporter(store: store, masterListRoots: roots, progress: progress)
                importer.pinnedRoots = pins
                do {
                    summaries.append(try importer.importFile(file))
                } catch let error as PassiveAuthError {
                    try journalRefusal(officer, "trust.import", target: "file:\((file as NSString).lastPathComponent)", error)
                    throw error
                }
                if showProgress { FileHandle.standardError.write(Data("\r\u{1b}[K".utf8)) }
            }
            for s in summaries {
                var details: [String: AuditValue] = [
                    "kind": .text(s.detectedKind), "added": .integer(Int64(s.added)),
                    "already_present": .integer(Int64(s.alreadyPresent)), "rejected": .integer(Int64(s.rejected))]
                if let unchanged = s.unchanged { details["unchanged"] = .text(unchanged) }
                if !s.changes.isEmpty {
                    details["changes"] = .text(s.changes.map { "\($0.country) +\($0.added) ~\($0.superseded) -\($0.removed)" }.joined(separator: " "))
                }
                try journal(officer, .securityAction, "trust.import", target: "file:\((s.file as NSString).lastPathComponent)",
                            outcome: s.rejected == 0 ? .success : .refused, details: details)
            }
            if output.json { try printJSON(summaries); return }
            for summary in summaries { printSummary(summary) }
        }

        func printSummary(_ s: ImportSummary) {
            if let unchanged = s.unchanged {
                print("\(s.file) (\(s.detectedKind)): \(unchanged)")
            } else {
                print("\(s.file) (\(s.detectedKind)): \(s.added) added, \(s.alreadyPresent) already present, \(s.rejected) rejected")
            }
            for warning in s.warnings { print("  note: \(warning)") }
            for change in s.changes {
                print("  \(change.country): \(change.added) added, \(change.superseded) superseded, \(change.removed) removed")
                for detail in change.details { print("    \(detail)") }
            }
            for outcome in s.outcomes where outcome.result == .rejected {
                print("  rejected \(outcome.item): \(outcome.reasons.joined(separator: "; "))")
            }
            let warned = s.outcomes.filter { $0.result == .added && !$0.reasons.isEmpty }.count
            if warned > 0 { print("  \(warned) added with warnings (see --json)") }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List trusted certificates, by country and kind.")
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("Only this country (ISO 3166 alpha-2).", valueName: "CC")) var country: String?
        @Option(help: ArgumentHelp("Only csca, link or dsc.", valueName: "kind")) var kind: String?
        func run() throws {
            try reporting {
                let store = try state.directory.openTrustStore()
                let selected = try kind.map { name in
                    guard let value = TrustKind(rawValue: name) else { throw MohurError.badInput("--kind \(name) is not csca, link or dsc") }
                    return value
                }
                let certificates = try store.certificates(kind: selected, country: country)
                struct View: Codable {
                    var kind: String, country: String, subject: String, serial: String, notAfter: Date
                    var ski: String?, sha256: String, source: String, warnings: [String]
                }
                let views = certificates.map {
                    View(kind: $0.kind.rawValue, country: $0.country, subject: $0.certificate.subject.description,
                         serial: $0.certificate.serialHex, notAfter: $0.certificate.notAfter,
                         ski: $0.certificate.subjectKeyIdentifier.map(Digest.hex), sha256: Digest.hex($0.certificate.fingerprintSHA256),
                         source: "\($0.sourceKind.rawValue):\($0.sourceFile)", warnings: $0.warnings)
                }
                if output.json { try printJSON(views); return }
                for v in views {
                    print("\(v.country.padding(toLength: 3, withPad: " ", startingAt: 0)) \(v.kind.padding(toLength: 5, withPad: " ", startingAt: 0)) \(day(v.notAfter))  \(v.subject)")
                }
                let counts = try store.counts()
                print(counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
            }
        }
    }

    struct Deviations: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the deviations other States declared (imported deviation lists, Doc 9303-12 §9).")
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        func run() throws {
            try reporting {
                struct Item: Codable { var type: String, oid: String, parameter: Int?, description: String? }
                struct Entry: Codable {
                    var country: String, source: String, documentType: String?, documentSigner: String?
                    var issuedFrom: String?, issuedTo: String?, documentNumbers: [String]?, descriptions: [Item]
                }
                let entries = try state.directory.openTrustStore().deviationLists().flatMap { stored in
                    stored.list.deviations.map { deviation in
                        let documents = deviation.documents
                        let signer: String? = switch documents.signer {
                        case .issuerAndSerialNumber(_, let serial)?: "serial " + Digest.hex(serial)
                        case .subjectKeyIdentifier(let ski)?: "key identifier " + Digest.hex(ski)
                        case .certificateDigest(let digest)?: "certificate digest " + Digest.hex(digest)
                        case nil: nil
                        }
                        func day(_ time: GeneralizedTime?) -> String? {
                            time.map { String(format: "%04d-%02d-%02d", $0.year, $0.month, $0.day) }
                        }
                        return Entry(country: stored.country, source: stored.sourceFile,
                                     documentType: documents.documentType?.trimmingCharacters(in: .whitespaces), documentSigner: signer,
                                     issuedFrom: day(documents.issuedFrom), issuedTo: day(documents.issuedTo), documentNumbers: documents.documentNumbers,
                                     descriptions: deviation.descriptions.map {
                                         Item(type: DeviationType(oid: $0.type)?.rawValue ?? "unknown", oid: $0.type.description,
                                              parameter: $0.integerParameter, description: $0.text)
                                     })
                    }
                }
                if output.json { try printJSON(entries); return }
                for entry in entries {
                    let criteria = [entry.documentType.map { "type \($0)" }, entry.documentSigner, entry.issuedFrom.map { "issued \($0)…\(entry.issuedTo ?? "")" },
                                    entry.documentNumbers.map { "numbers \($0.joined(separator: ","))" }].compactMap { $0 }
                    print("\(entry.country): \(criteria.joined(separator: "; "))")
                    for item in entry.descriptions {
                        print("  \(item.type)\(item.parameter.map { " \($0)" } ?? ""): \(item.description ?? "")")
                    }
                }
                print("\(entries.count) deviation(s)")
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the trust store as one signed bundle for border posts (format 2: see TrustBundle).",
            discussion: """
                The bundle is signed in the HSM by the level-1 trust-distribution key, certified by the IAMAS root with \
                its own extended key usage; the first export creates that key and certificate (journaled). Each export \
                carries a version one above the last, and a post refuses a bundle not above the one it holds. Give \
                posts the root once: `mohur ca export root --out root.pem`, then `mohur trust import-bundle --root \
                root.pem BUNDLE`.
                """)
        @OptionGroup var state: StateOptions
        @Option(help: ArgumentHelp("Bundle file to write.", valueName: "file")) var out: String
        @Option(help: ArgumentHelp("Days the bundle stays acceptable.", valueName: "n")) var validDays: Int = 7
        func run() throws {
            try reporting {
                guard (1...90).contains(validDays) else { throw MohurError.badInput("--valid-days \(validDays) is not 1…90") }
                let header = try state.acting(for: .trustManage) { officer in
                    let signer = try officer.pki.trustDistributionSigner()
                    let store = try state.directory.openTrustStore()
                    let header = try TrustBundle.export(store, to: out, signer: signer.signer, certificate: signer.certificate,
                                                        validity: TimeInterval(validDays) * 86_400)
                    try journal(officer, .securityAction, "trust.export", target: "bundle:\(header.version)", outcome: .success,
                                details: ["version": .integer(header.version), "payload_sha256": .text(header.payloadSHA256),
                                          "signer": .text(signer.record.name), "expires": .text(day(header.expiresAt))])
                    return header
                }
                print("Wrote \(out): trust bundle version \(header.version), signed by the trust-distribution key in the HSM (\(header.scheme)), "
                      + "valid until \(day(header.expiresAt)).")
            }
        }
    }

    struct ImportBundle: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-bundle",
            abstract: "Replace the trust store with a bundle from the centre, if it verifies up to the IAMAS root and is newer.",
            discussion: """
                --root names the IAMAS root certificate (L1) the post holds; the first install pins it, later ones \
                verify against the pinned root unless another is given. Refused (exit 1), the store unchanged: a \
                signer not certified by the root for trust distribution, a bad signature or payload, an expired bundle, \
                or a version not above the installed one.
                """)
        @OptionGroup var state: StateOptions
        @Option(help: ArgumentHelp("The IAMAS root certificate (PEM/DER).", valueName: "file")) var root: String?
        @Argument(help: "Bundle file.") var bundle: String
        func run() throws {
            try reporting {
                let rootCertificate = try root.map { try Certificate(pemOrDER: try readInput($0, what: "root certificate")) }
                if state.directory.keepsTrustStoreInDatabase {
                    throw MohurError.refused("this state keeps the central trust store in PostgreSQL; bundles are for border posts",
                                             hint: "import master lists, LDIF and CRLs with `mohur trust import`; export bundles from here")
                }
                let header = try state.actingIfJournaled(for: .trustManage) { officer in
                    do {
                        return try TrustBundle.install(try readInput(bundle, what: "trust bundle"), stateDirectory: state.directory.path,
                                                       root: rootCertificate)
                    } catch let error as PassiveAuthError {
                        try journalRefusal(officer, "trust.import-bundle", target: "file:\((bundle as NSString).lastPathComponent)", error)
                        throw error
                    }
                }
                print("Installed trust bundle version \(header.version) of \(header.createdAt) (valid until \(day(header.expiresAt))).")
            }
        }
    }
}
