import Foundation

/// A key the PKI uses, by reference. Only public material is stored.
public struct KeyRecord: Sendable, Hashable, Codable {
    public var ref: String
    public var label: String
    public var spec: String
    public var backend: String
    public var publicKey: [UInt8]
    public var createdAt: Date
    public init(ref: String, label: String, spec: String, backend: String, publicKey: [UInt8], createdAt: Date) {
        self.ref = ref
        self.label = label
        self.spec = spec
        self.backend = backend
        self.publicKey = publicKey
        self.createdAt = createdAt
    }
}

/// A certificate Mohur issued or imported (cross certificates from the national PKI).
public struct CertificateRecord: Sendable, Hashable, Codable {
    public var id: Int64
    public var serial: String
    public var issuer: String
    public var issuerAuthority: String?
    public var subject: String
    public var role: String
    public var der: [UInt8]
    public var fingerprint: String
    public var ski: String?
    public var aki: String?
    public var notBefore: Date
    public var notAfter: Date
    public var keyUsageNotBefore: Date?
    public var keyUsageNotAfter: Date?
    public var keyRef: String?
    public var issuedAt: Date
    /// Filled from the revocations table when the record is read.
    public var revocation: RevocationRecord?

    public init(id: Int64 = 0, serial: String, issuer: String, issuerAuthority: String?, subject: String, role: String,
                der: [UInt8], fingerprint: String, ski: String?, aki: String?, notBefore: Date, notAfter: Date,
                keyUsageNotBefore: Date?, keyUsageNotAfter: Date?, keyRef: String?, issuedAt: Date) {
        self.id = id
        self.serial = serial
        self.issuer = issuer
        self.issuerAuthority = issuerAuthority
        self.subject = subject
        self.role = role
        self.der = der
        self.fingerprint = fingerprint
        self.ski = ski
        self.aki = aki
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.keyUsageNotBefore = keyUsageNotBefore
        self.keyUsageNotAfter = keyUsageNotAfter
        self.keyRef = keyRef
        self.issuedAt = issuedAt
    }
}

/// A certificate authority of one of the four levels: one row per key generation.
public struct AuthorityRecord: Sendable, Hashable, Codable {
    public var name: String
    public var role: String
    public var level: Int
    public var agency: String?
    public var keyRef: String
    public var certificateID: Int64
    public var status: String
    public var generation: Int
    public var crlNumber: Int64
    public var createdAt: Date
    public init(name: String, role: String, level: Int, agency: String?, keyRef: String, certificateID: Int64,
                status: String, generation: Int, crlNumber: Int64, createdAt: Date) {
        self.name = name
        self.role = role
        self.level = level
        self.agency = agency
        self.keyRef = keyRef
        self.certificateID = certificateID
        self.status = status
        self.generation = generation
        self.crlNumber = crlNumber
        self.createdAt = createdAt
    }
}

/// A revocation, with the reason kept here even where the CRL may not carry it.
public struct RevocationRecord: Sendable, Hashable, Codable {
    public var certificateID: Int64
    public var reason: String
    public var revokedAt: Date
    public var recordedAt: Date
    public init(certificateID: Int64, reason: String, revokedAt: Date, recordedAt: Date) {
        self.certificateID = certificateID
        self.reason = reason
        self.revokedAt = revokedAt
        self.recordedAt = recordedAt
    }
}

/// A CRL as issued.
public struct CRLRecord: Sendable, Hashable, Codable {
    public var authority: String
    public var crlNumber: Int64
    public var thisUpdate: Date
    public var nextUpdate: Date
    public var der: [UInt8]
    public init(authority: String, crlNumber: Int64, thisUpdate: Date, nextUpdate: Date, der: [UInt8]) {
        self.authority = authority
        self.crlNumber = crlNumber
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
        self.der = der
    }
}
