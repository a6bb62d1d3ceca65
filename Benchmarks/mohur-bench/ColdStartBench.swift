import Foundation
import LDS

/// A border post's one-shot check as a whole process: `mohur pa verify` of the German passport
/// against a trust store holding the DE and NL master lists, beside `openssl cms -verify` of the
/// same SOD, each the median of 15 runs (the issue's goal: at most 5× openssl's time).
func coldPassiveAuthentication(scratch: String) throws -> (mohur: Double, openssl: Double)? {
    let mohur = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("mohur").path
    let masterLists = "\(vectorsPath)/gmrtd/masterlists"
    let sodPath = "\(vectorsPath)/gmrtd/sod/DE/EF_SOD.bin"
    guard FileManager.default.isExecutableFile(atPath: mohur), let sodBytes = FileManager.default.contents(atPath: sodPath) else { return nil }
    let state = "\(scratch)/cold-pa"
    for (root, list) in [("DE_ROOT_CA_CSCA07.cer", "DE_ML_2026-05-28-08-28-45.ml"), ("NL_ROOT_CA.cer", "NL_ML_2026-07-22.ml")] {
        guard try runQuietly(mohur, ["trust", "import", "--state", state, "--ml-root", "\(masterLists)/\(root)", "\(masterLists)/\(list)"]) == 0 else {
            return nil
        }
    }
    let contentInfo = "\(scratch)/sod.p7"
    try Data(try SODFile(encoded: Array(sodBytes)).contentInfoBytes).write(to: URL(fileURLWithPath: contentInfo))
    func median(_ executable: String, _ arguments: [String]) throws -> Double {
        var times: [Double] = []
        for _ in 0..<15 {
            let start = DispatchTime.now().uptimeNanoseconds
            guard try runQuietly(executable, arguments) == 0 else { throw BenchFailure("\(executable) \(arguments.first ?? "") failed") }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return times.sorted()[times.count / 2]
    }
    let mine = try median(mohur, ["pa", "verify", "--state", state, "--sod", sodPath, "--at", "2024-01-01"])
    let theirs = try median("/usr/bin/openssl", ["cms", "-verify", "-inform", "DER", "-in", contentInfo, "-noverify", "-out", "/dev/null"])
    return (mine, theirs)
}

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs a program with no output; its exit status.
func runQuietly(_ executable: String, _ arguments: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}
