import Foundation
import HSM
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import MohurCore
import NIOCore
import NIOPosix
import NIOSSL
import OpenSSLKit

/// The server side of TLS. The key may stay in the HSM: NIOSSL then asks `HSMTLSKey` for each
/// handshake signature, which the HSM makes on the blocking pool, never on the event loop.
enum ServiceTLS {
    static func server(_ configuration: ServiceConfiguration, state: ServiceState) throws -> HTTPServerBuilder {
        guard let tls = configuration.tls else { return .http1() }
        let chain: [NIOSSLCertificate]
        do { chain = try NIOSSLCertificate.fromPEMFile(tls.certificateChain) } catch {
            throw MohurError.badInput("--tls-cert \(tls.certificateChain) is not a readable PEM certificate chain: \(error)")
        }
        guard !chain.isEmpty else { throw MohurError.badInput("--tls-cert \(tls.certificateChain) holds no certificate") }
        let key: NIOSSLPrivateKey
        if tls.key.hasPrefix("pkcs11:") {
            let signer = try state.runtime.pki.keys.load(reference: tls.key)
            let leaf = try Certificate(derEncoded: try chain[0].toDERBytes())
            guard try leaf.publicKey() == signer.publicKey else {
                throw MohurError.badInput("--tls-key \(tls.key) is not the key of the --tls-cert leaf \(leaf.subject)")
            }
            key = NIOSSLPrivateKey(customPrivateKey: try HSMTLSKey(signer: signer, pool: state.pool))
        } else {
            do { key = try NIOSSLPrivateKey(file: tls.key, format: .pem) } catch {
                throw MohurError.badInput("--tls-key \(tls.key) is not a readable unencrypted PEM private key: \(error)")
            }
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        return try .tls(.http1(), tlsConfiguration: configuration)
    }
}

/// A TLS server key held by the HSM (or any Mohur `Signer`).
struct HSMTLSKey: NIOSSLCustomPrivateKey, Hashable {
    let signer: any Signer
    let pool: NIOThreadPool
    let signatureAlgorithms: [NIOSSL.SignatureAlgorithm]

    init(signer: any Signer, pool: NIOThreadPool) throws {
        self.signer = signer
        self.pool = pool
        switch signer.spec {
        case .ec(.p256): signatureAlgorithms = [.ecdsaSecp256R1Sha256]
        case .ec(.p384): signatureAlgorithms = [.ecdsaSecp384R1Sha384]
        case .rsa: signatureAlgorithms = [.rsaPssRsaeSha256, .rsaPssRsaeSha384, .rsaPssRsaeSha512]
        default:
            throw MohurError.badInput("the key \(signer.keyReference) (\(signer.spec)) cannot serve TLS", hint: "use P-256, P-384 or RSA")
        }
    }

    /// The TLS signature (RFC 8446 §4.2.3): `data` is the message; the scheme hashes it.
    func sign(channel: any Channel, algorithm: NIOSSL.SignatureAlgorithm, data: ByteBuffer) -> EventLoopFuture<ByteBuffer> {
        let scheme: SignatureScheme
        switch algorithm {
        case .ecdsaSecp256R1Sha256: scheme = .ecdsa(.sha256)
        case .ecdsaSecp384R1Sha384: scheme = .ecdsa(.sha384)
        case .rsaPssRsaeSha256: scheme = .rsaPSS(.sha256)
        case .rsaPssRsaeSha384: scheme = .rsaPSS(.sha384)
        case .rsaPssRsaeSha512: scheme = .rsaPSS(.sha512)
        default:
            return channel.eventLoop.makeFailedFuture(MohurError.system("TLS asked for signature algorithm \(algorithm), which this key does not offer"))
        }
        let message = Array(buffer: data)
        let signer = signer
        return pool.runIfActive(eventLoop: channel.eventLoop) {
            ByteBuffer(bytes: try signer.sign(message, scheme: scheme))
        }
    }

    func decrypt(channel: any Channel, data: ByteBuffer) -> EventLoopFuture<ByteBuffer> {
        channel.eventLoop.makeFailedFuture(MohurError.system("TLS key decryption (RSA key exchange) is not offered"))
    }

    static func == (lhs: HSMTLSKey, rhs: HSMTLSKey) -> Bool { lhs.signer.keyReference == rhs.signer.keyReference }
    func hash(into hasher: inout Hasher) { hasher.combine(signer.keyReference) }
}
