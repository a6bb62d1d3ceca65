import Authz
import DocumentSigning
import Foundation
import Hummingbird
import LDS
import MohurCore
import OpenSSLKit
import PassiveAuth
import Runtime

/// Routes of an issuing centre (EF.SOD signing) and of a border post (passive authentication).
struct DocumentRoutes {
    let state: ServiceState
    let responder: Responder
    let signing: DocumentSigningService?

    func addIssuing(to router: Router<MohurRequestContext>) {
        let documents = router.group("v1/documents/sod").add(middleware: OperationMiddleware(state: state, operation: .sodSign))
        documents.post(use: sign)
        documents.post("batch", use: signBatch)
    }

    func addBorder(to router: Router<MohurRequestContext>) {
        router.group("v1/documents/verify").add(middleware: OperationMiddleware(state: state, operation: .paVerify)).post(use: verify)
        router.group("v1/trust/status").add(middleware: OperationMiddleware(state: state, operation: .paVerify)).get(use: trustStatus)
    }

    /// One document: type, number, FIN, and the data groups as base64 files or hashes.
    struct SignRequest: Decodable {
        var documentType: String
        var documentNumber: String
        var fin: String?
        /// Data group number ("1", "2", …) → base64 of the whole EF.
        var dataGroups: [String: String]?
        /// Data group number → base64 hash, computed with `hash`.
        var dataGroupHashes: [String: String]?
        var hash: String?
        /// Base64 EF.COM.
        var com: String?

        func request(field prefix: String) throws -> SODRequest {
            func groups(_ map: [String: String], _ name: String) throws -> [DataGroupNumber: [UInt8]] {
                var result: [DataGroupNumber: [UInt8]] = [:]
                for (key, value) in map {
                    guard let n = Int(key), let number = DataGroupNumber(rawValue: n) else {
                        throw MohurError.badInput("field '\(prefix)\(name).\(key)' is not a data group number 1–16")
                    }
                    guard let bytes = Data(base64Encoded: value) else { throw MohurError.badInput("field '\(prefix)\(name).\(key)' is not base64") }
                    result[number] = Array(bytes)
                }
                return result
            }
            let dataGroups: SODRequest.DataGroups
            switch (self.dataGroups, dataGroupHashes) {
            case (let files?, nil): dataGroups = .files(try groups(files, "dataGroups"))
            case (nil, let hashes?): dataGroups = .hashes(try groups(hashes, "dataGroupHashes"))
            default: throw MohurError.badInput("give exactly one of fields '\(prefix)dataGroups' and '\(prefix)dataGroupHashes'")
            }
            let algorithm = try hash.map { name throws -> DigestAlgorithm in
                guard let algorithm = DigestAlgorithm(name: name) else { throw MohurError.badInput("field '\(prefix)hash': unknown hash '\(name)'") }
                return algorithm
            }
            let com = try self.com.map { text throws -> EFCOM in
                guard let bytes = Data(base64Encoded: text) else { throw MohurError.badInput("field '\(prefix)com' is not base64") }
                do { return try EFCOM(encoded: Array(bytes)) } catch { throw MohurError.badInput("field '\(prefix)com' is not EF.COM: \(error)") }
            }
            return try SODRequest(documentType: documentType, documentNumber: documentNumber, dataGroups: dataGroups, com: com,
                                  fin: try fin.map { try FIN($0) }, hash: algorithm)
        }
    }

    struct Signed: Encodable {
        var issuanceID: Int64
        var sod: String
        var sodSHA256: String
        var documentSigner: String
    }

    func service() throws -> DocumentSigningService {
        guard let signing else { throw MohurError.system("this instance has no document signing service") }
        return signing
    }

    @Sendable func sign(_ request: Request, context: MohurRequestContext) async throws -> Response {
        let body = try decode(SignRequest.self, context)
        let sodRequest = try body.request(field: "")
        let (service, actor) = (try service(), try context.requireCaller.identity.actor)
        // A caller that names its request (X-Request-Id) may retry it safely: the same id gets
        // the same EF.SOD back (200), never a second one.
        let requestID = context.requestIDFromCaller ? context.requestID : nil
        return try await responder.reply(context: context) {
            let (signed, replayed) = try service.sign(sodRequest, actor: actor, requestID: requestID)
            return try .json(Self.view(signed), status: replayed ? .ok : .created)
        }
    }

    struct BatchRequest: Decodable { var documents: [SignRequest] }

    struct BatchItem: Encodable {
        var index: Int
        var signed: Signed?
        var error: String?
    }

    /// A batch: one record commit and one journal append for the documents that can be signed;
    /// a malformed or refused document fails alone, in its place.
    @Sendable func signBatch(_ request: Request, context: MohurRequestContext) async throws -> Response {
        let body = try decode(BatchRequest.self, context)
        guard (1...1000).contains(body.documents.count) else { throw MohurError.badInput("field 'documents' must hold 1–1000 documents") }
        let prepared = body.documents.enumerated().map { index, document in Result { try document.request(field: "documents[\(index)].") } }
        let good = prepared.compactMap { try? $0.get() }
        let (service, actor) = (try service(), try context.requireCaller.identity.actor)
        var signed = try await state.blocking { try service.sign(batch: good, actor: actor) }[...]
        let items = prepared.enumerated().map { index, preparation -> BatchItem in
            switch preparation {
            case .failure(let error): return BatchItem(index: index, error: MohurError.classify(error).description)
            case .success:
                switch signed.popFirst() {
                case .success(let sod)?: return BatchItem(index: index, signed: Self.view(sod))
                case .failure(let error)?: return BatchItem(index: index, error: MohurError.classify(error).description)
                case nil: return BatchItem(index: index, error: "not signed")
                }
            }
        }
        return try await responder.json(items, context: context)
    }

    static func view(_ signed: SignedSOD) -> Signed {
        Signed(issuanceID: signed.record.id, sod: Data(signed.encoded).base64EncodedString(), sodSHA256: signed.record.sodSHA256,
               documentSigner: signed.record.dsAuthority)
    }

    struct VerifyRequest: Decodable {
        /// Base64 EF.SOD.
        var sod: String
        /// Data group number → base64 EF read from the chip.
        var dataGroups: [String: String]?
        /// Check as of this instant (ISO 8601) instead of now.
        var at: Date?
        /// The MRZ lines read optically from the data page; DG1 must carry the same.
        var mrz: [String]?
    }

    @Sendable func verify(_ request: Request, context: MohurRequestContext) async throws -> Response {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let body: VerifyRequest
        do { body = try decoder.decode(VerifyRequest.self, from: Data(context.body)) } catch let error as DecodingError {
            throw MohurError.badInput(MohurError.describe(error))
        }
        guard let sodBytes = Data(base64Encoded: body.sod) else { throw MohurError.badInput("field 'sod' is not base64") }
        var groups: [DataGroupNumber: [UInt8]] = [:]
        for (key, value) in body.dataGroups ?? [:] {
            guard let n = Int(key), let number = DataGroupNumber(rawValue: n), let bytes = Data(base64Encoded: value) else {
                throw MohurError.badInput("field 'dataGroups.\(key)' is not a data group number 1–16 with base64 content")
            }
            groups[number] = Array(bytes)
        }
        let file: SODFile
        do { file = try SODFile(encoded: Array(sodBytes)) } catch { throw MohurError.badInput("field 'sod' is not a readable EF.SOD: \(error)") }
        let at = body.at ?? state.runtime.pki.clock.now()
        let dataGroups = groups
        let optical: MRZ?
        do { optical = try body.mrz.map { try MRZ(text: $0.joined()) } } catch {
            throw MohurError.badInput("field 'mrz' is not a complete MRZ (its lines, top to bottom): \(error)")
        }
        let (state, audit, actor, requestID) = (state, state.runtime.pki.audit, try context.requireCaller.identity.actor, context.requestID)
        return try await responder.reply(context: context) {
            let report = PassiveAuthenticator(trust: try state.trustIndex()).verify(sod: file, dataGroups: dataGroups, at: at, opticalMRZ: optical)
            try audit.journal(try report.auditAction(sod: file, actor: actor, requestID: requestID, dataGroups: dataGroups.count), "pa.verify completed")
            return .json(report.json)
        }
    }

    @Sendable func trustStatus(_ request: Request, context: MohurRequestContext) async throws -> Response {
        let directory = state.runtime.directory
        return try await responder.reply(context: context) { try .json(try directory.openTrustStore().counts()) }
    }
}
