import ArgumentParser
import Foundation
import Synchronization
import Hummingbird
import Logging
import MohurCore
import Runtime
import Service

extension ServiceRole: ExpressibleByArgument {}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the Mohur service that the other IAMAS subsystems call with signed requests.",
        discussion: """
            --role decides the routes: central (CA material, POST /v1/authorize, permission certificates, the audit \
            journal), issuing (EF.SOD signing), border (passive authentication), witness (C2SP tlog-witness POST /add-checkpoint, \
            unsigned: the log's checkpoint signature is its authentication). GET /healthz answers unsigned.

            Every other request is signed per RFC 9421: covered @method and @target-uri (or @authority, @path and \
            @query), with content also content-type and content-digest (RFC 9530); created within 30 s of the \
            server's clock, expires at most 60 s later, a nonce (replays are refused, also after a restart), keyid = \
            lower-case hex SHA-256 of the caller's certificate (one Mohur issued, or sent in Client-Cert, RFC 9440). \
            The service computes @target-uri from --public-url, or http:// and the Host field. Responses to signed \
            requests are signed by the service's own key, covering @status, content-digest and the request's signature.

            Errors are RFC 9457 problem JSON. SIGTERM or SIGINT stops the service after the requests in flight.
            """)

    @OptionGroup var state: StateOptions
    @Option(help: ArgumentHelp("central | issuing | border | witness.", valueName: "role")) var role: ServiceRole
    @OptionGroup var listener: ListenerOptions

    func run() async throws {
        try await listener.serve(role: role, state: state)
    }
}

/// Where and how a service listens; shared by `serve` and `witness run`.
struct ListenerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Address to listen on.", valueName: "host:port")) var listen: String = "127.0.0.1:8443"
    @Option(help: ArgumentHelp("The URL callers address, e.g. https://mohur.iamas.local (default: http:// and the Host field).",
                               valueName: "url"))
    var publicURL: String?
    @Option(help: ArgumentHelp("Largest request body in bytes.", valueName: "n")) var maxBody: Int = 8 << 20
    @Flag(help: "Print the routes this role mounts (METHOD /path) and exit.") var listRoutes = false
    @Option(help: ArgumentHelp("TLS certificate chain (PEM, leaf first).", valueName: "file")) var tlsCert: String?
    @Option(help: ArgumentHelp("TLS key: an unencrypted PEM file, or a PKCS#11 URI of a key on the state's token.", valueName: "file|uri"))
    var tlsKey: String?

    func validate() throws {
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
    }

    /// Runs the service of `role` on `state` until SIGTERM or SIGINT.
    func serve(role: ServiceRole, state: StateOptions) async throws {
        do {
            let (host, port) = try ServiceConfiguration.listenAddress(listen)
            var configuration = ServiceConfiguration(role: role, host: host, port: port, maxBodyBytes: maxBody)
            if let tlsCert, let tlsKey {
                configuration.tls = (tlsCert, tlsKey)
                configuration.publicScheme = "https"
            }
            if let publicURL {
                guard let url = URL(string: publicURL), let scheme = url.scheme, let authority = url.host else {
                    throw MohurError.badInput("--public-url '\(publicURL)' is not a URL such as https://mohur.iamas.local:8443")
                }
                configuration.publicScheme = scheme
                configuration.publicAuthority = authority + (url.port.map { ":\($0)" } ?? "")
            }
            if listRoutes {
                for route in try serviceRoutes(runtime: try state.openRuntime(), configuration: configuration) { print(route) }
                return
            }
            var logger = Logger(label: "mohur")
            logger.logLevel = .info
            let runtime = try state.openRuntime()
            // Never released: when the service stops, the process exits while the last tasks may
            // still be letting go of the runtime; releasing its token then would close PKCS#11
            // sessions on another thread while SoftHSM2's own exit-time destructors run (seen as
            // a SIGSEGV in C_CloseSession after SIGTERM). The operating system closes them instead.
            keptForProcessLifetime.withLock { $0.append(runtime) }
            let app = try buildApplication(runtime: runtime, configuration: configuration, logger: logger)
            if runtime.isDevelopment, role == .central, let officer = try runtime.pki.firstSecurityOfficer() {
                let url = "\(configuration.publicScheme)://\(configuration.publicAuthority ?? listen)/v1/audit/checkpoint"
                // Written at once: a daemon's stdout is often a pipe or a file, fully buffered.
                FileHandle.standardOutput.write(Data("""
                    Mohur (\(role.rawValue), development state \(runtime.directory.path)) on \(listen). A first signed request, from another shell:
                      mohur request send GET \(url) --state \(runtime.directory.path) --as '\(officer.keyReference)'

                    """.utf8))
            }
            try await app.runService()
        } catch let error as MohurError {
            Entry.report(error.description, code: error.exitCode)
        }
    }
}

/// What `serve` keeps until the process ends (see `ServeCommand.run`).
private let keptForProcessLifetime = Mutex<[MohurRuntime]>([])
