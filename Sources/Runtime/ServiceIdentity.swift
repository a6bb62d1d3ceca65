import CA
import HSM
import MohurCore
import OpenSSLKit

extension MohurRuntime {
    /// The service's response-signing key and certificate (see `PKI.serviceIdentity`).
    public func serviceIdentity() throws -> (signer: any Signer, certificate: Certificate) {
        try pki.serviceIdentity()
    }
}
