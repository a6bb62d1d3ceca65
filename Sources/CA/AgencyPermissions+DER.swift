import MohurCore
import OpenSSLKit
import SwiftASN1

/// The X.509 form of ``AgencyPermissions``: a critical extension under the IAMAS arc.
///
/// ```
/// IAMAS-Permissions DEFINITIONS IMPLICIT TAGS ::= BEGIN
///
/// id-iamas-permissions OBJECT IDENTIFIER ::= { 1 3 6 1 4 1 59599 1 2 }
///
/// IAMASPermissions ::= SEQUENCE {
///     version     INTEGER { v1(0) },
///     agency      PrintableString (SIZE (1..8)),      -- annex-2 agency code, e.g. "SBS"
///     grants      SEQUENCE OF ResourceGrant,           -- resources with no right are left out
///     operations  BIT STRING {
///                     sod-sign(0), pa-verify(1), cert-manage(2), trust-manage(3),
///                     audit-read(4), audit-export(5), perm-issue(6) },
///     role        [0] ENUMERATED {
///                     security-officer(0), issuing-operator(1), border-officer(2),
///                     auditor(3) } OPTIONAL            -- officers (persons) only
/// }
///
/// ResourceGrant ::= SEQUENCE {
///     resource    PrintableString (SIZE (3)),          -- CIT FOR BCR RST BLK AUD
///     rights      BIT STRING { write(0), read(1), read-restricted(2) }
/// }
///
/// END
/// ```
///
/// Named bit lists are DER-encoded without trailing zero bits (X.690 §11.2.2). The extension is
/// critical (RFC 5280 §4.2): a relying party that does not understand it must not accept the
/// certificate for anything, since its meaning is to limit what the holder may do. A decoder
/// meets unknown bits, resources or roles by refusing the value: rights it cannot read are
/// rights it cannot bound.
extension AgencyPermissions {
    public static let oid = OID.iamasPermissions

    /// The extension as it goes into a certificate (critical).
    public func certificateExtension() throws -> CertificateExtension {
        try Extensions.make(Self.oid, critical: true) { s in
            try s.appendConstructedNode(identifier: .sequence) { p in
                try p.serialize(0)
                try p.serialize(try ASN1PrintableString(agency))
                try p.appendConstructedNode(identifier: .sequence) { list in
                    for resource in permissions.grants.keys.sorted() {
                        try list.appendConstructedNode(identifier: .sequence) { grant in
                            try grant.serialize(try ASN1PrintableString(resource.rawValue))
                            try grant.serialize(Extensions.namedBits(Set(permissions.grants[resource, default: []].map(\.bit))))
                        }
                    }
                }
                try p.serialize(Extensions.namedBits(Set(permissions.operations.map(\.bit))))
                if let role {
                    p.appendPrimitiveNode(identifier: Extensions.tag(0)) { $0.append(UInt8(role.number)) }
                }
            }
        }
    }

    /// Reads the extension value (the content of extnValue).
    public init(extensionValue der: [UInt8]) throws(MohurError) {
        do {
            let root = try DER.parse(der)
            self = try DER.sequence(root, identifier: .sequence) { nodes in
                let version = try Int(derEncoded: &nodes)
                guard version == 0 else { throw MohurError.badInput("permission extension version \(version) is not v1(0)") }
                let agency = String(try ASN1PrintableString(derEncoded: &nodes))
                var grants: [InformationResource: Set<PermissionRight>] = [:]
                try DER.sequence(of: ResourceGrant.self, identifier: .sequence, nodes: &nodes).forEach { grant in
                    guard grants[grant.resource] == nil else {
                        throw MohurError.badInput("permission extension lists resource \(grant.resource.rawValue) twice")
                    }
                    grants[grant.resource] = grant.rights
                }
                let bits = try Extensions.decodeNamedBits(try ASN1BitString(derEncoded: &nodes), what: "operations")
                let operations = try Set(bits.map { bit in
                    guard let operation = MohurOperation.allCases.first(where: { $0.bit == bit }) else {
                        throw MohurError.badInput("permission extension grants unknown operation bit \(bit)")
                    }
                    return operation
                })
                var role: OfficerRole?
                if let node = nodes.next() {
                    guard node.identifier == Extensions.tag(0), case .primitive(let content) = node.content, content.count == 1,
                          let found = OfficerRole.allCases.first(where: { $0.number == Int(content[content.startIndex]) }) else {
                        throw MohurError.badInput("permission extension has an unknown role or trailing field")
                    }
                    role = found
                }
                guard nodes.next() == nil else { throw MohurError.badInput("permission extension has trailing fields") }
                return AgencyPermissions(agency: agency, permissions: PermissionSet(grants: grants, operations: operations), role: role)
            }
        } catch let error as MohurError {
            throw error
        } catch {
            throw .badInput("the IAMAS permission extension is malformed: \(error)")
        }
    }

    /// The permissions a certificate carries, or nil when it has no permission extension.
    public init?(certificate: Certificate) throws(MohurError) {
        guard let ext = certificate.extension(Self.oid) else { return nil }
        guard ext.critical else {
            throw .badInput("the IAMAS permission extension of \(certificate.subject) is not critical")
        }
        try self.init(extensionValue: ext.value)
    }
}

/// One ResourceGrant of the extension.
private struct ResourceGrant: DERParseable {
    var resource: InformationResource
    var rights: Set<PermissionRight>

    init(derEncoded node: ASN1Node) throws {
        self = try DER.sequence(node, identifier: .sequence) { nodes in
            let code = String(try ASN1PrintableString(derEncoded: &nodes))
            guard let resource = InformationResource(rawValue: code) else {
                throw MohurError.badInput("permission extension names unknown resource '\(code)'")
            }
            let bits = try Extensions.decodeNamedBits(try ASN1BitString(derEncoded: &nodes), what: "rights of \(code)")
            let rights = try Set(bits.map { bit in
                guard let right = PermissionRight.allCases.first(where: { $0.bit == bit }) else {
                    throw MohurError.badInput("permission extension grants unknown right bit \(bit) on \(code)")
                }
                return right
            })
            return ResourceGrant(resource: resource, rights: rights)
        }
    }

    init(resource: InformationResource, rights: Set<PermissionRight>) {
        self.resource = resource
        self.rights = rights
    }
}
