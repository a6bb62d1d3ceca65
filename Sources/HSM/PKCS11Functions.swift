// The Cryptoki entry points this layer uses, resolved once from the module's
// CK_FUNCTION_LIST, plus small helpers for Cryptoki's fixed-width strings.
//
// PKCS #11 v2.40 §5.4 (C_GetFunctionList): every entry of CK_FUNCTION_LIST
// must be set; unsupported functions point to a stub returning
// CKR_FUNCTION_NOT_SUPPORTED. A NULL entry therefore means a broken module
// and is rejected when the module is loaded, so no call site has to unwrap.

internal import CP11Kit

/// Non-optional copies of the Cryptoki function pointers used by this layer.
/// C function pointers are plain addresses; calling them from several
/// threads is safe because `PKCS11Module` initialises the module with
/// CKF_OS_LOCKING_OK (PKCS #11 v2.40 §5.4, C_Initialize).
struct PKCS11Functions: Sendable {
    let initialize: CK_C_Initialize
    let finalize: CK_C_Finalize
    let getInfo: CK_C_GetInfo
    let getSlotList: CK_C_GetSlotList
    let getTokenInfo: CK_C_GetTokenInfo
    let initToken: CK_C_InitToken
    let initPIN: CK_C_InitPIN
    let openSession: CK_C_OpenSession
    let closeSession: CK_C_CloseSession
    let login: CK_C_Login
    let logout: CK_C_Logout
    let destroyObject: CK_C_DestroyObject
    let copyObject: CK_C_CopyObject
    let getAttributeValue: CK_C_GetAttributeValue
    let findObjectsInit: CK_C_FindObjectsInit
    let findObjects: CK_C_FindObjects
    let findObjectsFinal: CK_C_FindObjectsFinal
    let signInit: CK_C_SignInit
    let sign: CK_C_Sign
    let generateKeyPair: CK_C_GenerateKeyPair

    init(_ list: UnsafePointer<CK_FUNCTION_LIST>, path: String) throws(PKCS11Error) {
        let l = list.pointee
        guard let initialize = l.C_Initialize, let finalize = l.C_Finalize,
              let getInfo = l.C_GetInfo, let getSlotList = l.C_GetSlotList,
              let getTokenInfo = l.C_GetTokenInfo, let initToken = l.C_InitToken,
              let initPIN = l.C_InitPIN, let openSession = l.C_OpenSession,
              let closeSession = l.C_CloseSession, let login = l.C_Login, let logout = l.C_Logout,
              let destroyObject = l.C_DestroyObject, let copyObject = l.C_CopyObject, let getAttributeValue = l.C_GetAttributeValue,
              let findObjectsInit = l.C_FindObjectsInit, let findObjects = l.C_FindObjects,
              let findObjectsFinal = l.C_FindObjectsFinal, let signInit = l.C_SignInit,
              let sign = l.C_Sign, let generateKeyPair = l.C_GenerateKeyPair
        else {
            throw PKCS11Error(function: "C_GetFunctionList", rv: 0x5 /* CKR_GENERAL_ERROR */,
                              message: "the module \(path) returned an incomplete CK_FUNCTION_LIST (PKCS #11 v2.40 §5.4)")
        }
        self.initialize = initialize
        self.finalize = finalize
        self.getInfo = getInfo
        self.getSlotList = getSlotList
        self.getTokenInfo = getTokenInfo
        self.initToken = initToken
        self.initPIN = initPIN
        self.openSession = openSession
        self.closeSession = closeSession
        self.login = login
        self.logout = logout
        self.destroyObject = destroyObject
        self.copyObject = copyObject
        self.getAttributeValue = getAttributeValue
        self.findObjectsInit = findObjectsInit
        self.findObjects = findObjects
        self.findObjectsFinal = findObjectsFinal
        self.signInit = signInit
        self.sign = sign
        self.generateKeyPair = generateKeyPair
    }
}

/// Throws a `PKCS11Error` unless `rv` is CKR_OK.
@inline(__always)
func check(
    _ rv: CK_RV, _ function: StaticString, _ context: @autoclosure () -> String? = nil
) throws(PKCS11Error) {
    if rv != CKR_OK {
        throw PKCS11Error("\(function)", rv, context: context())
    }
}

/// Cryptoki text fields (CK_UTF8CHAR[n]) are padded with blanks, not NUL
/// terminated (PKCS #11 v2.40 §3.2, CK_INFO / CK_TOKEN_INFO). Reads one and
/// trims the padding (and any NULs some modules use instead).
func paddedString<T>(_ field: T) -> String {
    withUnsafeBytes(of: field) { raw in
        var end = raw.count
        while end > 0, raw[end - 1] == 0x20 || raw[end - 1] == 0x00 { end -= 1 }
        return String(decoding: raw[..<end], as: UTF8.self)
    }
}

/// `label` blank-padded to the 32 bytes of CK_TOKEN_INFO.label, or `nil` if
/// it does not fit.
func paddedLabel(_ label: String) -> [UInt8]? {
    var bytes = Array(label.utf8)
    guard bytes.count <= 32 else { return nil }
    bytes += repeatElement(0x20, count: 32 - bytes.count)
    return bytes
}

/// Runs `body` with a PIN as a mutable CK_UTF8CHAR buffer and wipes the
/// temporary copy afterwards (best effort: Swift strings cannot be wiped).
func withPIN<R>(
    _ pin: String, _ body: (UnsafeMutablePointer<CK_UTF8CHAR>?, CK_ULONG) -> R
) -> R {
    var bytes = Array(pin.utf8)
    defer {
        bytes.withUnsafeMutableBufferPointer { buffer in
            for index in buffer.indices { buffer[index] = 0 }
        }
    }
    return bytes.withUnsafeMutableBufferPointer { buffer in
        body(buffer.baseAddress, CK_ULONG(buffer.count))
    }
}

/// `major.minor` for a CK_VERSION (PKCS #11 v2.40 §3.1; Cryptoki 2.40 is
/// major 2, minor 40).
func versionString(_ version: CK_VERSION) -> String {
    "\(version.major).\(version.minor)"
}
