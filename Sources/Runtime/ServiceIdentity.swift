import CA
import HSM
import MohurCore
import OpenSSLKit

extension MohurRuntime {
    /// The service's response-signing key and certificate (see `PKI.serviceIdentity`). The key
    /// signs every response, so a token key is used through a session copy of it.
    public func serviceIdentity() throws -> (signer: any Signer, certificate: Certificate) {
        let identity = try pki.serviceIdentity()
        return ((identity.signer as? PKCS11Signer)?.sessionBound() ?? identity.signer, identity.certificate)
    }
}
