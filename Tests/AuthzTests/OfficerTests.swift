import Authz
import CA
import Foundation
import HSM
import MohurCore
import MohurTestSupport
import OpenSSLKit
import PKITestSupport
import Testing

/// Officers: sessions, dual control of the top keys, and national certificates through the
/// bridge (level 3).
@Suite("Officers, dual control and the national PKI", .serialized)
struct OfficerTests {
    /// An officer enrolled with a key on the fixture's token, logged in.
    static func officer(_ f: PKIFixture, _ sessions: OfficerSessions, name: String, role: OfficerRole = .securityOfficer,
                        agency: String = "MIA") throws -> (identity: ValidatedIdentity, token: String) {
        let signer = try f.pki.keys.generate(.ec(.p256), label: "officer-\(Digest.hex(try randomBytes(4)))")
        let record = try f.pki.issuePermissionCertificate(PermissionIssuanceRequest(
            agency: agency, holder: .officer(name: name, role: role), key: .keyReference(signer.keyReference)))
        let (token, identity) = try sessions.login(certificate: try Certificate(derEncoded: record.der)) {
            try signer.sign($0, scheme: signer.defaultScheme)
        }
        return (identity, token)
    }

    @Test("log-in needs the officer's key; sessions expire after inactivity; log-in, log-out and expiry are journaled")
    func sessionsAndTheirJournal() throws {
        let sink = RecordingAuditSink()
        let f = try PKIFixture(audit: sink)
        let sessions = OfficerSessions(authorizer: try Authorizer(pki: f.pki))
        let (identity, token) = try Self.officer(f, sessions, name: "Aysel Mammadova")
        #expect(identity.role == .securityOfficer && identity.agency == "MIA")
        #expect(try sessions.resume(token).fingerprint == identity.fingerprint)
        // A key that is not the certificate's opens nothing.
        let stranger = try PrivateKey.generate(.ec(.p256))
        let refused = try #require(throws: MohurError.self) {
            try sessions.login(certificate: identity.certificate) { try stranger.sign($0, scheme: .ecdsa(.sha256)) }
        }
        #expect(refused.code == .refusedByPolicy && refused.reason.contains("does not verify"))
        f.clock.advance(days: 1)
        let expired = try #require(throws: MohurError.self) { try sessions.resume(token) }
        #expect(expired.reason.contains("expired"))
        let second = try Self.officer(f, sessions, name: "Rashad Aliyev")
        try sessions.logout(second.token)
        #expect(throws: MohurError.self) { try sessions.resume(second.token) }
        let operations = sink.actions.filter { $0.category == .session || $0.operation.hasPrefix("session.") }.map(\.operation)
        #expect(operations == ["session.login", "session.login", "session.expire", "session.login", "session.logout"], "\(operations)")
        #expect(sink.actions.first { $0.operation == "session.login" }?.actor.certificateFingerprint == identity.fingerprint)
    }

    @Test("CSCA rollover under dual control: pending with one officer, the same officer twice refused, a second officer carries it out")
    func rolloverUnderDualControl() throws {
        let sink = RecordingAuditSink()
        let f = try PKIFixture(audit: sink)
        let authorizer = try Authorizer(pki: f.pki)
        let sessions = OfficerSessions(authorizer: authorizer)
        let control = DualControl(authorizer: authorizer)
        let first = try Self.officer(f, sessions, name: "First Officer").identity
        let second = try Self.officer(f, sessions, name: "Second Officer").identity
        let operator_ = try Self.officer(f, sessions, name: "Issuing Operator", role: .issuingOperator).identity

        guard case .pending(let request) = try control.request(.cscaRollover, by: first) else { throw TestFailure("executed on one officer") }
        #expect(try f.pki.activeAuthority(.csca).record.name == "csca-1")
        let twice = try #require(throws: MohurError.self) { try control.grant(request.id, by: first) }
        #expect(twice.code == .refusedByPolicy && twice.reason.contains("already approved"))
        // Not a security officer: refused by the decision point, journaled.
        #expect(throws: MohurError.self) { try control.grant(request.id, by: operator_) }
        guard case .executed(let done, _, let link) = try control.grant(request.id, by: second) else { throw TestFailure("still pending") }
        #expect(done.status == .executed && done.grantedBy == [first.fingerprint, second.fingerprint] && link != nil)
        #expect(try f.pki.activeAuthority(.csca).record.name == "csca-2")
        let rollover = try #require(sink.actions.first { $0.operation == "csca.rollover" })
        #expect(rollover.actor.certificateFingerprint == second.fingerprint)
        let steps = sink.actions.map(\.operation).filter { $0.hasPrefix("approval.") }
        #expect(steps == ["approval.request", "approval.grant", "approval.grant"], "\(steps)")
        #expect(sink.actions.contains { $0.operation == "approval.grant" && $0.outcome == .refused && $0.category == .permissionExceeded })

        // A request lapses after 24 hours.
        guard case .pending(let stale) = try control.request(.cscaRollover, by: first) else { throw TestFailure("executed") }
        let later = TestClock(f.clock.now().addingTimeInterval(25 * 3600))
        let laterAuthorizer = try Authorizer(pki: f.at(later))
        let lapsed = try #require(throws: MohurError.self) { try DualControl(authorizer: laterAuthorizer).grant(stale.id, by: second) }
        #expect(lapsed.reason.contains("expired"))
    }

    /// A national root and two certificates it issues, all made by the openssl CLI.
    struct NationalPKI {
        let root: String, official: String, officialKey: String, impostor: String
    }

    static func nationalPKI(_ f: PKIFixture) throws -> NationalPKI {
        let dir = f.directory
        func ok(_ r: ProcessResult) throws { guard r.status == 0 else { throw TestFailure(r.output) } }
        try ok(try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", dir.path("nroot.key"),
                            "-out", dir.path("nroot.pem"), "-days", "3650", "-subj", "/C=AZ/O=National Certification Services Centre/CN=National Root CA",
                            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]))
        let ext = try dir.write("leaf.cnf", "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nauthorityKeyIdentifier=keyid\n")
        for (name, subject) in [("official", "/C=AZ/O=Ministry of Justice/CN=Leyla Hasanova"), ("impostor", "/C=AZ/O=IAMAS/OU=MIA/CN=Security Officer 9")] {
            try ok(try openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", dir.path("\(name).key"),
                                "-out", dir.path("\(name).csr"), "-subj", subject]))
            try ok(try openssl(["x509", "-req", "-in", dir.path("\(name).csr"), "-CA", dir.path("nroot.pem"), "-CAkey", dir.path("nroot.key"),
                                "-set_serial", name == "official" ? "101" : "102", "-days", "365", "-extfile", ext, "-out", dir.path("\(name).pem")]))
        }
        return NationalPKI(root: dir.path("nroot.pem"), official: dir.path("official.pem"), officialKey: dir.path("official.key"),
                           impostor: dir.path("impostor.pem"))
    }

    static func load(_ path: String) throws -> Certificate {
        try Certificate(pemOrDER: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    @Test("the bridge permits the national namespace and excludes IAMAS's: openssl verify and Mohur agree, and a mapped official logs in")
    func nationalCertificatesThroughTheBridge() throws {
        let sink = RecordingAuditSink()
        let f = try PKIFixture(audit: sink)
        let national = try Self.nationalPKI(f)
        let bridge = try f.pki.crossCertify(nationalRoot: try Self.load(national.root))
        let rootPEM = try f.pemFile("iamas-root.pem", [try f.certificate("root")])
        let bridgePEM = try f.pemFile("bridge.pem", [try Certificate(derEncoded: bridge.der)])
        let official = try openssl(["verify", "-CAfile", rootPEM, "-untrusted", bridgePEM, national.official])
        #expect(official.status == 0, "\(official.output)")
        let impostor = try openssl(["verify", "-CAfile", rootPEM, "-untrusted", bridgePEM, national.impostor])
        #expect(impostor.status != 0 && impostor.output.contains("excluded subtree"), "\(impostor.output)")

        f.clock.advance(seconds: 600)  // the openssl CLI dates its certificates from the moment it ran
        let authorizer = try Authorizer(pki: f.pki)
        let identity = try authorizer.validate(try Self.load(national.official))
        #expect(identity.isNational && identity.permissions.operations.isEmpty && identity.role == nil)
        let refused = try #require(throws: MohurError.self) { try authorizer.validate(try Self.load(national.impostor)) }
        #expect(refused.reason.contains("excludes"), "\(refused)")

        let sessions = OfficerSessions(authorizer: authorizer)
        let officialKey = try SoftwareKeySigner.load(path: national.officialKey, passphrase: nil)
        // Unmapped: not an officer.
        #expect(throws: MohurError.self) {
            try sessions.login(certificate: try Self.load(national.official)) { try officialKey.sign($0, scheme: officialKey.defaultScheme) }
        }
        let security = try Self.officer(f, sessions, name: "Mapping Officer").identity
        let mapping = try authorizer.mapNationalCertificate(try Self.load(national.official), agency: "MIA", role: .auditor, by: security)
        #expect(mapping.agency == "MIA" && mapping.role == "auditor")
        let (_, official_) = try sessions.login(certificate: try Self.load(national.official)) {
            try officialKey.sign($0, scheme: officialKey.defaultScheme)
        }
        #expect(official_.isNational && official_.role == .auditor && official_.agency == "MIA")
        #expect(authorizer.decide(official_, .operation(.auditRead)).allowed && !authorizer.decide(official_, .operation(.certManage)).allowed)
        let login = try #require(sink.actions.last { $0.operation == "session.login" && $0.outcome == .success })
        #expect(login.actor.certificateFingerprint == official_.fingerprint && login.details["national"] == .flag(true))
        // Withdrawn: the holder holds nothing and cannot log in again.
        #expect(try authorizer.withdrawNationalMapping(try Self.load(national.official), by: security))
        #expect(try authorizer.validate(try Self.load(national.official)).role == nil)
        #expect(throws: MohurError.self) {
            try sessions.login(certificate: try Self.load(national.official)) { try officialKey.sign($0, scheme: officialKey.defaultScheme) }
        }
    }
}
