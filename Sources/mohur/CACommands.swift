import ArgumentParser
import CA
import Foundation
import MohurCore
import OpenSSLKit

struct CAGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca", abstract: "List, show and export the authorities; cross-certify with the national PKI.",
        subcommands: [List.self, Show.self, Export.self, CrossCertify.self, ImportCross.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every authority of the four levels.")
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        func run() throws {
            try reporting {
                let views = try state.openPKI().authorities()
                if output.json { try printJSON(views.map(AuthorityJSON.init)) } else { printAuthorities(views) }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one authority and its certificate.",
                                                        discussion: "NAME as `mohur ca list` prints it: root, segment-MIA, csca-1, ds-1, mls-1, dls-1 …")
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Authority name.") var name: String
        @Flag(help: "Also print the full certificate as `openssl x509 -text` would.") var text = false
        func run() throws {
            try reporting {
                let view = try state.openPKI().authority(named: name)
                if output.json { try printJSON(AuthorityJSON(view)); return }
                printAuthorities([view])
                print("  key: \(view.record.keyRef)")
                if text { print(try Certificate(derEncoded: view.certificate.der).text()) }
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export an authority's certificate (PEM by default).",
                                                        discussion: "--chain appends the issuing certificates up to the self-signed root.")
        @OptionGroup var state: StateOptions
        @Argument(help: "Authority name.") var name: String
        @Option(help: ArgumentHelp("Write here instead of stdout.", valueName: "file")) var out: String?
        @Flag(help: "DER instead of PEM (single certificate only).") var der = false
        @Flag(help: "Include the chain to the root (PEM).") var chain = false
        func validate() throws { if der && chain { throw ValidationError("--der and --chain exclude each other") } }
        func run() throws {
            try reporting {
                let pki = try state.openPKI()
                var view = try pki.authority(named: name)
                var certificates = [try Certificate(derEncoded: view.certificate.der)]
                while chain, let parent = view.certificate.issuerAuthority, parent != view.record.name {
                    view = try pki.authority(named: parent)
                    certificates.append(try Certificate(derEncoded: view.certificate.der))
                }
                let bytes = der ? certificates[0].derEncoded : Array(try certificates.map { try $0.pem() }.joined().utf8)
                if let out { try writeOutput(out, bytes) } else { FileHandle.standardOutput.write(Data(bytes)) }
            }
        }
    }

    struct CrossCertify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cross-certify", abstract: "L3: issue a cross certificate from the IAMAS root to the national root CA.",
            discussion: """
                The certificate carries basicConstraints pathLen and nameConstraints from the crossCertificate profile: \
                it permits the national namespace (C=AZ) and excludes IAMAS's own (C=AZ, O=IAMAS), so the national PKI \
                can vouch for citizens and officials but never for an IAMAS authority, subsystem or officer.

                Dual control: this opens a request that counts as your approval; another security officer's \
                `mohur approve grant ID --out cross.pem` carries it out.
                """)
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        @Option(help: ArgumentHelp("National root CA certificate (PEM or DER).", valueName: "file")) var nationalRoot: String
        func run() throws {
            try reporting {
                let root = try Certificate(pemOrDER: try readInput(nationalRoot, what: "national root"))
                try requestControlled(.crossCertify(nationalRoot: root.derEncoded), state: state, output: output)
            }
        }
    }

    struct ImportCross: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-cross", abstract: "L3: store a cross certificate the national root issued for the IAMAS root.")
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Cross certificate file (PEM or DER).") var file: String
        @Option(help: ArgumentHelp("National root to verify it with, if not cross-certified before.", valueName: "file"))
        var nationalRoot: String?
        func run() throws {
            try reporting {
                let cert = try Certificate(pemOrDER: try readInput(file, what: "cross certificate"))
                let root = try nationalRoot.map { try Certificate(pemOrDER: try readInput($0, what: "national root")) }
                let record = try state.acting(for: .certManage) { try $0.pki.importCrossCertificate(cert, nationalRoot: root) }
                if output.json { try printJSON(CertificateView(record)) } else {
                    print("Stored cross certificate from \(record.issuer), serial \(record.serial).")
                }
            }
        }
    }
}
