import Foundation
import Testing

/// Access to the shared ICAO vectors in `<repo>/../shared/vectors` (or `$MOHUR_VECTORS`).
///
/// The vectors are never copied into the repository. If they are missing, every test that
/// needs them fails with a message saying where they were looked for; nothing is skipped.
enum Vectors {
    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    /// The package root: this file is `<root>/Tests/LDSTests/Support/Vectors.swift`.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The vectors directory, from `MOHUR_VECTORS` or `<root>/../shared/vectors`.
    static var directory: URL {
        if let override = ProcessInfo.processInfo.environment["MOHUR_VECTORS"], !override.isEmpty {
            return URL(fileURLWithPath: override, isDirectory: true)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/vectors", isDirectory: true)
    }

    /// Reads a vector file by its path relative to the vectors directory.
    static func bytes(_ relativePath: String) throws -> [UInt8] {
        let url = directory.appendingPathComponent(relativePath)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw Missing(description: "ICAO test vector \(relativePath) not found at \(url.path). "
                + "Provide ../shared/vectors beside the repository or set MOHUR_VECTORS to its path.")
        }
        return Array(data)
    }

    /// Reads a vector file as text.
    static func text(_ relativePath: String) throws -> String {
        String(decoding: try bytes(relativePath), as: UTF8.self)
    }

    /// Whether a vector file exists (for the optional hash files beside SODs).
    static func exists(_ relativePath: String) -> Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent(relativePath).path)
    }

    /// Countries of `gmrtd/sod/<CC>/EF_SOD.bin`.
    static let gmrtdCountries = ["AT", "AU", "CN", "DE", "FI", "FR", "ID", "MY", "NZ", "PH", "RU", "US"]

    /// Every real EF.SOD among the vectors (checked against MANIFEST.tsv by a test).
    static let sodPaths: [String] = gmrtdCountries.map { "gmrtd/sod/\($0)/EF_SOD.bin" } + [
        "gmrtd/negative/DE_EF_SOD_sig_corrupted_lastbyte.bin",
        "port-py-server/lds/ef.sod_de_9712AB14.bin",
        "port-py-server/lds/ef.sod_si_454CB206.bin",
        "jmrtd/bsi2008/EF_SOD.bin",
        "jmrtd/loes2006_nl_sdu_test/ef011D.bin",
        "worldfnd-icao-9303/bsi_tr03105-5_reference_dataset/EF_SOD.bin",
    ]

    /// Every EF.COM among the vectors.
    static let comPaths = [
        "gmrtd/icao9303_p10_worked_examples/EF_COM.bin",
        "jmrtd/bsi2008/EF_COM.bin",
        "jmrtd/loes2006_nl_sdu_test/ef011E.bin",
        "worldfnd-icao-9303/bsi_tr03105-5_reference_dataset/EF_COM.bin",
    ]

    /// Every data group file among the vectors, with its data group number.
    static let dataGroupFiles: [(path: String, number: Int)] = {
        let worked = "gmrtd/icao9303_p10_worked_examples/"
        let bsi = "worldfnd-icao-9303/bsi_tr03105-5_reference_dataset/"
        let nl = "jmrtd/loes2006_nl_sdu_test/"
        var files: [(String, Int)] = [1, 2, 7, 11, 12, 13, 14, 15, 16].map { ("\(worked)EF_DG\($0).bin", $0) }
        files += [1, 2, 3, 4, 14, 15].map { ("jmrtd/bsi2008/Datagroup\($0).bin", $0) }
        files += [1, 2, 3, 4, 14, 15].map { ("\(bsi)Datagroup\($0).bin", $0) }
        files += [("\(nl)ef0101.bin", 1), ("\(nl)ef0102.bin", 2), ("\(nl)ef010F.bin", 15)]
        files += [("jmrtd/doc9303/spec_sample_encoded_dg14.bin", 14)]
        files += [("port-py-server/lds/ef.dg15_ef.sod_si_454CB206.bin", 15)]
        return files
    }()
}
