internal import COpenSSL

/// A failure reported by OpenSSL, carrying the whole drained error queue so that the reason
/// (for example `EC lib: invalid encoding`) reaches the operator instead of a bare return code.
public struct OpenSSLError: Error, Sendable, CustomStringConvertible {
    /// What Mohur was doing when OpenSSL failed, e.g. "parsing a DER certificate".
    public let operation: String
    /// The OpenSSL error strings, oldest first.
    public let stack: [String]

    public init(_ operation: String, stack: [String]) {
        self.operation = operation
        self.stack = stack
    }

    /// Builds an error for `operation` and drains the thread's OpenSSL error queue into it.
    static func drain(_ operation: String) -> OpenSSLError {
        OpenSSLError(operation, stack: drainErrorQueue())
    }

    public var description: String {
        stack.isEmpty ? "OpenSSL failed while \(operation)"
            : "OpenSSL failed while \(operation): \(stack.joined(separator: "; "))"
    }
}

/// Removes every pending error from the calling thread's OpenSSL queue and returns its text.
///
/// Called before operations whose outcome we read from the queue: some PKCS#11 modules
/// (SoftHSM2) leave stale entries behind in `C_Initialize`.
@discardableResult
func drainErrorQueue() -> [String] {
    var messages: [String] = []
    while true {
        let code = ERR_get_error()
        if code == 0 { break }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        messages.append(String(decoding: bytes, as: UTF8.self))
    }
    return messages
}

/// Clears stale OpenSSL errors left on this thread by other libraries.
public func clearOpenSSLErrors() {
    ERR_clear_error()
}

/// Throws a drained `OpenSSLError` unless `result` is 1 (OpenSSL's success convention).
@inline(__always)
func check(_ result: Int32, _ operation: @autoclosure () -> String) throws(OpenSSLError) {
    if result != 1 { throw .drain(operation()) }
}

/// Unwraps an OpenSSL pointer result or throws a drained `OpenSSLError`.
@inline(__always)
func unwrap<T>(_ value: T?, _ operation: @autoclosure () -> String) throws(OpenSSLError) -> T {
    guard let value else { throw .drain(operation()) }
    return value
}
