internal import COpenSSL
internal import COpenSSLShims

/// Runs `body` with a fresh memory BIO and returns everything written into it.
func withMemoryBIO(_ operation: String, _ body: (OpaquePointer) throws(OpenSSLError) -> Int32) throws(OpenSSLError) -> [UInt8] {
    guard let bio = BIO_new(BIO_s_mem()) else { throw .drain("allocating a memory BIO for \(operation)") }
    defer { BIO_free(bio) }
    guard try body(bio) > 0 else { throw .drain(operation) }
    var data: UnsafeMutablePointer<CChar>?
    let length = mohur_BIO_get_mem_data(bio, &data)
    guard let data, length > 0 else { return [] }
    return data.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
}

/// Runs `body` with a read-only memory BIO over `bytes`.
func withReadBIO<T>(_ bytes: [UInt8], _ operation: String, _ body: (OpaquePointer) throws(OpenSSLError) -> T) throws(OpenSSLError) -> T {
    let result: Result<T, OpenSSLError> = bytes.withUnsafeBytes { raw in
        guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else {
            return .failure(.drain("allocating a memory BIO for \(operation)"))
        }
        defer { BIO_free(bio) }
        do throws(OpenSSLError) { return .success(try body(bio)) } catch { return .failure(error) }
    }
    return try result.get()
}

/// Encodes an OpenSSL object with an `i2d_*` function into a Swift array.
func encodeDER(_ operation: String, _ i2d: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?) -> Int32) throws(OpenSSLError) -> [UInt8] {
    let length = i2d(nil)
    guard length > 0 else { throw .drain(operation) }
    var out = [UInt8](repeating: 0, count: Int(length))
    let written = out.withUnsafeMutableBufferPointer { buffer -> Int32 in
        var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
        return i2d(&cursor)
    }
    guard written == length else { throw .drain(operation) }
    return out
}

/// Decodes with a `d2i_*` function, requiring that every input byte is consumed.
func decodeDER<T>(_ bytes: [UInt8], _ operation: String, _ d2i: (UnsafeMutablePointer<UnsafePointer<UInt8>?>, Int) -> T?) throws(OpenSSLError) -> T {
    drainErrorQueue()
    let result: T? = bytes.withUnsafeBufferPointer { buffer in
        var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
        guard let value = d2i(&cursor, buffer.count) else { return nil }
        return value
    }
    guard let result else { throw .drain(operation) }
    return result
}

/// Copies an OpenSSL-allocated C string and frees it.
func takeCString(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
    guard let pointer else { return nil }
    defer { mohur_OPENSSL_free(pointer) }
    return String(cString: pointer)
}
