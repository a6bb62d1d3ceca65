// Attribute templates (CK_ATTRIBUTE arrays), attribute reads and object
// searches.
//
// PKCS #11 v2.40 §3.4 (CK_ATTRIBUTE), §4.1.1 (attribute templates),
// §5.7 (object management: C_GetAttributeValue, C_FindObjectsInit,
// C_FindObjects, C_FindObjectsFinal).

internal import CP11Kit

/// Security-relevant boolean attributes of a private key
/// (PKCS #11 v2.40 §4.4 storage objects, §4.8 key objects, §4.10 private key objects).
public struct PKCS11KeyAttributes: Sendable, Hashable {
    /// CKA_SENSITIVE: the key material can never be revealed in plaintext.
    public var sensitive: Bool
    /// CKA_EXTRACTABLE: the key can be wrapped (exported).
    public var extractable: Bool
    /// CKA_ALWAYS_SENSITIVE: CKA_SENSITIVE has always been true.
    public var alwaysSensitive: Bool
    /// CKA_NEVER_EXTRACTABLE: CKA_EXTRACTABLE has never been true.
    public var neverExtractable: Bool
    /// CKA_PRIVATE: only visible after login.
    public var isPrivate: Bool
    /// CKA_TOKEN: a persistent token object (not a session object).
    public var isToken: Bool
    /// CKA_SIGN: the key may be used for signatures.
    public var canSign: Bool

    public init(sensitive: Bool, extractable: Bool, alwaysSensitive: Bool, neverExtractable: Bool,
                isPrivate: Bool, isToken: Bool, canSign: Bool) {
        self.sensitive = sensitive
        self.extractable = extractable
        self.alwaysSensitive = alwaysSensitive
        self.neverExtractable = neverExtractable
        self.isPrivate = isPrivate
        self.isToken = isToken
        self.canSign = canSign
    }
}

/// An owned attribute template: values are kept as bytes and laid out in one
/// aligned buffer only for the duration of a call.
struct AttributeTemplate {
    private var entries: [(type: CK_ATTRIBUTE_TYPE, value: [UInt8])] = []

    init() {}

    mutating func add(_ type: CK_ATTRIBUTE_TYPE, _ value: [UInt8]) {
        entries.append((type, value))
    }

    /// CK_BBOOL is one byte: CK_TRUE (1) or CK_FALSE (0) (v2.40 §3.1).
    mutating func add(_ type: CK_ATTRIBUTE_TYPE, bool: Bool) {
        entries.append((type, [bool ? 1 : 0]))
    }

    /// CK_ULONG in host byte order.
    mutating func add(_ type: CK_ATTRIBUTE_TYPE, ulong: CK_ULONG) {
        entries.append((type, withUnsafeBytes(of: ulong) { Array($0) }))
    }

    /// Calls `body` with a CK_ATTRIBUTE array whose `pValue`s point into a
    /// temporary buffer with every value aligned for CK_ULONG access.
    func withCAttributes<R>(
        _ body: (UnsafeMutablePointer<CK_ATTRIBUTE>, CK_ULONG) throws(PKCS11Error) -> R
    ) throws(PKCS11Error) -> R {
        let alignment = MemoryLayout<CK_ULONG>.alignment
        func padded(_ n: Int) -> Int { (max(n, 1) + alignment - 1) / alignment * alignment }
        let total = entries.reduce(0) { $0 + padded($1.value.count) }
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(total, 1), alignment: alignment)
        let attributes = UnsafeMutablePointer<CK_ATTRIBUTE>.allocate(capacity: max(entries.count, 1))
        defer {
            storage.deallocate()
            attributes.deallocate()
        }
        var offset = 0
        for (index, entry) in entries.enumerated() {
            let slot = storage + offset
            entry.value.withUnsafeBytes { bytes in
                if let base = bytes.baseAddress { slot.copyMemory(from: base, byteCount: bytes.count) }
            }
            (attributes + index).initialize(to: CK_ATTRIBUTE(
                type: entry.type, pValue: slot, ulValueLen: CK_ULONG(entry.value.count)))
            offset += padded(entry.value.count)
        }
        return try body(attributes, CK_ULONG(entries.count))
    }
}

extension PKCS11Functions {
    /// Reads attributes of one object with the two-call convention of
    /// C_GetAttributeValue (v2.40 §5.7): first the lengths, then the values.
    /// Unavailable attributes (sensitive, or invalid for the object type:
    /// ulValueLen = CK_UNAVAILABLE_INFORMATION) come back as `nil`.
    func attributes(
        of object: CK_OBJECT_HANDLE, in session: CK_SESSION_HANDLE, _ types: [CK_ATTRIBUTE_TYPE]
    ) throws(PKCS11Error) -> [[UInt8]?] {
        let unavailable = CK_ULONG.max  // CK_UNAVAILABLE_INFORMATION
        var template = types.map { CK_ATTRIBUTE(type: $0, pValue: nil, ulValueLen: 0) }
        let count = CK_ULONG(template.count)
        var rv = template.withUnsafeMutableBufferPointer {
            getAttributeValue(session, object, $0.baseAddress, count)
        }
        guard rv == CKR_OK || rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID else {
            throw PKCS11Error("C_GetAttributeValue", rv)
        }
        let lengths = template.map { $0.ulValueLen == unavailable ? nil : Int($0.ulValueLen) }
        let alignment = MemoryLayout<CK_ULONG>.alignment
        let total = lengths.reduce(0) { $0 + (($1 ?? 0) + alignment) }
        let storage = UnsafeMutableRawPointer.allocate(byteCount: total + 1, alignment: alignment)
        defer { storage.deallocate() }
        var offset = 0
        for index in template.indices {
            guard let length = lengths[index] else {
                template[index] = CK_ATTRIBUTE(type: types[index], pValue: nil, ulValueLen: unavailable)
                continue
            }
            template[index] = CK_ATTRIBUTE(type: types[index], pValue: storage + offset, ulValueLen: CK_ULONG(length))
            offset += length + alignment - length % alignment
        }
        // Query only the available ones so that the second call can succeed.
        var available = template.filter { $0.ulValueLen != unavailable }
        if !available.isEmpty {
            let availableCount = CK_ULONG(available.count)
            rv = available.withUnsafeMutableBufferPointer {
                getAttributeValue(session, object, $0.baseAddress, availableCount)
            }
            guard rv == CKR_OK else { throw PKCS11Error("C_GetAttributeValue", rv) }
        }
        var results: [[UInt8]?] = []
        var next = 0
        for index in template.indices {
            guard template[index].ulValueLen != unavailable else { results.append(nil); continue }
            let attribute = available[next]
            next += 1
            if let pointer = attribute.pValue, attribute.ulValueLen != unavailable {
                results.append(Array(UnsafeRawBufferPointer(start: pointer, count: Int(attribute.ulValueLen))))
            } else {
                results.append(nil)
            }
        }
        return results
    }

    /// Reads a CK_BBOOL attribute; throws if it is unavailable.
    func bool(
        _ type: CK_ATTRIBUTE_TYPE, of object: CK_OBJECT_HANDLE, in session: CK_SESSION_HANDLE
    ) throws(PKCS11Error) -> Bool {
        guard let value = try attributes(of: object, in: session, [type])[0], value.count == 1 else {
            throw PKCS11Error("C_GetAttributeValue", CKR_ATTRIBUTE_TYPE_INVALID,
                              context: "boolean attribute 0x\(String(type, radix: 16)) is unavailable")
        }
        return value[0] != 0
    }

    /// All objects matching `template` (v2.40 §5.7: C_FindObjectsInit,
    /// C_FindObjects in batches, C_FindObjectsFinal even after a failure).
    func findObjects(
        in session: CK_SESSION_HANDLE, matching template: AttributeTemplate
    ) throws(PKCS11Error) -> [CK_OBJECT_HANDLE] {
        try template.withCAttributes { (attributes, count) throws(PKCS11Error) in
            try check(findObjectsInit(session, attributes, count), "C_FindObjectsInit")
            var found: [CK_OBJECT_HANDLE] = []
            var batch = [CK_OBJECT_HANDLE](repeating: 0, count: 32)
            var rv: CK_RV = CKR_OK
            while true {
                var returned: CK_ULONG = 0
                let capacity = CK_ULONG(batch.count)
                rv = batch.withUnsafeMutableBufferPointer { findObjects(session, $0.baseAddress, capacity, &returned) }
                guard rv == CKR_OK else { break }
                found += batch.prefix(Int(returned))
                if returned < capacity { break }
            }
            let finalRV = findObjectsFinal(session)
            try check(rv, "C_FindObjects")
            try check(finalRV, "C_FindObjectsFinal")
            return found
        }
    }
}
