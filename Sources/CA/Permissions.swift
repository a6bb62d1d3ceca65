import MohurCore

/// What a holder may do with an information resource (annex 2 of the IAMAS rules: "enters
/// data", "reads without restriction", "reads with restriction").
public enum PermissionRight: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    case write
    case read
    case readRestricted = "read-restricted"

    /// The bit of this right in the `rights` BIT STRING of a ResourceGrant.
    var bit: Int {
        switch self {
        case .write: 0
        case .read: 1
        case .readRestricted: 2
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.bit < rhs.bit }

    public static func parse(_ text: String) throws(MohurError) -> PermissionRight {
        guard let right = PermissionRight(rawValue: text) else {
            throw .badInput("unknown right '\(text)'", hint: "rights are write, read, read-restricted")
        }
        return right
    }
}

/// Mohur's own operations. Annex 2 names resources, not Mohur's operations; which agency may
/// use which is the second table of `CA/agency-operations.tsv`.
public enum MohurOperation: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    /// Sign EF.SOD at an issuing centre.
    case sodSign = "sod-sign"
    /// Passive authentication of a presented document at a border post.
    case paVerify = "pa-verify"
    /// Issue, revoke and renew certificates and CRLs; key rollover; cross-certification.
    case certManage = "cert-manage"
    /// Import master lists, PKD LDIF, CRLs and trust bundles.
    case trustManage = "trust-manage"
    /// Read the audit journal (entries, proofs, checkpoints).
    case auditRead = "audit-read"
    /// Export journal ranges for investigations.
    case auditExport = "audit-export"
    /// Issue permission certificates and enrol officers.
    case permIssue = "perm-issue"
    /// Forward this node's journal entries and checkpoints to the central service (a node
    /// identity's right; it grants no reading of anyone's journal).
    case journalForward = "journal-forward"

    /// The bit of this operation in the `operations` BIT STRING. Never renumber a shipped bit.
    var bit: Int {
        switch self {
        case .sodSign: 0
        case .paVerify: 1
        case .certManage: 2
        case .trustManage: 3
        case .auditRead: 4
        case .auditExport: 5
        case .permIssue: 6
        case .journalForward: 7
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.bit < rhs.bit }

    public static func parse(_ text: String) throws(MohurError) -> MohurOperation {
        guard let operation = MohurOperation(rawValue: text) else {
            throw .badInput("unknown operation '\(text)'",
                            hint: "operations are \(MohurOperation.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return operation
    }
}

/// The role of a person holding an officer certificate. A role narrows what the certificate's
/// agency may do to what the person's job needs (README, "Officer roles").
public enum OfficerRole: String, Sendable, Hashable, CaseIterable, Codable {
    case securityOfficer = "security-officer"
    case issuingOperator = "issuing-operator"
    case borderOfficer = "border-officer"
    case auditor

    /// ENUMERATED value in the certificate. Never renumber a shipped value.
    var number: Int {
        switch self {
        case .securityOfficer: 0
        case .issuingOperator: 1
        case .borderOfficer: 2
        case .auditor: 3
        }
    }

    /// Mohur operations the role may use at most (before the agency's own limits).
    public var operations: Set<MohurOperation> {
        switch self {
        case .securityOfficer: [.certManage, .trustManage, .permIssue, .auditRead]
        case .issuingOperator: [.sodSign]
        case .borderOfficer: [.paVerify]
        case .auditor: [.auditRead, .auditExport]
        }
    }

    public static func parse(_ text: String) throws(MohurError) -> OfficerRole {
        guard let role = OfficerRole(rawValue: text) else {
            throw .badInput("unknown role '\(text)'", hint: "roles are \(OfficerRole.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return role
    }
}

/// What one certificate grants: per resource a set of rights, a set of Mohur operations, and
/// for officers a role. Set algebra only; the X.509 form is in `AgencyPermissions+DER.swift`.
public struct PermissionSet: Sendable, Hashable, Codable {
    public var grants: [InformationResource: Set<PermissionRight>]
    public var operations: Set<MohurOperation>

    public init(grants: [InformationResource: Set<PermissionRight>] = [:], operations: Set<MohurOperation> = []) {
        self.grants = grants.filter { !$0.value.isEmpty }
        self.operations = operations
    }

    /// Everything, as the root holds it.
    public static let all = PermissionSet(
        grants: Dictionary(uniqueKeysWithValues: InformationResource.allCases.map { ($0, Set(PermissionRight.allCases)) }),
        operations: Set(MohurOperation.allCases))

    public func allows(_ right: PermissionRight, on resource: InformationResource) -> Bool {
        grants[resource]?.contains(right) ?? false
    }

    public func intersection(_ other: PermissionSet) -> PermissionSet {
        var grants: [InformationResource: Set<PermissionRight>] = [:]
        for (resource, rights) in self.grants {
            grants[resource] = rights.intersection(other.grants[resource] ?? [])
        }
        return PermissionSet(grants: grants, operations: operations.intersection(other.operations))
    }

    /// What `self` claims beyond `limit`, one phrase per excess ("AUD:write", "op:perm-issue").
    public func excess(over limit: PermissionSet) -> [String] {
        var result: [String] = []
        for resource in grants.keys.sorted() {
            for right in grants[resource, default: []].subtracting(limit.grants[resource] ?? []).sorted() {
                result.append("\(resource.rawValue):\(right.rawValue)")
            }
        }
        result += operations.subtracting(limit.operations).sorted().map { "op:\($0.rawValue)" }
        return result
    }

    /// The comma list form that `--rights` takes and `perm show` prints:
    /// `CIT:read,RST:read-restricted,op:pa-verify`.
    public var specification: String {
        var parts: [String] = []
        for resource in grants.keys.sorted() {
            parts += grants[resource, default: []].sorted().map { "\(resource.rawValue):\($0.rawValue)" }
        }
        parts += operations.sorted().map { "op:\($0.rawValue)" }
        return parts.joined(separator: ",")
    }

    /// Parses the `--rights` list; names the unknown resource, right or operation.
    public static func parse(specification: String) throws(MohurError) -> PermissionSet {
        var grants: [InformationResource: Set<PermissionRight>] = [:]
        var operations: Set<MohurOperation> = []
        for item in specification.split(separator: ",") {
            let parts = item.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else {
                throw .badInput("rights item '\(item)' is not RESOURCE:RIGHT or op:OPERATION",
                                hint: "e.g. CIT:read,RST:read-restricted,op:pa-verify")
            }
            if parts[0] == "op" {
                operations.insert(try MohurOperation.parse(parts[1]))
                continue
            }
            guard let resource = InformationResource(rawValue: parts[0]) else {
                throw .badInput("unknown resource '\(parts[0])' in rights item '\(item)'", hint: "resources are CIT FOR BCR RST BLK AUD")
            }
            grants[resource, default: []].insert(try PermissionRight.parse(parts[1]))
        }
        guard !grants.isEmpty || !operations.isEmpty else { throw .badInput("the rights list '\(specification)' is empty") }
        return PermissionSet(grants: grants, operations: operations)
    }
}

/// The IAMAS permission extension's value: whose permissions they are (the agency), what they
/// grant, and for officers the role. Segment CAs carry their agency's whole annex-2 row and
/// operations; everything issued under them carries a subset.
public struct AgencyPermissions: Sendable, Hashable {
    public var agency: String
    public var permissions: PermissionSet
    public var role: OfficerRole?

    public init(agency: String, permissions: PermissionSet, role: OfficerRole? = nil) {
        self.agency = agency
        self.permissions = permissions
        self.role = role
    }
}

extension Agency {
    /// The agency's annex-2 row with the Mohur operations the operations table grants it.
    public func permissions(operations: Set<MohurOperation>) -> PermissionSet {
        var grants: [InformationResource: Set<PermissionRight>] = [:]
        for resource in write { grants[resource, default: []].insert(.write) }
        for resource in read { grants[resource, default: []].insert(.read) }
        for resource in readRestricted { grants[resource, default: []].insert(.readRestricted) }
        return PermissionSet(grants: grants, operations: operations)
    }
}
