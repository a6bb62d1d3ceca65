// PKCS #11 return values (CK_RV) as a Swift error.
//
// References: PKCS #11 Base Specification v2.40 §3.6 (return values, CK_RV)
// and §5.1 (function return values); PKCS #11 v3.0 §5.1.

/// A failed PKCS #11 call, or a failed precondition of this layer.
///
/// `function` names the Cryptoki entry point that failed (for example
/// `C_Sign`) or, for errors detected by this layer itself, the Swift API
/// (for example `PKCS11URI(parsing:)`). `rv` is the raw `CK_RV`; errors
/// detected by this layer use the closest standard code
/// (`CKR_ARGUMENTS_BAD`, `CKR_TOKEN_NOT_PRESENT`, ...).
///
/// PINs never appear in `message` or `description`.
public struct PKCS11Error: Error, Sendable, CustomStringConvertible, Equatable {
    /// The PKCS #11 function (or Swift API) that failed.
    public let function: String
    /// The raw PKCS #11 return value (`CK_RV`).
    public let rv: UInt
    /// Context and advice for an operator.
    public let message: String

    public init(function: String, rv: UInt, message: String) {
        self.function = function
        self.rv = rv
        self.message = message
    }

    /// An error for `rv` returned by `function`; `context` says what this
    /// layer was doing, and the standard advice for `rv` is appended.
    init(_ function: String, _ rv: UInt, context: String? = nil) {
        let advice = PKCS11Error.advice(for: rv)
        let message: String
        if let context, !context.isEmpty {
            message = advice.isEmpty ? context : "\(context); \(advice)"
        } else {
            message = advice
        }
        self.init(function: function, rv: rv, message: message)
    }

    /// The symbolic `CKR_` name of `rv`, e.g. `"CKR_PIN_INCORRECT"`, or
    /// `"CKR_VENDOR_DEFINED+0x…"` / `"CKR_0x…"` when the code is not known.
    public var rvName: String { PKCS11Error.name(of: rv) }

    /// `"C_Sign failed: CKR_KEY_HANDLE_INVALID (0x60) — <advice>"`.
    public var description: String {
        let head = "\(function) failed: \(rvName) (0x\(String(rv, radix: 16, uppercase: true)))"
        return message.isEmpty ? head : "\(head) — \(message)"
    }

    /// Whether the session the call ran on is unusable afterwards and must
    /// not go back to a session pool: it is gone (v2.40 §5.1.2–5.1.3) or an
    /// operation may still be active on it (§5.2, CKR_BUFFER_TOO_SMALL).
    var invalidatesSession: Bool {
        PKCS11Error.sessionFatal(rv)
    }

    /// Whether the error means the token, its link or the module is gone rather than that this
    /// request was wrong: the operation may succeed once the HSM is back, and the token
    /// reconnects by itself (`PKCS11Connection`). Callers answer "unavailable, retry".
    public var meansTokenLost: Bool {
        switch rv {
        case 0x03, // CKR_SLOT_ID_INVALID
             0x30, // CKR_DEVICE_ERROR
             0x31, // CKR_DEVICE_MEMORY
             0x32, // CKR_DEVICE_REMOVED
             0xB0, // CKR_SESSION_CLOSED
             0xB3, // CKR_SESSION_HANDLE_INVALID
             0xE0, // CKR_TOKEN_NOT_PRESENT
             0xE1, // CKR_TOKEN_NOT_RECOGNIZED
             0x101, // CKR_USER_NOT_LOGGED_IN
             0x190: // CKR_CRYPTOKI_NOT_INITIALIZED
            return true
        default:
            return false
        }
    }

    static func sessionFatal(_ rv: UInt) -> Bool {
        switch rv {
        case 0xB0, // CKR_SESSION_CLOSED
             0xB3, // CKR_SESSION_HANDLE_INVALID
             0x32, // CKR_DEVICE_REMOVED
             0xE0, // CKR_TOKEN_NOT_PRESENT
             0x30, // CKR_DEVICE_ERROR
             0x190, // CKR_CRYPTOKI_NOT_INITIALIZED
             0x150, // CKR_BUFFER_TOO_SMALL
             0x090: // CKR_OPERATION_ACTIVE
            return true
        default:
            return false
        }
    }

    // MARK: - Names

    private static let vendorDefined: UInt = 0x8000_0000

    /// Symbolic name of a `CK_RV` (PKCS #11 v2.40 §3.6 / v3.0 §3.6).
    public static func name(of rv: UInt) -> String {
        if let name = names[rv] { return name }
        if rv >= vendorDefined {
            return "CKR_VENDOR_DEFINED+0x\(String(rv - vendorDefined, radix: 16, uppercase: true))"
        }
        return "CKR_0x\(String(rv, radix: 16, uppercase: true))"
    }

    private static let names: [UInt: String] = [
        0x000: "CKR_OK",
        0x001: "CKR_CANCEL",
        0x002: "CKR_HOST_MEMORY",
        0x003: "CKR_SLOT_ID_INVALID",
        0x005: "CKR_GENERAL_ERROR",
        0x006: "CKR_FUNCTION_FAILED",
        0x007: "CKR_ARGUMENTS_BAD",
        0x008: "CKR_NO_EVENT",
        0x009: "CKR_NEED_TO_CREATE_THREADS",
        0x00A: "CKR_CANT_LOCK",
        0x010: "CKR_ATTRIBUTE_READ_ONLY",
        0x011: "CKR_ATTRIBUTE_SENSITIVE",
        0x012: "CKR_ATTRIBUTE_TYPE_INVALID",
        0x013: "CKR_ATTRIBUTE_VALUE_INVALID",
        0x01B: "CKR_ACTION_PROHIBITED",
        0x020: "CKR_DATA_INVALID",
        0x021: "CKR_DATA_LEN_RANGE",
        0x030: "CKR_DEVICE_ERROR",
        0x031: "CKR_DEVICE_MEMORY",
        0x032: "CKR_DEVICE_REMOVED",
        0x040: "CKR_ENCRYPTED_DATA_INVALID",
        0x041: "CKR_ENCRYPTED_DATA_LEN_RANGE",
        0x050: "CKR_FUNCTION_CANCELED",
        0x051: "CKR_FUNCTION_NOT_PARALLEL",
        0x054: "CKR_FUNCTION_NOT_SUPPORTED",
        0x060: "CKR_KEY_HANDLE_INVALID",
        0x062: "CKR_KEY_SIZE_RANGE",
        0x063: "CKR_KEY_TYPE_INCONSISTENT",
        0x064: "CKR_KEY_NOT_NEEDED",
        0x065: "CKR_KEY_CHANGED",
        0x066: "CKR_KEY_NEEDED",
        0x067: "CKR_KEY_INDIGESTIBLE",
        0x068: "CKR_KEY_FUNCTION_NOT_PERMITTED",
        0x069: "CKR_KEY_NOT_WRAPPABLE",
        0x06A: "CKR_KEY_UNEXTRACTABLE",
        0x070: "CKR_MECHANISM_INVALID",
        0x071: "CKR_MECHANISM_PARAM_INVALID",
        0x082: "CKR_OBJECT_HANDLE_INVALID",
        0x090: "CKR_OPERATION_ACTIVE",
        0x091: "CKR_OPERATION_NOT_INITIALIZED",
        0x0A0: "CKR_PIN_INCORRECT",
        0x0A1: "CKR_PIN_INVALID",
        0x0A2: "CKR_PIN_LEN_RANGE",
        0x0A3: "CKR_PIN_EXPIRED",
        0x0A4: "CKR_PIN_LOCKED",
        0x0B0: "CKR_SESSION_CLOSED",
        0x0B1: "CKR_SESSION_COUNT",
        0x0B3: "CKR_SESSION_HANDLE_INVALID",
        0x0B4: "CKR_SESSION_PARALLEL_NOT_SUPPORTED",
        0x0B5: "CKR_SESSION_READ_ONLY",
        0x0B6: "CKR_SESSION_EXISTS",
        0x0B7: "CKR_SESSION_READ_ONLY_EXISTS",
        0x0B8: "CKR_SESSION_READ_WRITE_SO_EXISTS",
        0x0C0: "CKR_SIGNATURE_INVALID",
        0x0C1: "CKR_SIGNATURE_LEN_RANGE",
        0x0D0: "CKR_TEMPLATE_INCOMPLETE",
        0x0D1: "CKR_TEMPLATE_INCONSISTENT",
        0x0E0: "CKR_TOKEN_NOT_PRESENT",
        0x0E1: "CKR_TOKEN_NOT_RECOGNIZED",
        0x0E2: "CKR_TOKEN_WRITE_PROTECTED",
        0x0F0: "CKR_UNWRAPPING_KEY_HANDLE_INVALID",
        0x0F1: "CKR_UNWRAPPING_KEY_SIZE_RANGE",
        0x0F2: "CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT",
        0x100: "CKR_USER_ALREADY_LOGGED_IN",
        0x101: "CKR_USER_NOT_LOGGED_IN",
        0x102: "CKR_USER_PIN_NOT_INITIALIZED",
        0x103: "CKR_USER_TYPE_INVALID",
        0x104: "CKR_USER_ANOTHER_ALREADY_LOGGED_IN",
        0x105: "CKR_USER_TOO_MANY_TYPES",
        0x110: "CKR_WRAPPED_KEY_INVALID",
        0x112: "CKR_WRAPPED_KEY_LEN_RANGE",
        0x113: "CKR_WRAPPING_KEY_HANDLE_INVALID",
        0x114: "CKR_WRAPPING_KEY_SIZE_RANGE",
        0x115: "CKR_WRAPPING_KEY_TYPE_INCONSISTENT",
        0x120: "CKR_RANDOM_SEED_NOT_SUPPORTED",
        0x121: "CKR_RANDOM_NO_RNG",
        0x130: "CKR_DOMAIN_PARAMS_INVALID",
        0x140: "CKR_CURVE_NOT_SUPPORTED",
        0x150: "CKR_BUFFER_TOO_SMALL",
        0x160: "CKR_SAVED_STATE_INVALID",
        0x170: "CKR_INFORMATION_SENSITIVE",
        0x180: "CKR_STATE_UNSAVEABLE",
        0x190: "CKR_CRYPTOKI_NOT_INITIALIZED",
        0x191: "CKR_CRYPTOKI_ALREADY_INITIALIZED",
        0x1A0: "CKR_MUTEX_BAD",
        0x1A1: "CKR_MUTEX_NOT_LOCKED",
        0x1B0: "CKR_NEW_PIN_MODE",
        0x1B1: "CKR_NEXT_OTP",
        0x1C0: "CKR_EXCEEDED_MAX_ITERATIONS",
        0x1C1: "CKR_FIPS_SELF_TEST_FAILED",
        0x1C2: "CKR_LIBRARY_LOAD_FAILED",
        0x1C3: "CKR_PIN_TOO_WEAK",
        0x1C4: "CKR_PUBLIC_KEY_INVALID",
        0x200: "CKR_FUNCTION_REJECTED",
        0x201: "CKR_TOKEN_RESOURCE_EXCEEDED",
        0x202: "CKR_OPERATION_CANCEL_FAILED",
    ]

    // MARK: - Advice

    /// What an operator should check for a given `CK_RV`; empty when there is
    /// nothing more useful to say than the code itself.
    static func advice(for rv: UInt) -> String {
        switch rv {
        case 0x002, 0x031:
            return "the host or token ran out of memory; reduce concurrency or free token storage"
        case 0x003:
            return "the slot does not exist (slot IDs can change when tokens are initialised); look the token up by label"
        case 0x005, 0x006, 0x030:
            return "the token reported an internal failure; check the HSM logs and health"
        case 0x007:
            return "invalid arguments were passed; this is a programming error or invalid input"
        case 0x011, 0x170:
            return "the attribute is sensitive and cannot be read"
        case 0x012:
            return "the token does not support this attribute on this object"
        case 0x020, 0x021:
            return "the input has the wrong format or length for this mechanism"
                + " (ECDSA and PSS expect a digest; RSA PKCS #1 expects a DER DigestInfo)"
        case 0x032, 0x0E0:
            return "the token was removed or is unreachable; check the HSM connection"
        case 0x054:
            return "the PKCS #11 module does not implement this function"
        case 0x060, 0x082:
            return "the key or object no longer exists on the token or its handle is stale; look the key up again"
        case 0x062:
            return "the token does not support this key size"
        case 0x063:
            return "the key type does not match the mechanism (e.g. ECDSA with an RSA key)"
        case 0x068:
            return "the key's attributes do not permit this operation (check CKA_SIGN)"
        case 0x070:
            return "the token does not support this mechanism; check the token's mechanism list"
        case 0x071:
            return "the mechanism parameters are invalid (check PSS hash, MGF and salt length)"
        case 0x090:
            return "another operation is still active on this session"
        case 0x0A0:
            return "the PIN is wrong; check the configured PIN source (repeated failures may lock the token)"
        case 0x0A1, 0x0A2:
            return "the PIN has invalid characters or length for this token"
        case 0x0A3:
            return "the PIN has expired and must be changed"
        case 0x0A4:
            return "the PIN is locked after too many failures; the security officer must reset it"
        case 0x0B0, 0x0B3:
            return "the session was closed or is invalid; retry with a new session"
        case 0x0B1:
            return "the token has no free sessions; reduce concurrency or close other applications"
        case 0x0B5:
            return "the session is read-only; a read/write session is required"
        case 0x0B6:
            return "sessions are open on the token; close them before initialising it"
        case 0x0C0, 0x0C1:
            return "the signature is invalid"
        case 0x0D0, 0x0D1:
            return "the token rejected the attribute template"
        case 0x0E1:
            return "the token is not recognised by the module"
        case 0x0E2:
            return "the token is write-protected"
        case 0x101:
            return "log in to the token first (the login may have been lost when all sessions closed)"
        case 0x102:
            return "the user PIN was never set; initialise it with the security officer PIN"
        case 0x104:
            return "another user type is logged in to this token in this process"
        case 0x130:
            return "the token rejected the domain parameters"
        case 0x140:
            return "the token does not support this elliptic curve"
        case 0x150:
            return "the output buffer was too small"
        case 0x190:
            return "the PKCS #11 module is not initialised"
        case 0x1C2:
            return "the PKCS #11 module could not be loaded; check the module path and its dependencies"
        case 0x1C3:
            return "the PIN is too weak for this token's policy"
        default:
            return ""
        }
    }
}
