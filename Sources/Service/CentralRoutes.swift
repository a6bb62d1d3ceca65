import Audit
import Authz
import CA
import Foundation
import Hummingbird
import MohurCore
import OpenSSLKit
import Runtime

/// Routes of the central complex: CA material, the annex-2 decision point for all of IAMAS,
/// permission certificates and the audit journal.
struct CentralRoutes {
    let state: ServiceState
    let responder: Responder

    func add(to router: Router<MohurRequestContext>) {
        let v1 = router.group("v1")
        v1.get("ca/:name/certificate", use: certificate)
        v1.get("ca/:name/crl", use: crl)
        v1.post("authorize", use: authorize)
        v1.group("perm").add(middleware: OperationMiddleware(state: state, operation: .permIssue)).post("issue", use: issue)
        let audit = v1.group("audit").add(middleware: OperationMiddleware(state: state, operation: .auditRead))
        audit.get("checkpoint", use: checkpoint)
        audit.get("proof/inclusion", use: inclusion)
        audit.get("proof/consistency", use: consistency)
        audit.get("entries", use: entries)
        let journal = JournalRoutes(state: state, responder: responder)
        audit.get("nodes", use: journal.nodes)
        journal.add(to: router)
    }

    @Sendable func certificate(_ request: Request, context: MohurRequestContext) async throws -> Response {
        let name = try context.parameters.require("name")
        let pki = state.runtime.pki
        return try await responder.reply(context: context) {
            Reply(body: Array(try Certificate(derEncoded: try pki.authority(named: name).certificate.der).pem().utf8),
                  contentType: "application/pem-certificate-chain")
        }
    }

    @Sendable func crl(_ request: Request, context: MohurRequestContext) async throws -> Response {
        let name = try context.parameters.require("name")
        let pki = state.runtime.pki
        return try await responder.reply(context: context) {
            _ = try pki.authority(named: name)
            guard let record = try pki.repository.latestCRL(authority: name) else {
                throw MohurError.notFound("\(name) has issued no CRL yet", hint: "an officer issues one with `mohur crl issue --ca \(name)`")
            }
            return Reply(body: record.der, contentType: "application/pkix-crl")
        }
    }

    /// Another subsystem's gateway asks whether its caller (a certificate, with intermediates)
    /// may use an operation or a right on a resource. A refusal is journaled against that caller.
    struct AuthorizeRequest: Decodable {
        var certificate: String
        var chain: [String]?
        var operation: String?
        var resource: String?
        var right: String?
    }

    struct AuthorizeResponse: Encodable {
        var allowed: Bool
        var reason: String
        var agency: String?
        var role: String?
        var fingerprint: String
    }

    @Sendable func authorize(_ request: Request, context: MohurRequestContext) async throws -> Response {
        let body = try decode(AuthorizeRequest.self, context)
        let action: AccessAction
        switch (body.operation, body.resource, body.right) {
        case (let operation?, nil, nil): action = .operation(try MohurOperation.parse(operation))
        case (nil, let resource?, let right?):
            guard let parsed = InformationResource(rawValue: resource) else {
                throw MohurError.badInput("field 'resource': unknown resource '\(resource)'", hint: "resources are CIT FOR BCR RST BLK AUD")
            }
            action = .resource(parsed, try PermissionRight.parse(right))
        default:
            throw MohurError.badInput("give either field 'operation', or fields 'resource' and 'right'")
        }
        let certificate = try Self.certificate(body.certificate, field: "certificate")
        let chain = try (body.chain ?? []).enumerated().map { try Self.certificate($1, field: "chain[\($0)]") }
        let authorizer = state.runtime.authorizer
        let requestID = context.requestID
        return try await responder.reply(context: context) {
            let fingerprint = Digest.hex(certificate.fingerprintSHA256)
            do {
                let identity = try authorizer.authorize(certificate, supplied: chain, action, requestID: requestID)
                return try .json(AuthorizeResponse(allowed: true, reason: authorizer.decide(identity, action).reason, agency: identity.agency,
                                                   role: identity.role?.rawValue, fingerprint: fingerprint))
            } catch let error as MohurError where error.code == .refusedByPolicy {
                return try .json(AuthorizeResponse(allowed: false, reason: error.reason, agency: nil, role: nil, fingerprint: fingerprint))
            }
        }
    }

    struct IssueRequest: Decodable {
        var agency: String
        var subject: String
        /// PKCS#10 request, PEM or base64 DER.
        var csr: String
        var rights: String?
        var days: Int?
    }

    @Sendable func issue(_ request: Request, context: MohurRequestContext) async throws -> Response {
        let body = try decode(IssueRequest.self, context)
        let csr: CertificationRequest
        do { csr = try CertificationRequest(pemOrDER: Self.pemOrBase64(body.csr)) } catch {
            throw MohurError.badInput("field 'csr' is not a PKCS#10 request: \(error)")
        }
        let subject: DistinguishedName
        do { subject = try DistinguishedName(parsing: body.subject) } catch {
            throw MohurError.badInput("field 'subject' is not a distinguished name: \(error)")
        }
        let issuance = PermissionIssuanceRequest(agency: body.agency, holder: .subsystem(subject: subject), key: .request(csr),
                                                 permissions: try body.rights.map { try PermissionSet.parse(specification: $0) }, days: body.days)
        let pki = state.runtime.pki.acting(as: try context.requireCaller.identity.actor)
        let record = try await state.blocking { try pki.issuePermissionCertificate(issuance) }
        struct Issued: Encodable { var serial: String; var fingerprint: String; var subject: String; var notAfter: Date; var certificate: String }
        let pem = try Certificate(derEncoded: record.der).pem()
        return try await responder.json(Issued(serial: record.serial, fingerprint: record.fingerprint, subject: record.subject,
                                               notAfter: record.notAfter, certificate: pem), status: .created, context: context)
    }

    /// The latest signed checkpoint; with `?cosigned`, the latest one witnesses cosigned, with
    /// their cosignature lines (what a client checks against its witness policy).
    @Sendable func checkpoint(_ request: Request, context: MohurRequestContext) async throws -> Response {
        let runtime = state.runtime
        let cosigned = request.uri.queryParameters["cosigned"] != nil
        return try await responder.reply(context: context) {
            let note: String
            if cosigned {
                guard let cosignedNote = try runtime.witnessing.latestCosignedNote() else {
                    throw MohurError.notFound("no checkpoint of this journal carries cosignatures yet", hint: "witnesses are asked by `mohur audit cosign`")
                }
                note = cosignedNote
            } else {
                guard let latest = try runtime.journal.checkpoint() else { throw MohurError.notFound("the journal is empty") }
                note = latest
            }
            return Reply(body: Array(note.utf8), contentType: "text/plain; charset=utf-8")
        }
    }

    @Sendable func inclusion(_ request: Request, context: MohurRequestContext) async throws -> Response {
        let index = try Self.integer(request, "index")
        let size = try Self.integer(request, "size")
        let reader = try state.runtime.journalReader()
        return try await responder.reply(context: context) {
            let proof = try reader.inclusionProof(index: index, size: size)
            return try .json(ProofView(index: proof.index, size: proof.size, leafHash: proof.leafHash, hashes: proof.hashes))
        }
    }

    @Sendable func consistency(_ request: Request, context: MohurRequestContext) async throws -> Response {
        let from = try Self.integer(request, "from")
        let to = try Self.integer(request, "to")
        let reader = try state.runtime.journalReader()
        return try await responder.reply(context: context) {
            let proof = try reader.consistencyProof(from: from, to: to)
            return try .json(ProofView(from: proof.from, to: proof.to, hashes: proof.hashes))
        }
    }

    @Sendable func entries(_ request: Request, context: MohurRequestContext) async throws -> Response {
        let from = try Self.integer(request, "from")
        let to = try Self.integer(request, "to")
        guard from >= 0, to > from, to - from <= 1000 else {
            throw MohurError.badInput("query 'from' and 'to' must give 1 to 1000 entries, from ≥ 0")
        }
        let reader = try state.runtime.journalReader()
        return try await responder.reply(context: context) {
            let size = try reader.size()
            guard to <= size else { throw MohurError.badInput("query 'to' (\(to)) is past the journal's size (\(size))") }
            return try .json(try reader.entries(from..<to).map { EntryView(index: $0.index, entry: String(decoding: $0.entry.encoded, as: UTF8.self)) })
        }
    }

    struct ProofView: Encodable {
        var index: Int64?
        var size: Int64?
        var from: Int64?
        var to: Int64?
        var leafHash: String?
        var hashes: [String]

        init(index: Int64? = nil, size: Int64? = nil, from: Int64? = nil, to: Int64? = nil, leafHash: [UInt8]? = nil, hashes: [[UInt8]]) {
            self.index = index
            self.size = size
            self.from = from
            self.to = to
            self.leafHash = leafHash.map { Data($0).base64EncodedString() }
            self.hashes = hashes.map { Data($0).base64EncodedString() }
        }
    }

    struct EntryView: Encodable {
        var index: Int64
        var entry: String
    }

    static func integer(_ request: Request, _ name: String) throws -> Int64 {
        guard let text = request.uri.queryParameters[Substring(name)], let value = Int64(text), value >= 0 else {
            throw MohurError.badInput("query parameter '\(name)' is missing or not a non-negative integer")
        }
        return value
    }

    static func certificate(_ text: String, field: String) throws -> Certificate {
        do { return try Certificate(pemOrDER: pemOrBase64(text)) } catch {
            throw MohurError.badInput("field '\(field)' is not a certificate (PEM or base64 DER): \(error)")
        }
    }

    static func pemOrBase64(_ text: String) -> [UInt8] {
        text.contains("-----BEGIN") ? Array(text.utf8) : Data(base64Encoded: text).map(Array.init) ?? []
    }
}

/// Decodes the request's JSON body into `type`, naming the field at fault.
func decode<T: Decodable>(_ type: T.Type, _ context: MohurRequestContext) throws -> T {
    guard !context.body.isEmpty else { throw MohurError.badInput("the request has no JSON body") }
    do {
        return try JSONDecoder().decode(type, from: Data(context.body))
    } catch let error as DecodingError {
        throw MohurError.badInput(MohurError.describe(error))
    }
}
