import MohurCore
internal import RawStructuredFieldValues

/// What RFC 9421 needs of an HTTP message, independent of any server framework: the request's
/// method and target, or the response's status, and the header fields as received.
public struct HTTPMessageParts: Sendable {
    public enum Kind: Sendable {
        /// A request; `authority` is host[:port] as the client addressed it.
        case request(method: String, scheme: String, authority: String, path: String, query: String?)
        case response(status: Int)
    }

    public var kind: Kind
    /// Field lines in order, names as received (compared case-insensitively).
    public var fields: [(name: String, value: String)]

    public init(kind: Kind, fields: [(name: String, value: String)]) {
        self.kind = kind
        self.fields = fields
    }

    /// Every value of a field, in order.
    public func values(of name: String) -> [String] {
        fields.compactMap { Self.sameName($0.name, name) ? $0.value : nil }
    }

    /// Field names compare ASCII case-insensitively (RFC 9110 §5.1), without lowercasing copies:
    /// this runs for every covered component of every request.
    static func sameName(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).allSatisfy { x, y in
            x == y || (x | 0x20 == y | 0x20 && (0x61...0x7A).contains(x | 0x20))
        }
    }

    /// Strips leading and trailing SP and HTAB (RFC 9421 §2.1: "leading and trailing whitespace").
    static func trimmed(_ value: String) -> String {
        let bytes = value.utf8
        guard let first = bytes.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }),
              let last = bytes.lastIndex(where: { $0 != 0x20 && $0 != 0x09 }) else { return "" }
        if first == bytes.startIndex && last == bytes.index(before: bytes.endIndex) { return value }
        return String(value[first...last])
    }

    /// The field's value as RFC 9421 §2.1 covers it: the values of all its lines, each trimmed,
    /// joined by ", "; nil when the field is absent.
    public func combinedValue(of name: String) -> String? {
        let values = values(of: name)
        guard !values.isEmpty else { return nil }
        return values.count == 1 ? Self.trimmed(values[0]) : values.map(Self.trimmed).joined(separator: ", ")
    }

    /// The target URI (RFC 9110 §7.1) of a request: scheme://authority/path?query.
    public var targetURI: String? {
        guard case .request(_, let scheme, let authority, let path, let query) = kind else { return nil }
        return "\(scheme.lowercased())://\(authority.lowercased())\(path.isEmpty ? "/" : path)" + (query.map { "?\($0)" } ?? "")
    }

    /// A derived component's value (RFC 9421 §2.2), or nil when it does not apply.
    func derived(_ name: String) -> String? {
        switch (name, kind) {
        case ("@method", .request(let method, _, _, _, _)): method.uppercased()
        case ("@target-uri", .request): targetURI
        case ("@authority", .request(_, _, let authority, _, _)): authority.lowercased()
        case ("@scheme", .request(_, let scheme, _, _, _)): scheme.lowercased()
        case ("@path", .request(_, _, _, let path, _)): path.isEmpty ? "/" : path
        case ("@query", .request(_, _, _, _, let query)): "?" + (query ?? "")
        case ("@request-target", .request(_, _, _, let path, let query)): (path.isEmpty ? "/" : path) + (query.map { "?\($0)" } ?? "")
        // Three digits (RFC 9110 §15), padded by hand: String(format:) costs more than the rest
        // of the signature base.
        case ("@status", .response(let status)): status >= 100 ? String(status) : String(String(status + 1000).dropFirst())
        default: nil
        }
    }
}

/// One covered component: its name and parameters (`req`, `key`), exactly as the signer
/// serialised it in the signature parameters.
public struct CoveredComponent: Sendable, Hashable {
    public var name: String
    /// RFC 9421 §2.4: take the value from the request a response answers.
    public var fromRequest: Bool
    /// RFC 9421 §2.1.2: the value of one member of a Dictionary field.
    public var dictionaryKey: String?

    public init(_ name: String, fromRequest: Bool = false, dictionaryKey: String? = nil) {
        self.name = name
        self.fromRequest = fromRequest
        self.dictionaryKey = dictionaryKey
    }

    var item: Item {
        var parameters = OrderedMap<String, RFC9651BareItem>()
        if fromRequest { parameters["req"] = .bool(true) }
        if let dictionaryKey { parameters["key"] = .string(dictionaryKey) }
        return Item(bareItem: .string(name), parameters: parameters)
    }

    init(item: Item) throws(MohurError) {
        guard case .string(let name) = item.rfc9651BareItem, !name.isEmpty, name == name.lowercased() else {
            throw .unauthenticated("Signature-Input names a component that is not a lower-case string")
        }
        self.init(name)
        for (key, value) in item.rfc9651Parameters {
            switch (key, value) {
            case ("req", .bool(true)): fromRequest = true
            case ("key", .string(let member)): dictionaryKey = member
            default:
                throw .unauthenticated("Signature-Input: component \"\(name)\" has parameter '\(key)', which Mohur does not support",
                                       hint: "supported component parameters: req, key")
            }
        }
    }

    /// The component identifier as the signature base writes it, e.g. `"signature";req;key="sig1"`.
    var serialized: String {
        get throws(MohurError) {
            var out = ""
            try append(to: &out)
            return out
        }
    }

    /// Writes the identifier as an RFC 9651 §4.1.3 Item: a String, then `;req` (a true Boolean
    /// parameter is written bare) and `;key="…"`, in that order, as `item` builds them.
    func append(to out: inout String) throws(MohurError) {
        try StructuredString.append(name, to: &out)
        if fromRequest { out += ";req" }
        if let dictionaryKey {
            out += ";key="
            try StructuredString.append(dictionaryKey, to: &out)
        }
    }

    /// The component's value in `message` (or in `request` for `;req`), RFC 9421 §2.1–2.2.
    func value(in message: HTTPMessageParts, request: HTTPMessageParts?) throws(MohurError) -> String {
        let source: HTTPMessageParts
        if fromRequest {
            guard let request else { throw .unauthenticated("component \"\(name)\";req needs the request the response answers") }
            source = request
        } else {
            source = message
        }
        if name.hasPrefix("@") {
            guard dictionaryKey == nil, let value = source.derived(name) else {
                throw .unauthenticated("covered component \"\(name)\" does not apply to this message")
            }
            return value
        }
        guard let value = source.combinedValue(of: name) else {
            throw .unauthenticated("covered field \"\(name)\" is absent from the message")
        }
        guard let key = dictionaryKey else { return value }
        do {
            var parser = StructuredFieldValueParser(Array(value.utf8))
            let dictionary = try parser.parseDictionaryFieldValue()
            guard let member = dictionary[key] else { throw MohurError.unauthenticated("field \"\(name)\" has no member '\(key)'") }
            var serializer = StructuredFieldValueSerializer()
            var single = OrderedMap<String, ItemOrInnerList>()
            single[key] = member
            // "key=value;params" → "value;params"; a bare "key;params" is the boolean true, "?1".
            let rest = String(decoding: try serializer.writeDictionaryFieldValue(single), as: UTF8.self).dropFirst(key.count)
            return rest.hasPrefix("=") ? String(rest.dropFirst()) : "?1" + rest
        } catch let error as MohurError {
            throw error
        } catch {
            throw .unauthenticated("field \"\(name)\" is not a structured dictionary: \(error)")
        }
    }
}

/// RFC 9651 §4.1.6 String serialisation, written by hand on the signature hot path (the
/// library's serializer builds an item tree for every component of every request): printable
/// ASCII only, with `"` and `\` escaped.
enum StructuredString {
    static func append(_ value: String, to out: inout String) throws(MohurError) {
        guard value.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw .unauthenticated("a signature parameter or component holds a character that a Structured Field String cannot")
        }
        out.append("\"")
        if value.utf8.contains(where: { $0 == 0x22 || $0 == 0x5C }) {
            for character in value {
                if character == "\"" || character == "\\" { out.append("\\") }
                out.append(character)
            }
        } else {
            // The usual nonce, keyid or tag: printable, nothing to escape, appended whole.
            out += value
        }
        out.append("\"")
    }

    /// RFC 9651 §4.1.4: at most fifteen digits.
    static func append<I: BinaryInteger>(_ value: I, to out: inout String) throws(MohurError) {
        guard let number = Int64(exactly: value), (-999_999_999_999_999...999_999_999_999_999).contains(number) else {
            throw .unauthenticated("signature parameter \(value) is outside the Structured Field Integer range")
        }
        out += String(value)
    }
}
