import HSM
import Testing

@Suite("PKCS #11 URI (RFC 7512)")
struct PKCS11URITests {
    // Examples from RFC 7512 §3, plus vendor attributes.
    static let rfcExamples = [
        "pkcs11:",
        "pkcs11:object=my-pubkey;type=public",
        "pkcs11:object=my-key;type=private?pin-source=file:/etc/token",
        "pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91;serial=?pin-source=file:/etc/token_pin",
        "pkcs11:object=my-sign-key;type=private?module-name=mypkcs11",
        "pkcs11:object=my-sign-key;type=private?module-path=/mnt/libmypkcs11.so.1",
        "pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%20Oil,%20Inc.?pin-value=the-pin",
        "pkcs11:slot-description=Sun%20Metaslot",
        "pkcs11:library-manufacturer=Snake%20Oil,%20Inc.;library-description=Soft%20Token%20Library;library-version=1.23",
        "pkcs11:token=My%20token%25%20created%20by%20Joe;library-version=3;id=%01%02%03%Ba%dd%Ca%fe%04%05%06",
        "pkcs11:token=A%20name%20with%20a%20substring%20%25%3B;object=my-certificate;type=cert",
        "pkcs11:token=Name%20with%20a%20small%20A%20with%20acute:%20%C3%A1;object=my-certificate;type=cert",
        "pkcs11:token=my-token;object=my-certificate;type=cert;x-vendor-aaa=value-a?pin-source=file:/etc/token_pin&x-vendor-bbb=value-b",
        "pkcs11:slot-id=4294967295;slot-manufacturer=Acme;serial=0123abcd",
    ]

    @Test("RFC 7512 examples parse, and formatting then re-parsing gives the same URI", arguments: rfcExamples)
    func examplesRoundTrip(_ text: String) throws {
        let uri = try PKCS11URI(parsing: text)
        let again = try PKCS11URI(parsing: uri.formatted(includingPINValue: true))
        #expect(again == uri)
    }

    @Test("attributes are percent-decoded into their fields")
    func decodesFields() throws {
        let uri = try PKCS11URI(parsing: "pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91;serial=?pin-source=file:/etc/token_pin")
        #expect(uri.token == "The Software PKCS#11 Softtoken")
        #expect(uri.manufacturer == "Snake Oil, Inc.")
        #expect(uri.model == "1.0")
        #expect(uri.object == "my-certificate")
        #expect(uri.type == "cert")
        #expect(uri.id == [0x69, 0x95, 0x3E, 0x5C, 0xF4, 0xBD, 0xEC, 0x91])
        #expect(uri.serial == "")
        #expect(uri.pinSource == "file:/etc/token_pin")

        let utf8 = try PKCS11URI(parsing: "pkcs11:token=Name%20with%20a%20small%20A%20with%20acute:%20%C3%A1")
        #expect(utf8.token == "Name with a small A with acute: á")
        let lib = try PKCS11URI(parsing: "pkcs11:library-version=1.23;slot-id=7?module-path=/usr/lib/softhsm/libsofthsm2.so")
        #expect(lib.libraryVersion == "1.23")
        #expect(lib.slotID == 7)
        #expect(lib.modulePath == "/usr/lib/softhsm/libsofthsm2.so")
        #expect(try PKCS11URI(parsing: "PKCS11:token=upper").token == "upper")
    }

    @Test("formatting percent-encodes spaces and reserved characters and encodes id entirely")
    func formatsCanonically() throws {
        var uri = PKCS11URI()
        uri.token = "CSCA Token; 100% sure"
        uri.object = "CSCA/DE 2024"
        uri.id = [0x01, 0xAB, 0x41]
        uri.type = "private"
        uri.modulePath = "/usr/lib/softhsm/libsofthsm2.so"
        let text = uri.description
        #expect(text == "pkcs11:token=CSCA%20Token%3B%20100%25%20sure;object=CSCA%2FDE%202024;type=private;id=%01%AB%41?module-path=/usr/lib/softhsm/libsofthsm2.so")
        #expect(try PKCS11URI(parsing: text) == uri)
    }

    @Test("unknown and vendor attributes are kept verbatim, in order")
    func keepsUnknownAttributes() throws {
        let text = "pkcs11:token=a;x-foo=b%20c;future-attr=1?module-name=m&x-bar=%41&other=z"
        let uri = try PKCS11URI(parsing: text)
        #expect(uri.otherPathAttributes == [.init(name: "x-foo", value: "b%20c"), .init(name: "future-attr", value: "1")])
        #expect(uri.otherQueryAttributes == [.init(name: "x-bar", value: "%41"), .init(name: "other", value: "z")])
        #expect(uri.otherPathAttributes[0].decodedValue == Array("b c".utf8))
        #expect(uri.description == text)
    }

    @Test("description and reflection never show pin-value; formatted(includingPINValue:) does")
    func hidesPINValue() throws {
        let uri = try PKCS11URI(parsing: "pkcs11:token=t?pin-value=s3cr3t-P1N&module-name=softhsm2")
        #expect(uri.pinValue == "s3cr3t-P1N")
        #expect(uri.description == "pkcs11:token=t?module-name=softhsm2")
        #expect(!String(describing: uri).contains("s3cr3t"))
        #expect(!String(reflecting: uri).contains("s3cr3t"))
        var dumped = ""
        dump(uri, to: &dumped)
        #expect(!dumped.contains("s3cr3t"))
        #expect(uri.formatted(includingPINValue: true) == "pkcs11:token=t?pin-value=s3cr3t-P1N&module-name=softhsm2")
    }

    static let malformed: [(String, String)] = [
        ("http://example.com", "must start with \"pkcs11:\""),
        ("pkcs11", "must start with \"pkcs11:\""),
        ("pkcs11:token", "has no '='"),
        ("pkcs11:=value", "invalid attribute name"),
        ("pkcs11:token=a;;object=b", "empty attribute"),
        ("pkcs11:token=a;", "empty attribute"),
        ("pkcs11:token=My Token", "character ' ' at offset 15 in attribute 'token' must be percent-encoded (write it as %20)"),
        ("pkcs11:object=a#b", "character '#'"),
        ("pkcs11:object=a/b", "character '/'"),
        ("pkcs11:id=%G1", "malformed percent-encoding"),
        ("pkcs11:id=%1", "malformed percent-encoding"),
        ("pkcs11:token=%FF%FE", "not valid UTF-8"),
        ("pkcs11:type=secret", "type must be one of"),
        ("pkcs11:slot-id=abc", "slot-id must be a decimal number"),
        ("pkcs11:slot-id=99999999999999999999999", "slot-id must be a decimal number"),
        ("pkcs11:library-version=1.2.3", "library-version"),
        ("pkcs11:token=a;token=b", "appears more than once"),
        ("pkcs11:?module-name=a&module-name=b", "appears more than once"),
        ("pkcs11:?pin-value=1234&pin-source=file:/pin", "both pin-source and pin-value"),
        ("pkcs11:?module-path=/a&b", "has no '='"),
    ]

    @Test("malformed URIs are rejected with a clear CKR_ARGUMENTS_BAD error", arguments: malformed)
    func rejectsMalformed(_ text: String, _ expected: String) {
        #expect {
            _ = try PKCS11URI(parsing: text)
        } throws: { error in
            guard let error = error as? PKCS11Error else { return false }
            return error.rv == 0x7 && error.function == "PKCS11URI(parsing:)"
                && error.message.contains(expected)
                && error.description.hasPrefix("PKCS11URI(parsing:) failed: CKR_ARGUMENTS_BAD (0x7) — ")
        }
    }

    @Test("errors about a malformed pin-value do not reveal it")
    func pinValueErrorsAreRedacted() throws {
        let error = #expect(throws: PKCS11Error.self) {
            _ = try PKCS11URI(parsing: "pkcs11:token=t?pin-value=top secret")
        }
        let text = try #require(error).description
        #expect(text.contains("pin-value"))
        #expect(!text.contains("top"))
        #expect(!text.contains("secret"))
        #expect(!text.contains("' '"))
    }
}
