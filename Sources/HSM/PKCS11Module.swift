import Foundation
// Loading a PKCS #11 module through p11-kit, slot/token discovery and token
// initialisation.
//
// PKCS #11 v2.40 §5.4 (C_Initialize, C_Finalize, C_GetInfo), §5.5 (slot and
// token management: C_GetSlotList, C_GetTokenInfo, C_InitToken, C_InitPIN),
// §5.6 (C_OpenSession, C_Login, C_Logout). p11-kit: p11_kit_module_load(3).

internal import CP11Kit
import Synchronization

/// A loaded and initialised PKCS #11 module (one `.so`).
///
/// The library is loaded with `p11_kit_module_load(path,
/// P11_KIT_MODULE_UNMANAGED)`, which hands out the module's own function
/// list. It is then initialised with `C_Initialize` and CKF_OS_LOCKING_OK
/// (PKCS #11 v2.40 §5.4) — deliberately *not* with
/// `p11_kit_module_initialize`, which (p11-kit 0.24) calls
/// `C_Initialize(NULL)`: a module initialised like that may assume a single
/// thread, and SoftHSM 2.6 then corrupts its heap under concurrent signing.
///
/// Several `PKCS11Module`s for the same library share one initialisation:
/// a process-wide reference count calls `C_Finalize` when the last one is
/// released. If something else in the process initialised the library
/// first (CKR_CRYPTOKI_ALREADY_INITIALIZED), it is used as is and never
/// finalised here. The module stays loaded while tokens or keys from it
/// exist, since they hold a strong reference.
///
/// - Note: SoftHSM's `C_Initialize` leaves entries on the calling thread's
///   OpenSSL error queue (it links OpenSSL itself). This module does not
///   import OpenSSL; the OpenSSL wrapper clears its queue before each of its
///   own operations, so those stale entries are harmless.
public final class PKCS11Module: Sendable {
    /// The path the module was loaded from.
    public let path: String
    /// CK_INFO.libraryDescription.
    public let libraryDescription: String
    /// CK_INFO.manufacturerID.
    public let manufacturer: String
    /// CK_INFO.cryptokiVersion as `major.minor`, e.g. `2.40`.
    public let cryptokiVersion: String
    /// CK_INFO.libraryVersion as `major.minor`.
    public let libraryVersion: String

    /// Whether calls into this module must not run concurrently. p11-kit's RPC client (the
    /// network-HSM case) multiplexes callers on one socket, and in p11-kit 0.24, when its server
    /// dies under concurrent calls, the callers waiting for their turn on the socket are never
    /// woken (measured: threads blocked in C_Sign forever). One call at a time never leaves a
    /// waiter behind; the RPC link carries one call at a time anyway.
    public let serializesCalls: Bool

    let functions: PKCS11Functions
    /// Owned: released exactly once, in `deinit`. Immutable after `init`.
    private nonisolated(unsafe) let list: UnsafeMutablePointer<CK_FUNCTION_LIST>
    /// Serialises object and token management process-wide: slot enumeration,
    /// C_InitToken, login, key generation, lookup and deletion. Two modules for
    /// the same library must not pick the same free slot at once, and SoftHSM2's
    /// file object store answers CKR_GENERAL_ERROR when these race each other,
    /// even with CKF_OS_LOCKING_OK. They are ceremony-rate operations; signing,
    /// the hot path, never takes this lock.
    static let objectManagement = Mutex(())

    /// Loads the module at `path` and initialises it for multi-threaded use.
    public init(path: String) throws(PKCS11Error) {
        guard let list = p11_kit_module_load(path, Int32(P11_KIT_MODULE_UNMANAGED)) else {
            throw PKCS11Error(function: "p11_kit_module_load", rv: 0x1C2 /* CKR_LIBRARY_LOAD_FAILED */,
                              message: "cannot load \(path): \(PKCS11Module.p11KitMessage())")
        }
        let functions: PKCS11Functions
        var info = CK_INFO()
        do throws(PKCS11Error) {
            functions = try PKCS11Functions(list, path: path)
            try PKCS11Initialization.acquire(list, functions, path: path)
            let rv = functions.getInfo(&info)
            if rv != CKR_OK {
                PKCS11Initialization.release(list, functions)
                throw PKCS11Error("C_GetInfo", rv)
            }
        } catch {
            p11_kit_module_release(list)
            throw error
        }
        self.path = path
        serializesCalls = URL(fileURLWithPath: path).lastPathComponent.hasPrefix("p11-kit-client")
        self.list = list
        self.functions = functions
        libraryDescription = paddedString(info.libraryDescription)
        manufacturer = paddedString(info.manufacturerID)
        cryptokiVersion = versionString(info.cryptokiVersion)
        libraryVersion = versionString(info.libraryVersion)
    }

    deinit {
        PKCS11Initialization.release(list, functions)
        p11_kit_module_release(list)
    }

    private static func p11KitMessage() -> String {
        p11_kit_message().map { String(cString: $0) } ?? "no details from p11-kit"
    }

    // MARK: - Slots and tokens

    /// All slots that currently hold a token, with their token information.
    /// Includes uninitialised tokens (SoftHSM always offers one spare).
    public func tokens() throws(PKCS11Error) -> [PKCS11TokenInfo] {
        try PKCS11Module.objectManagement.withLock { _ throws(PKCS11Error) in try allTokens() }
    }

    /// ``tokens()`` for callers already holding ``objectManagement``.
    func allTokens() throws(PKCS11Error) -> [PKCS11TokenInfo] {
        var result: [PKCS11TokenInfo] = []
        for slot in try slotsWithTokens() {
            if let info = try tokenInfo(slot: slot) { result.append(info) }
        }
        return result
    }

    /// C_GetSlotList(CK_TRUE) with the two-call convention of v2.40 §5.2;
    /// retried if a slot appears between the calls. The size query also
    /// makes SoftHSM rescan its token directory.
    func slotsWithTokens() throws(PKCS11Error) -> [CK_SLOT_ID] {
        for _ in 0..<8 {
            var count: CK_ULONG = 0
            try check(functions.getSlotList(CK_BBOOL(CK_TRUE), nil, &count), "C_GetSlotList")
            var slots = [CK_SLOT_ID](repeating: 0, count: Int(count))
            let rv = slots.withUnsafeMutableBufferPointer {
                functions.getSlotList(CK_BBOOL(CK_TRUE), $0.baseAddress, &count)
            }
            if rv == CKR_BUFFER_TOO_SMALL { continue }
            try check(rv, "C_GetSlotList")
            return Array(slots.prefix(Int(count)))
        }
        throw PKCS11Error("C_GetSlotList", CKR_BUFFER_TOO_SMALL, context: "the slot list kept changing")
    }

    /// Token information for `slot`, or `nil` if the token disappeared.
    func tokenInfo(slot: CK_SLOT_ID) throws(PKCS11Error) -> PKCS11TokenInfo? {
        var raw = CK_TOKEN_INFO()
        let rv = functions.getTokenInfo(slot, &raw)
        if rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_TOKEN_NOT_RECOGNIZED || rv == CKR_SLOT_ID_INVALID {
            return nil
        }
        try check(rv, "C_GetTokenInfo")
        return PKCS11TokenInfo(slotID: slot, raw)
    }

    /// Initialised tokens labelled `label` (a reconnecting token finds itself again by label and
    /// serial number).
    func initializedTokens(labelled label: String) throws(PKCS11Error) -> [PKCS11TokenInfo] {
        let padded = try PKCS11Module.padded(label, "C_GetTokenInfo")
        return try PKCS11Module.objectManagement.withLock { _ throws(PKCS11Error) in try tokens(labelled: padded) }
    }

    /// Finalises the library and initialises it again (v2.40 §5.4), as a client of a network HSM
    /// must to reconnect: p11-kit's RPC client, once its server has gone away, answers
    /// CKR_DEVICE_ERROR to every call until it is initialised again. Every session of the
    /// process on this module is gone afterwards; callers make sure none is in use.
    func reinitialize() throws(PKCS11Error) {
        try PKCS11Initialization.reinitialize(list, functions, path: path)
    }

    /// Initialised tokens whose CK_TOKEN_INFO.label equals `label` blank-padded
    /// to 32 bytes.
    private func tokens(labelled padded: [UInt8]) throws(PKCS11Error) -> [PKCS11TokenInfo] {
        var matches: [PKCS11TokenInfo] = []
        for slot in try slotsWithTokens() {
            var raw = CK_TOKEN_INFO()
            guard functions.getTokenInfo(slot, &raw) == CKR_OK,
                  raw.flags & CK_FLAGS(CKF_TOKEN_INITIALIZED) != 0,
                  withUnsafeBytes(of: raw.label, { $0.elementsEqual(padded) })
            else { continue }
            matches.append(PKCS11TokenInfo(slotID: slot, raw))
        }
        return matches
    }

    private static func padded(_ label: String, _ function: String) throws(PKCS11Error) -> [UInt8] {
        guard let padded = paddedLabel(label) else {
            throw PKCS11Error(function: function, rv: 0x7 /* CKR_ARGUMENTS_BAD */,
                              message: "token labels are at most 32 bytes of UTF-8 (CK_TOKEN_INFO.label);"
                                  + " '\(label)' is longer")
        }
        return padded
    }

    // MARK: - Token initialisation

    /// Initialises a fresh token in a free (uninitialised) slot and sets its
    /// user PIN (C_InitToken, then C_Login as SO, C_InitPIN, C_Logout).
    ///
    /// SoftHSM moves a token to a new slot ID when it is initialised, so the
    /// token is looked up again by label (and by not having existed before).
    /// Fails if an initialised token with the same label already exists,
    /// because `openToken(label:pin:)` must be unambiguous.
    public func initializeToken(label: String, soPIN: String, userPIN: String) throws(PKCS11Error) -> PKCS11TokenInfo {
        let padded = try PKCS11Module.padded(label, "C_InitToken")
        return try PKCS11Module.objectManagement.withLock { _ throws(PKCS11Error) -> PKCS11TokenInfo in
            guard try tokens(labelled: padded).isEmpty else {
                throw PKCS11Error(function: "C_InitToken", rv: 0x7 /* CKR_ARGUMENTS_BAD */,
                                  message: "a token labelled '\(label)' already exists; choose another label")
            }
            let before = try allTokens()
            guard let free = before.first(where: { !$0.initialized }) else {
                throw PKCS11Error(function: "C_InitToken", rv: CKR_TOKEN_NOT_PRESENT,
                                  message: "no uninitialised token is available in \(path)")
            }
            let rv = withPIN(soPIN) { pin, length in
                var labelBytes = padded
                return labelBytes.withUnsafeMutableBufferPointer {
                    functions.initToken(CK_SLOT_ID(free.slotID), pin, length, $0.baseAddress)
                }
            }
            try check(rv, "C_InitToken", "initialising token '\(label)' in slot \(free.slotID)")

            let existing = Set(before.filter(\.initialized).map(\.serialNumber))
            guard let token = try tokens(labelled: padded).first(where: { !existing.contains($0.serialNumber) }) else {
                throw PKCS11Error(function: "C_InitToken", rv: CKR_GENERAL_ERROR,
                                  message: "token '\(label)' was initialised but cannot be found again")
            }
            let slot = CK_SLOT_ID(token.slotID)
            try setInitialUserPIN(slot: slot, label: label, soPIN: soPIN, userPIN: userPIN)
            return try tokenInfo(slot: slot) ?? token
        }
    }

    private func setInitialUserPIN(slot: CK_SLOT_ID, label: String, soPIN: String, userPIN: String) throws(PKCS11Error) {
        var session: CK_SESSION_HANDLE = 0
        try check(functions.openSession(slot, CK_FLAGS(CKF_SERIAL_SESSION | CKF_RW_SESSION), nil, nil, &session),
                  "C_OpenSession", "opening a session on token '\(label)'")
        defer { _ = functions.closeSession(session) }
        let loginRV = withPIN(soPIN) { functions.login(session, CK_USER_TYPE(CKU_SO), $0, $1) }
        try check(loginRV, "C_Login", "logging in as security officer to token '\(label)'")
        defer { _ = functions.logout(session) }
        let initRV = withPIN(userPIN) { functions.initPIN(session, $0, $1) }
        try check(initRV, "C_InitPIN", "setting the user PIN of token '\(label)'")
    }

    // MARK: - Opening tokens

    /// Opens the initialised token labelled `label` and logs in as user.
    ///
    /// Login state is per application and token in PKCS #11 (v2.40 §2.6):
    /// if this process is already logged in to the token (through another
    /// `PKCS11Token`), C_Login returns CKR_USER_ALREADY_LOGGED_IN, which is
    /// accepted — the PIN is then *not* re-verified by the token.
    public func openToken(label: String, pin: String) throws(PKCS11Error) -> PKCS11Token {
        let padded = try PKCS11Module.padded(label, "C_GetTokenInfo")
        return try PKCS11Module.objectManagement.withLock { _ throws(PKCS11Error) -> PKCS11Token in
            let matches = try tokens(labelled: padded)
            guard let info = matches.first else {
                let available = ((try? allTokens()) ?? []).filter(\.initialized).map { "'\($0.label)'" }
                throw PKCS11Error(function: "C_GetTokenInfo", rv: CKR_TOKEN_NOT_PRESENT,
                                  message: "no initialised token labelled '\(label)' in \(path); available: "
                                      + (available.isEmpty ? "none" : available.joined(separator: ", ")))
        }
        guard matches.count == 1 else {
            throw PKCS11Error(function: "C_GetTokenInfo", rv: 0x7 /* CKR_ARGUMENTS_BAD */,
                              message: "\(matches.count) tokens are labelled '\(label)' (serials "
                                  + matches.map(\.serialNumber).joined(separator: ", ") + "); labels must be unique")
        }
        return try PKCS11Token(module: self, info: info, pin: pin)
        }
    }
}

/// Process-wide `C_Initialize` / `C_Finalize` reference counts per function
/// list (PKCS #11 v2.40 §5.4: a library is initialised once per process;
/// a second C_Initialize returns CKR_CRYPTOKI_ALREADY_INITIALIZED).
private enum PKCS11Initialization {
    struct Entry {
        var references: Int
        /// Whether this layer called C_Initialize (and so must call C_Finalize).
        var owned: Bool
    }

    static let table = Mutex<[UInt: Entry]>([:])

    static func acquire(
        _ list: UnsafeMutablePointer<CK_FUNCTION_LIST>, _ functions: PKCS11Functions, path: String
    ) throws(PKCS11Error) {
        let key = UInt(bitPattern: list)
        try table.withLock { (table: inout [UInt: Entry]) throws(PKCS11Error) in
            if table[key] != nil {
                table[key]?.references += 1
                return
            }
            var arguments = CK_C_INITIALIZE_ARGS(
                CreateMutex: nil, DestroyMutex: nil, LockMutex: nil, UnlockMutex: nil,
                flags: CK_FLAGS(CKF_OS_LOCKING_OK), pReserved: nil)
            let rv = functions.initialize(&arguments)
            switch rv {
            case CKR_OK:
                table[key] = Entry(references: 1, owned: true)
            case CKR_CRYPTOKI_ALREADY_INITIALIZED:
                table[key] = Entry(references: 1, owned: false)
            default:
                throw PKCS11Error("C_Initialize", rv, context: "initialising \(path) for multi-threaded use")
            }
        }
    }

    /// C_Finalize then C_Initialize for a library this process initialised and still uses.
    static func reinitialize(
        _ list: UnsafeMutablePointer<CK_FUNCTION_LIST>, _ functions: PKCS11Functions, path: String
    ) throws(PKCS11Error) {
        let key = UInt(bitPattern: list)
        try table.withLock { (table: inout [UInt: Entry]) throws(PKCS11Error) in
            _ = functions.finalize(nil)
            var arguments = CK_C_INITIALIZE_ARGS(
                CreateMutex: nil, DestroyMutex: nil, LockMutex: nil, UnlockMutex: nil,
                flags: CK_FLAGS(CKF_OS_LOCKING_OK), pReserved: nil)
            let rv = functions.initialize(&arguments)
            guard rv == CKR_OK || rv == CKR_CRYPTOKI_ALREADY_INITIALIZED else {
                throw PKCS11Error("C_Initialize", rv, context: "initialising \(path) again to reconnect")
            }
            if table[key] != nil { table[key]?.owned = true }
        }
    }

    static func release(_ list: UnsafeMutablePointer<CK_FUNCTION_LIST>, _ functions: PKCS11Functions) {
        let key = UInt(bitPattern: list)
        table.withLock { table in
            guard var entry = table[key] else { return }
            entry.references -= 1
            if entry.references > 0 {
                table[key] = entry
                return
            }
            table[key] = nil
            if entry.owned { _ = functions.finalize(nil) }
        }
    }
}
