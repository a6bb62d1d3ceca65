import Foundation
import MohurCore

/// Which routes a Mohur instance serves. The central complex issues and authorises, an
/// issuing centre signs chip data, a border post verifies documents offline.
public enum ServiceRole: String, Sendable, CaseIterable {
    case central, issuing, border, witness
}

/// How `mohur serve` runs; built at the edge (command-line options) and passed in.
public struct ServiceConfiguration: Sendable {
    public var role: ServiceRole
    public var host: String
    public var port: Int
    /// The scheme and authority callers address, for `@target-uri` (RFC 9421 §2.2.2). When
    /// nil, `http` (or `https` behind TLS) and the request's Host field are used; behind a
    /// proxy that rewrites Host, set the public URL the callers sign for.
    public var publicScheme: String
    public var publicAuthority: String?
    /// Largest request body accepted (413 beyond it).
    public var maxBodyBytes: Int
    /// Threads for HSM and database work. More than the cores: a request waiting for the
    /// journal's durable commit holds one, and the commit serves all that wait together.
    public var blockingThreads: Int = 8
    /// TLS: the certificate chain (PEM file, leaf first) and the key, a PEM file or a PKCS#11
    /// URI of a key on the state's token (the handshake signature is then made by the HSM).
    public var tls: (certificateChain: String, key: String)?

    public init(role: ServiceRole, host: String = "127.0.0.1", port: Int = 8443, publicScheme: String = "http",
                publicAuthority: String? = nil, maxBodyBytes: Int = 8 << 20) {
        self.role = role
        self.host = host
        self.port = port
        self.publicScheme = publicScheme
        self.publicAuthority = publicAuthority
        self.maxBodyBytes = maxBodyBytes
    }

    /// Parses `HOST:PORT` (IPv6 as `[::1]:8443`).
    public static func listenAddress(_ text: String) throws(MohurError) -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw .badInput("--listen '\(text)' is not HOST:PORT", hint: "e.g. 127.0.0.1:8443 or [::1]:8443")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw .badInput("--listen '\(text)' names no host") }
        return (host, port)
    }
}
