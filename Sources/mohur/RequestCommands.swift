import ArgumentParser
import Authz
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HSM
import MohurCore
import OpenSSLKit
import Runtime

struct RequestGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request", abstract: "Sign HTTP requests to a Mohur service (RFC 9421), for operators, scripts and tests.",
        discussion: """
            The signature covers @method, @target-uri and, with a body, content-type and content-digest (RFC 9530); \
            it is valid for 60 seconds and carries a fresh nonce. keyid is the SHA-256 of the signer's certificate.
            Sign with --as CERT --as-key KEY (files), or --as 'pkcs11:…' (a key on the state's token).
            Example: mohur request send POST http://127.0.0.1:8443/v1/authorize --body ask.json --as gw.pem --as-key gw.key
            """,
        subcommands: [Sign.self, Send.self])

    struct Message: ParsableArguments {
        @Argument(help: "HTTP method.") var method: String
        @Argument(help: "The full URL, as the service's --public-url sees it.") var url: String
        @Option(help: ArgumentHelp("Request body file (JSON by default).", valueName: "file")) var body: String?
        @Option(help: ArgumentHelp("Content-Type of the body.", valueName: "type")) var contentType: String = "application/json"
        @Flag(help: "Also send the signer's certificate in Client-Cert (RFC 9440), for certificates Mohur did not issue.")
        var clientCert = false

        func signedRequest(state: StateOptions) throws -> (URLRequest, [UInt8]) {
            let content = try body.map { try readInput($0, what: "request body") } ?? []
            let (certificate, signer) = try requestSigner(state)
            let request = try signedURLRequest(method: method, url: url, body: content, contentType: contentType, clientCert: clientCert,
                                               certificate: certificate, signer: signer)
            return (request, content)
        }
    }

    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the header fields that sign a request (for curl and scripts).")
        @OptionGroup var state: StateOptions
        @OptionGroup var message: Message
        func run() throws {
            try reporting {
                let (request, _) = try message.signedRequest(state: state)
                for (name, value) in (request.allHTTPHeaderFields ?? [:]).sorted(by: { $0.key < $1.key }) { print("\(name): \(value)") }
            }
        }
    }

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign and send a request; print the response. Exit 0 for 2xx, 1 for 401/403, 2 for other 4xx, 3 otherwise.")
        @OptionGroup var state: StateOptions
        @OptionGroup var message: Message
        @Flag(name: .shortAndLong, help: "Print the response status and header fields too.") var include = false
        func run() async throws {
            var status = 0
            do {
                let (request, _) = try message.signedRequest(state: state)
                let (data, response) = try await URLSession.shared.data(for: request)
                guard let http = response as? HTTPURLResponse else { throw MohurError.system("no HTTP response from \(message.url)") }
                status = http.statusCode
                if include {
                    print("HTTP \(http.statusCode)")
                    for (name, value) in http.allHeaderFields { print("\(name): \(value)") }
                    print("")
                }
                let text = String(decoding: data, as: UTF8.self)
                print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
            } catch let error as MohurError {
                Entry.report(error.description, code: error.exitCode)
            } catch {
                Entry.report("cannot reach \(message.url): \(error.localizedDescription)", code: 3)
            }
            switch status {
            case 200..<300: return
            case 401, 403: throw ExitCode(1)
            case 400..<500: throw ExitCode(2)
            default: throw ExitCode(3)
            }
        }
    }
}

/// A request to `url` signed with RFC 9421 by `signer` (whose certificate is `certificate`).
func signedURLRequest(method: String, url text: String, body content: [UInt8], contentType: String = "application/json",
                      clientCert: Bool = false, certificate: Certificate, signer: any Signer) throws -> URLRequest {
    guard let url = URL(string: text), let scheme = url.scheme, let host = url.host else {
        throw MohurError.badInput("'\(text)' is not a URL such as http://127.0.0.1:8443/v1/authorize")
    }
    var fields: [(name: String, value: String)] = content.isEmpty ? [] : [("Content-Type", contentType)]
    if clientCert { fields.append(("Client-Cert", ":\(Data(certificate.derEncoded).base64EncodedString()):")) }
    let authority = host + (url.port.map { ":\($0)" } ?? "")
    let path = url.path.isEmpty ? "/" : url.path
    let message = HTTPMessageParts(kind: .request(method: method.uppercased(), scheme: scheme, authority: authority, path: path,
                                                  query: url.query), fields: fields)
    let added = try MessageSigner(signer: signer, certificate: certificate).signRequest(message, body: content, now: Date())
    var request = URLRequest(url: url)
    request.httpMethod = method.uppercased()
    for (name, value) in fields + added { request.setValue(value, forHTTPHeaderField: name) }
    if !content.isEmpty { request.httpBody = Data(content) }
    return request
}

/// The certificate and key a request is signed with: `--as CERT --as-key KEY`, or `--as pkcs11:…`.
func requestSigner(_ state: StateOptions) throws -> (Certificate, any Signer) {
    guard let credential = try state.credential else {
        throw MohurError.badInput("give --as CERT --as-key KEY, or --as 'pkcs11:…' with --state")
    }
    switch credential {
    case .files(let certificatePath, let keyPath, let passphrase):
        return (try readCertificates(certificatePath, what: "certificate")[0], try SoftwareKeySigner.load(path: keyPath, passphrase: passphrase))
    case .pkcs11:
        let (certificate, _, signer) = try state.openRuntime().resolve(credential)
        return (certificate, signer)
    }
}
