import Authz
import CA
import Foundation
import HSM
import MohurCore
import OpenSSLKit
import Storage

/// How an officer at the console proves who they are.
public enum OfficerCredential: Sendable {
    /// A key on the state's token, by RFC 7512 URI; the certificate is the officer certificate
    /// Mohur issued for that key.
    case pkcs11(uri: String)
    /// A certificate file (PEM or DER; further certificates in a PEM file are intermediates) and
    /// its private key file (PEM; encrypted keys take MOHUR_KEY_PASSPHRASE). For development
    /// and for national e-signature certificates exported to files.
    case files(certificate: String, key: String, passphrase: String?)
}

/// An identified officer and the PKI acting for them.
public struct ActingOfficer: Sendable {
    public let identity: ValidatedIdentity
    public let pki: PKI
}

/// The officer console: every command that changes state or reads the journal runs as an
/// identified officer, through a session (`mohur login`), a one-shot `--as`, or, in a
/// development state only, an automatic log-in of the development officer whose role fits.
/// The session token lives in `<state>/sessions/uid-<uid>` (mode 0600).
extension MohurRuntime {
    var sessionFile: String { "\(directory.path)/sessions/uid-\(getuid())" }

    /// Logs in and keeps the session for later commands.
    @discardableResult
    public func login(_ credential: OfficerCredential) throws -> ValidatedIdentity {
        let (token, identity) = try openSession(credential, automatic: false)
        try saveSession(token)
        return identity
    }

    /// Ends the saved session, if any; true when one was open.
    @discardableResult
    public func logout() throws -> Bool {
        guard let token = savedToken() else { return false }
        try sessions.logout(token)
        try? FileManager.default.removeItem(atPath: sessionFile)
        return true
    }

    /// The officer of the saved session, if one is open (used by `mohur whoami`).
    public func currentOfficer() throws -> ValidatedIdentity? {
        guard let token = savedToken() else { return nil }
        return try sessions.resume(token)
    }

    /// Runs `body` as an identified officer allowed to use `operation`. A refusal is journaled
    /// by the decision point and thrown (exit 1).
    public func acting<T>(for operation: MohurOperation, as credential: OfficerCredential?, _ body: (ActingOfficer) throws -> T) throws -> T {
        if let credential {
            let (token, identity) = try openSession(credential, automatic: false)
            defer { try? sessions.logout(token) }
            return try run(identity, operation, body)
        }
        if let token = savedToken() {
            var identity: ValidatedIdentity?
            do {
                identity = try sessions.resume(token)
            } catch let error as MohurError where error.code == .refusedByPolicy && isDevelopment {
                try? FileManager.default.removeItem(atPath: sessionFile)  // expired: log in again below
            }
            if let identity {
                // A development state switches to the development officer whose role fits.
                if !isDevelopment || authorizer.decide(identity, .operation(operation)).allowed {
                    return try run(identity, operation, body)
                }
                try sessions.logout(token)
            }
        }
        guard isDevelopment else {
            throw MohurError.refused("this command needs an identified officer",
                                     hint: "log in with `mohur login --as pkcs11:…` (or --as CERT --key FILE), or pass --as to this command")
        }
        let identity = try developmentLogin(for: operation)
        return try run(identity, operation, body)
    }

    private func run<T>(_ identity: ValidatedIdentity, _ operation: MohurOperation, _ body: (ActingOfficer) throws -> T) throws -> T {
        try authorizer.authorize(identity, .operation(operation))
        return try body(ActingOfficer(identity: identity, pki: pki.acting(as: identity.actor)))
    }

    /// Development states only: log in the development officer whose role may use `operation`
    /// (the security officer first) and keep the session.
    private func developmentLogin(for operation: MohurOperation) throws -> ValidatedIdentity {
        let officers = try pki.officersOnToken()
        let ranked = OfficerRole.allCases.compactMap { role in
            officers.first { record in
                (try? Certificate(derEncoded: record.der)).flatMap { try? AgencyPermissions(certificate: $0) }?.role == role
            }
        }
        let fitting = ranked.first { record in
            guard let certificate = try? Certificate(derEncoded: record.der), let identity = try? authorizer.validate(certificate) else { return false }
            return authorizer.decide(identity, .operation(operation)).allowed
        } ?? ranked.first
        guard let record = fitting, let reference = record.keyRef else {
            throw MohurError.refused("this development state has no officer key on its token", hint: "log in with `mohur login --as …`")
        }
        let (token, identity) = try openSession(.pkcs11(uri: reference), automatic: true)
        try saveSession(token)
        return identity
    }

    private func openSession(_ credential: OfficerCredential, automatic: Bool) throws -> (String, ValidatedIdentity) {
        let (certificate, supplied, signer) = try resolve(credential)
        return try sessions.login(certificate: certificate, supplied: supplied, automatic: automatic) { challenge in
            try signer.sign(challenge, scheme: signer.defaultScheme)
        }
    }

    /// The certificate, intermediates and signing key a credential names.
    public func resolve(_ credential: OfficerCredential) throws -> (Certificate, [Certificate], any Signer) {
        switch credential {
        case .pkcs11(let uri):
            let signer = try pki.keys.load(reference: uri)
            let key = signer.publicKey
            for record in try pki.repository.certificates(role: CertificateRole.officer.rawValue) where record.revocation == nil {
                let certificate = try Certificate(derEncoded: record.der)
                if try certificate.publicKey() == key { return (certificate, [], signer) }
            }
            throw MohurError.notFound("no officer certificate was issued for the key \(uri)",
                                      hint: "enrol the officer first: `mohur officer enroll --pkcs11 \(uri) …`")
        case .files(let certificatePath, let keyPath, let passphrase):
            guard let data = FileManager.default.contents(atPath: certificatePath) else {
                throw MohurError.badInput("certificate file \(certificatePath) does not exist or is unreadable")
            }
            let bytes = Array(data)
            let all = try Certificate.parseAll(pemOrDER: bytes)
            guard let leaf = all.first else { throw MohurError.badInput("\(certificatePath) holds no certificate") }
            return (leaf, Array(all.dropFirst()), try SoftwareKeySigner.load(path: keyPath, passphrase: passphrase))
        }
    }

    private func savedToken() -> String? {
        guard let data = FileManager.default.contents(atPath: sessionFile) else { return nil }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return token.isEmpty ? nil : token
    }

    private func saveSession(_ token: String) throws {
        let dir = "\(directory.path)/sessions"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        guard FileManager.default.createFile(atPath: sessionFile, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw MohurError.system("cannot write the session file \(sessionFile)")
        }
    }
}
