import Foundation

/// Where the shared real-world vectors live: `$MOHUR_VECTORS`, else `<repo>/../shared/vectors`.
/// Missing vectors are a test failure, never a silent skip.
public enum Vectors {
    public static var root: URL {
        if let override = ProcessInfo.processInfo.environment["MOHUR_VECTORS"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/vectors")
    }

    /// The package root, found from this file's location.
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Reads a vector file as text.
    public static func text(_ relativePath: String) throws -> String {
        String(decoding: try bytes(relativePath), as: UTF8.self)
    }

    /// Whether a vector file exists (for optional files beside a vector).
    public static func exists(_ relativePath: String) -> Bool {
        FileManager.default.fileExists(atPath: root.appendingPathComponent(relativePath).path)
    }

    /// Reads a vector file or throws a message that names the missing path.
    public static func bytes(_ relativePath: String) throws -> [UInt8] {
        let url = root.appendingPathComponent(relativePath)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw TestFailure("vector \(url.path) is missing: put ../shared/vectors beside the repo or set MOHUR_VECTORS")
        }
        return Array(data)
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A random loopback port for a server a test starts, with `span` free ports above it, chosen
/// below Linux's ephemeral range (32768 and up): the outgoing connections of tests running
/// beside it (and their TIME_WAIT sockets) take ports from that range, and a server asked to
/// listen on one of them fails to bind.
public func loopbackPort(span: Int = 1) -> Int {
    Int.random(in: 10_000..<(32_000 - span))
}

/// A temporary directory removed when the value is released.
public final class TemporaryDirectory: @unchecked Sendable {
    public let url: URL
    public init(_ prefix: String = "mohur-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    public func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }
    public func write(_ name: String, _ text: String) throws -> String { try write(name, Array(text.utf8)) }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Result of running an external program.
public struct ProcessResult: Sendable {
    public let status: Int32
    /// Standard output exactly as written (binary output such as digests).
    public let stdoutData: [UInt8]
    public let stdout: String
    public let stderr: String
    public var output: String { stdout + stderr }
}

/// Runs `executable` (looked up on PATH) with `arguments` and optional stdin; tests use it to
/// let the `openssl` CLI judge what Mohur produced, and to drive the `mohur` binary.
@discardableResult
public func run(_ executable: String, _ arguments: [String], stdin: [UInt8]? = nil,
                environment: [String: String] = [:], directory: String? = nil) throws -> ProcessResult {
    let process = Process()
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [executable] + arguments
    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin)) }
    try input.fileHandleForWriting.close()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus, stdoutData: Array(outData),
                         stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs the `openssl` CLI.
@discardableResult
public func openssl(_ arguments: [String], stdin: [UInt8]? = nil) throws -> ProcessResult {
    try run("openssl", arguments, stdin: stdin)
}
