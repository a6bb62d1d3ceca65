import SwiftASN1

/// An X.509/CMS `AlgorithmIdentifier` (RFC 5280 §4.1.1.2, RFC 5652 §10.1):
///
/// ```
/// AlgorithmIdentifier ::= SEQUENCE {
///     algorithm   OBJECT IDENTIFIER,
///     parameters  ANY DEFINED BY algorithm OPTIONAL }
/// ```
///
/// The parameters are kept as raw DER so that an absent parameter and an explicit `NULL`
/// stay distinct (both occur in real SODs) and re-encoding is byte-identical.
public struct CMSAlgorithmIdentifier: Sendable, Hashable, CustomStringConvertible {
    /// The algorithm OID.
    public var algorithm: ASN1ObjectIdentifier
    /// The encoded parameters element (e.g. `05 00` for NULL), or `nil` when absent.
    public var parameters: [UInt8]?

    /// Creates an identifier from an OID and optional raw DER parameters.
    public init(algorithm: ASN1ObjectIdentifier, parameters: [UInt8]? = nil) {
        self.algorithm = algorithm
        self.parameters = parameters
    }

    /// An identifier for a hash algorithm; parameters absent unless `nullParameters`
    /// (RFC 5754 §2: absent is preferred, NULL must be accepted).
    public init(hash: LDSHashAlgorithm, nullParameters: Bool = false) {
        self.init(algorithm: hash.oid, parameters: nullParameters ? [0x05, 0x00] : nil)
    }

    /// Whether the parameters are present and encode ASN.1 `NULL`.
    public var hasNullParameters: Bool { parameters == [0x05, 0x00] }

    /// The algorithm read as a hash algorithm.
    public var hashAlgorithm: LDSHashAlgorithm { LDSHashAlgorithm(oid: algorithm) }

    /// The dotted OID, followed by `+params` when parameters other than NULL are present.
    public var description: String {
        guard let parameters, !hasNullParameters else { return algorithm.description }
        return "\(algorithm) +params(\(parameters.count) bytes)"
    }

    /// The DER encoding.
    public func derEncoded() throws(LDSError) -> [UInt8] {
        do {
            return try tree().bytes
        } catch {
            throw LDSError(.encodingFailed, structure: "AlgorithmIdentifier",
                           reason: "could not encode \(algorithm): \(error)",
                           remedy: "Check the OID and that the parameters are one complete DER element.")
        }
    }

    /// The identifier as a DER tree, for structures that embed it. The parameters are copied as
    /// they are, so they must be one complete DER element.
    func tree() throws -> DERTree {
        .constructed(.sequence, [try .objectIdentifier(algorithm)] + (parameters.map { [DERTree.encoded($0)] } ?? []))
    }

    /// Decodes from a SwiftASN1 node (used by the DER decoder of the LDS security object).
    init(node: ASN1Node) throws {
        (algorithm, parameters) = try DER.sequence(node, identifier: .sequence) { nodes in
            let oid = try ASN1ObjectIdentifier(derEncoded: &nodes)
            let parameters = nodes.next().map { Array($0.encodedBytes) }
            return (oid, parameters)
        }
    }

    /// Decodes from a BER-TLV element (used by the CMS structure walker).
    init(element: BERTLV) throws(LDSError) {
        try element.expectTag(.sequence, "AlgorithmIdentifier SEQUENCE")
        let parts = try element.children()
        guard let first = parts.first else {
            throw LDSError(.missingElement, structure: element.structure, offset: element.offset,
                           reason: "AlgorithmIdentifier is empty; the algorithm OID is missing",
                           remedy: LDSError.rereadRemedy)
        }
        guard parts.count <= 2 else {
            throw LDSError(.trailingData, structure: element.structure, offset: parts[2].offset,
                           reason: "AlgorithmIdentifier has \(parts.count) elements; at most 2 are allowed",
                           remedy: LDSError.rereadRemedy)
        }
        algorithm = try first.objectIdentifier("AlgorithmIdentifier.algorithm")
        parameters = parts.count == 2 ? Array(parts[1].encoded) : nil
    }
}
