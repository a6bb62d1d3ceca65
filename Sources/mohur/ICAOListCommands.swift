import ArgumentParser
import DocumentSigning
import Foundation
import LDS
import MohurCore
import OpenSSLKit
import PassiveAuth

/// Writes a signed list and says what it is: `{"file", COUNTING: n, "signer", "sha256"}` in JSON.
private func write(_ signed: ICAOListSigning.SignedList, to out: String, json: Bool, what: String, counting: String) throws {
    try writeOutput(out, signed.der)
    if json {
        struct View: Encodable {
            struct Key: CodingKey {
                var stringValue: String
                var intValue: Int? { nil }
                init(stringValue: String) { self.stringValue = stringValue }
                init?(intValue: Int) { nil }
            }
            let file: String, counting: String, count: Int, signer: String, sha256: String
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Key.self)
                try container.encode(file, forKey: Key(stringValue: "file"))
                try container.encode(count, forKey: Key(stringValue: counting))
                try container.encode(signer, forKey: Key(stringValue: "signer"))
                try container.encode(sha256, forKey: Key(stringValue: "sha256"))
            }
        }
        try printJSON(View(file: out, counting: counting, count: signed.count, signer: signed.signer, sha256: signed.sha256))
    } else {
        print("Wrote \(out): \(what) of \(signed.count) \(counting), signed by \(signed.signer), SHA-256 \(signed.sha256).")
    }
}

/// `mohur ml …`: our CSCA master list for other States and the ICAO PKD (Doc 9303-12 §8).
struct MLGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ml", abstract: "Sign our CSCA master list (level 4, Doc 9303-12 §8).", subcommands: [Sign.self])

    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a CSCA master list with the Master List Signer's HSM key.",
            discussion: """
                The list holds our valid CSCA and link certificates, plus foreign CSCAs the officer selected after \
                bilateral verification: --include-country CC takes that State's CSCA and link certificates from the \
                trust store (verified when they were imported), --include-trusted takes every State's, --include FILE adds certificates from a PEM or DER \
                file. The Master List Signer certificate and its CSCA travel in the CMS certificate set; \
                `openssl cms -verify -CAfile our-csca.pem -inform DER -in AZ.ml` checks it. The signing is journaled \
                with the list's SHA-256.
                """)
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("A foreign CSCA certificate file to list (PEM with several, or DER; repeatable).", valueName: "file"))
        var include: [String] = []
        @Option(name: .customLong("include-country"), help: ArgumentHelp("List this State's CSCAs and link certificates from the trust store (repeatable).", valueName: "CC"))
        var countries: [String] = []
        @Flag(name: .customLong("include-trusted"), help: "List every CSCA and link certificate of the trust store, of every State.")
        var includeTrusted = false
        @Option(help: ArgumentHelp("Master list file to write (DER).", valueName: "file")) var out: String

        func run() throws {
            try reporting {
                var foreign: [[UInt8]] = []
                for file in include {
                    let bytes = try readInput(file, what: "CSCA certificate")
                    let certificates = try Certificate.parseAll(pemOrDER: bytes)
                    guard !certificates.isEmpty else { throw MohurError.badInput("\(file) holds no certificate") }
                    for certificate in certificates where !certificate.isSelfIssued {
                        throw MohurError.badInput("\(file): \(certificate.subject) is not a CSCA or link certificate (its issuer is another name)")
                    }
                    foreign += certificates.map(\.derEncoded)
                }
                if includeTrusted {
                    let store = try state.directory.openTrustStore()
                    foreign += try (store.certificates(kind: .csca) + store.certificates(kind: .link)).map(\.certificate.derEncoded)
                }
                if !countries.isEmpty {
                    let store = try state.directory.openTrustStore()
                    for country in countries {
                        let found = try store.certificates(kind: .csca, country: country) + store.certificates(kind: .link, country: country)
                        guard !found.isEmpty else {
                            throw MohurError.badInput("--include-country \(country): the trust store holds no CSCA of \(country.uppercased())",
                                                      hint: "import its master list or CSCA first (`mohur trust import`)")
                        }
                        foreign += found.map(\.certificate.derEncoded)
                    }
                }
                let signed = try state.acting(for: .certManage) { try ICAOListSigning(pki: $0.pki).masterList(including: foreign) }
                try write(signed, to: out, json: output.json, what: "CSCA master list", counting: "certificates")
            }
        }
    }
}

/// `mohur dl …`: our deviation list (Doc 9303-12 §9).
struct DLGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dl", abstract: "Sign our deviation list (level 4, Doc 9303-12 §9).", subcommands: [Sign.self])

    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a deviation list with the Deviation List Signer's HSM key.",
            discussion: """
                --from names a JSON file: {"deviations":[{"documentType":"P","documentSigner":"SERIAL",\
                "issuedFrom":"YYYY-MM-DD","issuedTo":"YYYY-MM-DD","documentNumbers":["…"],"descriptions":[{"type":\
                "dg-hash-wrong","dataGroup":2,"description":"…"}]}]}. Each deviation must name its documents by at least \
                one criterion. Types: \(DeviationType.allCases.map(\.rawValue).joined(separator: ", ")); dg-* take \
                "dataGroup", mrz-* take "mrzField" (0–9), ds-/csca-encoding take "certField". Other States' border \
                posts import the list with `mohur trust import` and report a matching deviation by name.
                """)
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("The deviations, as JSON.", valueName: "file")) var from: String
        @Option(help: ArgumentHelp("Deviation list file to write (DER).", valueName: "file")) var out: String

        func run() throws {
            try reporting {
                let declarations = try DeviationDeclarations.decode(try readInput(from, what: "deviations"), name: from)
                let signed = try state.acting(for: .certManage) { officer in
                    try ICAOListSigning(pki: officer.pki).deviationList(try declarations.list(pki: officer.pki))
                }
                try write(signed, to: out, json: output.json, what: "deviation list", counting: "deviations")
            }
        }
    }
}

/// `mohur pkd …`: what the ICAO PKD takes from Azerbaijan.
struct PKDGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pkd", abstract: "Prepare the upload package for the ICAO PKD.", subcommands: [Export.self])

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the PKD upload package: certificates, CRLs and master list as DER, one LDIF, SHA256SUMS and manifest.json.",
            discussion: """
                DIR gets csca/ (our CSCA and link certificates), dsc/ (every Document Signer certificate still valid), \
                crl/ (each CSCA's latest CRL), CC.ml (a master list signed now, or --ml FILE), CC.ldif (all of it in the \
                PKD's LDIF layout), SHA256SUMS (check with `sha256sum -c SHA256SUMS`) and manifest.json. \
                The export is refused, and nothing is written, if a CSCA's CRL is missing, lapsed or older than a \
                revocation (run `mohur crl issue --due`), or a DS certificate breaks the Doc 9303-12 profile. DIR must be \
                new or empty.
                """)
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("Directory to write the package into (new or empty).", valueName: "dir")) var out: String
        @Option(help: ArgumentHelp("A master list signed earlier (`mohur ml sign`) to ship instead of signing one now.", valueName: "file"))
        var ml: String?

        func run() throws {
            try reporting {
                let list = try ml.map { file in
                    let bytes = try readInput(file, what: "master list")
                    _ = try CSCAMasterList(encoded: bytes)
                    return bytes
                }
                let package = try state.acting(for: .certManage) { try PKDExport(pki: $0.pki).export(to: out, masterList: list) }
                if output.json { try printJSON(package); return }
                print("Wrote the PKD package \(package.pkdVersion) of \(package.country) to \(out): "
                      + "\(package.count("csca")) CSCA, \(package.count("link")) link, \(package.count("dsc")) DS certificates, "
                      + "\(package.count("crl")) CRL, 1 master list, LDIF, SHA256SUMS, manifest.json.")
            }
        }
    }
}
