// RFC 7512 "The PKCS #11 URI Scheme": parsing and formatting.
//
//   pk11-URI   = "pkcs11:" pk11-path [ "?" pk11-query ]        (RFC 7512 §2.3)
//   pk11-path  = [ pk11-pattr *( ";" pk11-pattr ) ]
//   pk11-query = [ pk11-qattr *( "&" pk11-qattr ) ]
//
// Values are percent-encoded per RFC 7512 §2.3 / RFC 3986 §2.1. Text values
// are UTF-8 (RFC 7512 §2.3: labels are CK_UTF8CHAR strings). PIN handling in
// the query component follows RFC 7512 §2.4.

/// A PKCS #11 URI (RFC 7512).
///
/// `description` never contains the `pin-value` query attribute; use
/// `formatted(includingPINValue: true)` when the PIN must be carried along.
/// The synthesised mirror (used by `dump` and debuggers) hides it too.
public struct PKCS11URI: Sendable, Hashable, CustomStringConvertible, CustomReflectable {
    /// An attribute this type has no field for (vendor `x-` attributes and
    /// attributes from later revisions), kept verbatim: `value` is exactly as
    /// written in the URI, still percent-encoded.
    public struct Attribute: Sendable, Hashable {
        public var name: String
        /// The value as it appears in the URI (percent-encoded).
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }

        /// The percent-decoded value, or `nil` if `value` is not validly encoded.
        public var decodedValue: [UInt8]? {
            try? PKCS11URI.percentDecode(Array(value.utf8), attribute: name)
        }
    }

    // MARK: Path attributes (RFC 7512 §2.3)

    /// `token`: CK_TOKEN_INFO.label.
    public var token: String?
    /// `manufacturer`: CK_TOKEN_INFO.manufacturerID.
    public var manufacturer: String?
    /// `serial`: CK_TOKEN_INFO.serialNumber.
    public var serial: String?
    /// `model`: CK_TOKEN_INFO.model.
    public var model: String?
    /// `library-manufacturer`: CK_INFO.manufacturerID.
    public var libraryManufacturer: String?
    /// `library-description`: CK_INFO.libraryDescription.
    public var libraryDescription: String?
    /// `library-version`: CK_INFO.libraryVersion as `major[.minor]`.
    public var libraryVersion: String?
    /// `object`: CKA_LABEL.
    public var object: String?
    /// `type`: CKA_CLASS as one of `public`, `private`, `cert`, `secret-key`, `data`.
    public var type: String?
    /// `id`: CKA_ID (binary).
    public var id: [UInt8]?
    /// `slot-id`: CK_SLOT_ID (decimal).
    public var slotID: UInt?
    /// `slot-description`: CK_SLOT_INFO.slotDescription.
    public var slotDescription: String?
    /// `slot-manufacturer`: CK_SLOT_INFO.manufacturerID.
    public var slotManufacturer: String?
    /// Vendor (`x-…`) and unrecognised path attributes, in URI order.
    public var otherPathAttributes: [Attribute] = []

    // MARK: Query attributes (RFC 7512 §2.3, §2.4)

    /// `pin-source`: where to read the PIN from (e.g. `file:/run/secrets/pin`).
    public var pinSource: String?
    /// `pin-value`: the PIN itself. Never part of `description`.
    public var pinValue: String?
    /// `module-name`: PKCS #11 module name without path or suffix.
    public var moduleName: String?
    /// `module-path`: absolute path of the PKCS #11 module (or a directory).
    public var modulePath: String?
    /// Vendor (`x-…`) and unrecognised query attributes, in URI order.
    public var otherQueryAttributes: [Attribute] = []

    /// The object classes RFC 7512 §2.3 allows for `type`.
    public static let objectTypes: Set<String> = ["public", "private", "cert", "secret-key", "data"]

    /// Path and query attributes defined by RFC 7512 §2.3.
    static let pathAttributeNames: Set<String> = [
        "token", "manufacturer", "serial", "model", "library-manufacturer", "library-description",
        "library-version", "object", "type", "id", "slot-id", "slot-description", "slot-manufacturer",
    ]
    static let queryAttributeNames: Set<String> = ["pin-source", "pin-value", "module-name", "module-path"]

    public init() {}

    /// Parses a `pkcs11:` URI. Errors name the offending attribute and byte
    /// offset but never echo the URI or any PIN.
    public init(parsing string: String) throws(PKCS11Error) {
        let bytes = Array(string.utf8)
        let scheme = Array("pkcs11:".utf8)
        guard bytes.count >= scheme.count,
              zip(bytes, scheme).allSatisfy({ PKCS11URI.lowercased($0.0) == $0.1 })
        else {
            throw PKCS11URI.failure("a PKCS #11 URI must start with \"pkcs11:\" (RFC 7512 §2.3)")
        }
        var path = bytes[scheme.count...]
        var query: ArraySlice<UInt8>? = nil
        if let mark = path.firstIndex(of: UInt8(ascii: "?")) {
            query = path[(mark + 1)...]
            path = path[..<mark]
        }
        try parsePath(path)
        if let query { try parseQuery(query) }
        if pinSource != nil, pinValue != nil {
            throw PKCS11URI.failure("a PKCS #11 URI must not contain both pin-source and pin-value (RFC 7512 §2.4)")
        }
    }

    // MARK: - Formatting

    /// The URI in canonical attribute order, without `pin-value`.
    public var description: String { formatted(includingPINValue: false) }

    /// The URI in canonical attribute order. `pin-value` is only included
    /// when explicitly requested, because the result then contains a secret.
    public func formatted(includingPINValue: Bool) -> String {
        var path: [String] = []
        func text(_ name: String, _ value: String?) {
            if let value { path.append(name + "=" + PKCS11URI.percentEncode(Array(value.utf8), query: false)) }
        }
        text("token", token)
        text("manufacturer", manufacturer)
        text("serial", serial)
        text("model", model)
        text("library-manufacturer", libraryManufacturer)
        text("library-description", libraryDescription)
        text("library-version", libraryVersion)
        text("slot-description", slotDescription)
        text("slot-manufacturer", slotManufacturer)
        if let slotID { path.append("slot-id=\(slotID)") }
        text("object", object)
        text("type", type)
        // RFC 7512 §2.3: "id" is binary and is best percent-encoded entirely.
        if let id { path.append("id=" + PKCS11URI.percentEncode(id, query: false, everything: true)) }
        path += otherPathAttributes.map { $0.name + "=" + $0.value }

        var query: [String] = []
        func qtext(_ name: String, _ value: String?) {
            if let value { query.append(name + "=" + PKCS11URI.percentEncode(Array(value.utf8), query: true)) }
        }
        qtext("pin-source", pinSource)
        if includingPINValue { qtext("pin-value", pinValue) }
        qtext("module-name", moduleName)
        qtext("module-path", modulePath)
        query += otherQueryAttributes.map { $0.name + "=" + $0.value }

        var result = "pkcs11:" + path.joined(separator: ";")
        if !query.isEmpty { result += "?" + query.joined(separator: "&") }
        return result
    }

    public var customMirror: Mirror {
        let redacted: String? = pinValue == nil ? nil : "<redacted>"
        return Mirror(self, children: [
            "token": token as Any, "manufacturer": manufacturer as Any, "serial": serial as Any,
            "model": model as Any, "libraryManufacturer": libraryManufacturer as Any,
            "libraryDescription": libraryDescription as Any, "libraryVersion": libraryVersion as Any,
            "object": object as Any, "type": type as Any, "id": id as Any, "slotID": slotID as Any,
            "slotDescription": slotDescription as Any, "slotManufacturer": slotManufacturer as Any,
            "otherPathAttributes": otherPathAttributes, "pinSource": pinSource as Any,
            "pinValue": redacted as Any, "moduleName": moduleName as Any,
            "modulePath": modulePath as Any, "otherQueryAttributes": otherQueryAttributes,
        ], displayStyle: .struct)
    }

    // MARK: - Parsing

    private mutating func parsePath(_ path: ArraySlice<UInt8>) throws(PKCS11Error) {
        let (known, others) = try PKCS11URI.attributes(of: path, separator: ";", component: "path",
                                                         known: PKCS11URI.pathAttributeNames)
        otherPathAttributes.append(contentsOf: others)
        for (name, value) in known {
            switch name {
            case "id": id = value
            case "slot-id":
                guard !value.isEmpty, value.allSatisfy(PKCS11URI.isDigit),
                      let number = UInt(String(decoding: value, as: UTF8.self))
                else { throw PKCS11URI.failure("slot-id must be a decimal number (RFC 7512 §2.3)") }
                slotID = number
            default:
                let string = try PKCS11URI.utf8(value, attribute: name)
                switch name {
                case "token": token = string
                case "manufacturer": manufacturer = string
                case "serial": serial = string
                case "model": model = string
                case "library-manufacturer": libraryManufacturer = string
                case "library-description": libraryDescription = string
                case "library-version":
                    guard PKCS11URI.isVersion(value) else {
                        throw PKCS11URI.failure(
                            "library-version must be 'major' or 'major.minor' in decimal (RFC 7512 §2.3)")
                    }
                    libraryVersion = string
                case "object": object = string
                case "type":
                    guard PKCS11URI.objectTypes.contains(string) else {
                        throw PKCS11URI.failure(
                            "type must be one of public, private, cert, secret-key, data (RFC 7512 §2.3)")
                    }
                    type = string
                case "slot-description": slotDescription = string
                default: slotManufacturer = string
                }
            }
        }
    }

    private mutating func parseQuery(_ query: ArraySlice<UInt8>) throws(PKCS11Error) {
        let (known, others) = try PKCS11URI.attributes(of: query, separator: "&", component: "query",
                                                         known: PKCS11URI.queryAttributeNames)
        otherQueryAttributes.append(contentsOf: others)
        for (name, value) in known {
            let string = try PKCS11URI.utf8(value, attribute: name)
            switch name {
            case "pin-source": pinSource = string
            case "pin-value": pinValue = string
            case "module-name": moduleName = string
            default: modulePath = string
            }
        }
    }

    /// The attributes of one component: those named in `known`, percent-decoded, each at most
    /// once (RFC 7512 §2.3), and the others kept verbatim (vendor `x-` attributes and the like).
    private static func attributes(
        of component: ArraySlice<UInt8>, separator: Unicode.Scalar, component kind: String, known names: Set<String>
    ) throws(PKCS11Error) -> (known: [(String, [UInt8])], others: [Attribute]) {
        guard !component.isEmpty else { return ([], []) }
        var known: [(String, [UInt8])] = []
        var others: [Attribute] = []
        var seen = Set<String>()
        for (name, raw) in try split(component, separator: separator, component: kind) {
            try validate(raw, query: kind == "query", attribute: name)
            guard names.contains(name) else {
                others.append(Attribute(name: name, value: String(decoding: raw, as: UTF8.self)))
                continue
            }
            guard seen.insert(name).inserted else {
                throw failure("\(kind) attribute '\(name)' appears more than once (RFC 7512 §2.3)")
            }
            known.append((name, try percentDecode(raw, attribute: name)))
        }
        return (known, others)
    }

    /// Splits a component into `name=value` pairs; returns each name and its
    /// raw value (a slice of the whole URI, so indices are URI byte offsets).
    private static func split(
        _ component: ArraySlice<UInt8>, separator: Unicode.Scalar, component kind: String
    ) throws(PKCS11Error) -> [(String, ArraySlice<UInt8>)] {
        var result: [(String, ArraySlice<UInt8>)] = []
        for segment in component.split(separator: UInt8(ascii: separator), omittingEmptySubsequences: false) {
            guard !segment.isEmpty else {
                throw failure("empty attribute in the \(kind) component at offset \(segment.startIndex)"
                              + " (stray '\(separator)')")
            }
            guard let equals = segment.firstIndex(of: UInt8(ascii: "=")) else {
                throw failure("\(kind) attribute at offset \(segment.startIndex) has no '=' (expected name=value)")
            }
            let nameBytes = segment[..<equals]
            // RFC 7512 §2.3: pk11-v-attr-nm-char = ALPHA / DIGIT / "-" / "_"
            guard !nameBytes.isEmpty, nameBytes.allSatisfy({ isAlphaNumeric($0) || $0 == 0x2D || $0 == 0x5F }) else {
                throw failure("invalid attribute name at offset \(segment.startIndex) in the \(kind) component")
            }
            result.append((String(decoding: nameBytes, as: UTF8.self), segment[(equals + 1)...]))
        }
        return result
    }

    /// Checks that `raw` only holds characters allowed unencoded in the
    /// component (pk11-pchar / pk11-qchar) and well-formed `%XX` triplets.
    private static func validate(
        _ raw: ArraySlice<UInt8>, query: Bool, attribute: String
    ) throws(PKCS11Error) {
        let secret = attribute == "pin-value"
        var index = raw.startIndex
        while index < raw.endIndex {
            let byte = raw[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < raw.endIndex,
                      hexValue(raw[index + 1]) != nil, hexValue(raw[index + 2]) != nil
                else {
                    throw failure("malformed percent-encoding at offset \(index) in attribute '\(attribute)'"
                                  + " (expected %XX)")
                }
                index += 3
                continue
            }
            guard isAllowed(byte, query: query) else {
                // Never echo any part of a PIN.
                let printable = (0x20...0x7E).contains(byte)
                let shown = secret || !printable ? "a character" : "character '\(Character(Unicode.Scalar(byte)))'"
                let hint = secret ? "" : " (write it as %\(hexDigits(byte)))"
                throw failure("\(shown) at offset \(index) in attribute '\(attribute)' must be percent-encoded"
                              + "\(hint) (RFC 7512 §2.3)")
            }
            index += 1
        }
    }

    // MARK: - Percent-encoding (RFC 7512 §2.3, RFC 3986 §2.1)

    static func percentDecode(_ raw: some Collection<UInt8>, attribute: String) throws(PKCS11Error) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var iterator = raw.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else { out.append(byte); continue }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw failure("malformed percent-encoding in attribute '\(attribute)' (expected %XX)")
            }
            out.append(high << 4 | low)
        }
        return out
    }

    static func percentEncode(_ bytes: [UInt8], query: Bool, everything: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(bytes.count)
        for byte in bytes {
            if !everything, isAllowed(byte, query: query) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + hexDigits(byte)
            }
        }
        return out
    }

    /// unreserved / pk11-p-res-avail (path) or unreserved / pk11-q-res-avail (query).
    private static func isAllowed(_ byte: UInt8, query: Bool) -> Bool {
        if isAlphaNumeric(byte) { return true }
        switch byte {
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"),   // unreserved
             UInt8(ascii: ":"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "@"),
             UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "'"), UInt8(ascii: "("),
             UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","),
             UInt8(ascii: "="):
            return true
        case UInt8(ascii: "&"):
            return !query
        case UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "|"):
            return query
        default:
            return false
        }
    }

    private static func isAlphaNumeric(_ byte: UInt8) -> Bool {
        isDigit(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (0x41...0x5A).contains(byte) ? byte + 0x20 : byte
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }

    private static func hexDigits(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".unicodeScalars)
        return String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0x0F)])
    }

    private static func isVersion(_ value: [UInt8]) -> Bool {
        let parts = value.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return (1...2).contains(parts.count) && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(isDigit) }
    }

    private static func utf8(_ bytes: [UInt8], attribute: String) throws(PKCS11Error) -> String {
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw failure("attribute '\(attribute)' is not valid UTF-8 after percent-decoding")
        }
        return string
    }

    private static func failure(_ message: String) -> PKCS11Error {
        PKCS11Error(function: "PKCS11URI(parsing:)", rv: 0x7 /* CKR_ARGUMENTS_BAD */, message: message)
    }
}
