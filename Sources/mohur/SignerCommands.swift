import ArgumentParser
import CA
import Foundation
import MohurCore

struct CSCAGroup: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "csca", abstract: "Country Signing CA operations.",
                                                    subcommands: [Rollover.self])

    struct Rollover: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Roll the CSCA key over: new key, new self-signed CSCA, and a link certificate old → new (Doc 9303-12 §5.3.1).",
            discussion: """
                The old CSCA is retired: it issues nothing new but still signs CRLs for the Document Signers it certified.

                Dual control: this opens a request that counts as your approval; it is carried out when enough other \
                security officers grant it (`mohur approve grant ID --out link.pem`), 2 by default.
                """)
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        func run() throws {
            try reporting { try requestControlled(.cscaRollover, state: state, output: output) }
        }
    }
}

struct DSGroup: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ds", abstract: "Document Signer operations.",
                                                    subcommands: [Rotate.self, Status.self])

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the next Document Signer key and certificate under the active CSCA and retire the current one.",
            discussion: "A DS key signs for at most its private key usage period (≤ 3 months, Doc 9303-12 §5.3); signing with a key past it is refused.")
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        func run() throws {
            try reporting {
                let result = try state.acting(for: .certManage) { try $0.pki.rotateSigner(.documentSigner) }
                if output.json {
                    struct View: Codable { var retired: String?; var created: AuthorityJSON }
                    try printJSON(View(retired: result.retired, created: AuthorityJSON(result.created)))
                } else {
                    print("New Document Signer \(result.created.record.name): \(result.created.certificate.subject), key use until "
                          + (result.created.certificate.keyUsageNotAfter.map(day) ?? "?") + ".")
                    if let retired = result.retired { print("Retired \(retired).") }
                }
            }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Say which Document Signer would sign a document type now, or why none may.")
        @OptionGroup var state: StateOptions
        @Option(help: ArgumentHelp("Document type code (P passport, I ID card, …).", valueName: "code")) var docType: String = "P"
        func run() throws {
            try reporting {
                let signer = try state.openPKI().documentSigner(for: docType)
                print("\(signer.record.name) signs '\(docType)' documents now: \(signer.certificate.subject), serial \(signer.certificate.serialHex).")
            }
        }
    }
}
