import ArgumentParser
import CA
import Foundation
import HSM
import MohurCore
import OpenSSLKit

/// PEM for stored DER without reopening anything.
enum OpenSSLKitPEM {
    static func pem(_ der: [UInt8]) throws -> String { try Certificate(derEncoded: der).pem() }
}

struct HSMGroup: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "hsm", abstract: "Key store status.", subcommands: [Status.self])

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the key store, each key Mohur references and whether the token still holds it.",
            discussion: "For PKCS#11 tokens it also shows that private keys are sensitive and not extractable.")
        @OptionGroup var state: StateOptions
        @OptionGroup var output: OutputOptions
        func run() throws {
            try reporting {
                let dir = state.directory
                let config = try dir.loadConfiguration()
                let keys = try dir.openKeyStore(config)
                let repository = try dir.openRepository()
                struct KeyView: Codable { var label: String; var reference: String; var spec: String; var present: Bool; var sensitive: Bool?; var extractable: Bool? }
                var views: [KeyView] = []
                for record in try repository.keys() {
                    var view = KeyView(label: record.label, reference: record.ref, spec: record.spec, present: false)
                    if let signer = try? keys.load(reference: record.ref) {
                        view.present = true
                        if let p11 = signer as? PKCS11Signer, let attributes = try? p11.key.attributes() {
                            view.sensitive = attributes.sensitive
                            view.extractable = attributes.extractable
                        }
                    }
                    views.append(view)
                }
                if output.json {
                    struct View: Codable { var keyStore: String; var backend: String; var keys: [KeyView] }
                    try printJSON(View(keyStore: keys.summary, backend: keys.backend, keys: views))
                    return
                }
                print("Key store: \(keys.summary)")
                for v in views {
                    let flags = v.present ? (v.sensitive.map { "sensitive=\($0) extractable=\(v.extractable ?? true)" } ?? "software key") : "MISSING"
                    print("  \(v.label.padding(toLength: 34, withPad: " ", startingAt: 0)) \(v.spec.padding(toLength: 16, withPad: " ", startingAt: 0)) \(flags)")
                }
                if views.contains(where: { !$0.present }) {
                    throw MohurError.system("some referenced keys are missing from the key store")
                }
            }
        }
    }
}
