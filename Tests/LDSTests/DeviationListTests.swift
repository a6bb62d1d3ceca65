import Foundation
import LDS
import MohurTestSupport
import SwiftASN1
import Testing

/// The DeviationList module of Doc 9303-12 §9.2: what is encoded decodes to the same value, the
/// encoding is DER (openssl re-encodes it byte for byte), and what the module does not define is
/// refused rather than ignored.
@Suite("Deviation lists (Doc 9303-12 §9)")
struct DeviationListTests {
    static let sample: DeviationList = {
        let from = try! GeneralizedTime(year: 2026, month: 1, day: 5, hours: 0, minutes: 0, seconds: 0, fractionalSeconds: 0)
        let to = try! GeneralizedTime(year: 2026, month: 2, day: 10, hours: 23, minutes: 59, seconds: 59, fractionalSeconds: 0)
        var dg = DER.Serializer()
        try! dg.serialize(2)
        return DeviationList(deviations: [
            .init(documents: .init(documentType: "P ", signer: .subjectKeyIdentifier([1, 2, 3, 4]), issuedFrom: from, issuedTo: to,
                                   documentNumbers: ["C02", "C01"]),
                  descriptions: [.init(text: "DG2 hash over padded image", type: DeviationType.dgHashWrong.oid, parameters: dg.serializedBytes),
                                 .init(text: nil, type: DeviationType.chip.oid)]),
            .init(documents: .init(signer: .certificateDigest(Array(repeating: 0xAB, count: 32))),
                  descriptions: [.init(text: "AA key", type: DeviationType.aaKeyCompromised.oid)]),
        ])
    }()

    @Test("encode then decode gives the same deviations; openssl re-encodes the DER unchanged")
    func roundTrip() throws {
        let der = try Self.sample.derEncoded()
        let decoded = try DeviationList(derEncoded: der)
        #expect(decoded.deviations.count == 2)
        let first = try #require(decoded.deviations.first { $0.documents.documentType != nil })
        #expect(first.documents.signer == .subjectKeyIdentifier([1, 2, 3, 4]))
        #expect(Set(first.documents.documentNumbers ?? []) == ["C01", "C02"])
        #expect(first.documents.issuedFrom?.day == 5 && first.documents.issuedTo?.hours == 23)
        #expect(first.descriptions.contains { $0.type == DeviationType.dgHashWrong.oid && $0.integerParameter == 2 && $0.text == "DG2 hash over padded image" })
        #expect(Set(decoded.deviations.flatMap { $0.descriptions.map(\.type) }) == Set(Self.sample.deviations.flatMap { $0.descriptions.map(\.type) }))
        let directory = try TemporaryDirectory("mohur-dvl")
        let file = try directory.write("dl.der", der)
        let again = directory.path("again.der")
        #expect(try openssl(["asn1parse", "-inform", "DER", "-in", file, "-out", again, "-noout"]).status == 0)
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: again))) == der)
    }

    @Test("every deviation type has the OID of Doc 9303-12 §9.2 and is found again by it")
    func types() {
        #expect(DeviationType.dgHashWrong.oid.description == "2.23.136.1.1.7.2.2")
        #expect(DeviationType.nationalUse.oid.description == "2.23.136.1.1.7.5")
        for type in DeviationType.allCases { #expect(DeviationType(oid: type.oid) == type) }
    }

    @Test("a criterion the module does not define, a wrong version and a PrintableString that cannot be are refused")
    func refusals() throws {
        var der = try Self.sample.derEncoded()
        // Retag the first document criterion ([0] documentType, 80) as [7] (87).
        let at = try #require(der.firstIndex(of: 0x80))
        der[at] = 0x87
        #expect(throws: LDSError.self) { try DeviationList(derEncoded: der) }
        var version = try Self.sample.derEncoded()
        let integer = try #require(version.firstIndex(of: 0x02))
        version[integer + 2] = 1
        #expect(throws: LDSError.self) { try DeviationList(derEncoded: version) }
        var bad = Self.sample
        bad.deviations[0].documents.documentNumbers = ["C<01"]
        #expect(throws: LDSError.self) { try bad.derEncoded() }
    }
}
