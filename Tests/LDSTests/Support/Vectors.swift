import Foundation
import MohurTestSupport
import Testing

/// The LDS test vectors: which shared files hold SODs, EF.COMs and data groups.
enum Vectors {
    /// The vectors directory (`MOHUR_VECTORS` or `<root>/../shared/vectors`), as shared by
    /// every test target.
    static var directory: URL { MohurTestSupport.Vectors.root }

    static func bytes(_ relativePath: String) throws -> [UInt8] { try MohurTestSupport.Vectors.bytes(relativePath) }
    static func text(_ relativePath: String) throws -> String { try MohurTestSupport.Vectors.text(relativePath) }
    static func exists(_ relativePath: String) -> Bool { MohurTestSupport.Vectors.exists(relativePath) }

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
