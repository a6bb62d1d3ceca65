// The sessions of one logged-in token, and reconnecting when the token goes away.
//
// PKCS #11 v2.40 §2.6 (sessions; the login is shared by all sessions of an application and
// lost when the last one closes), §5.1 (CKR_DEVICE_REMOVED, CKR_DEVICE_ERROR,
// CKR_TOKEN_NOT_PRESENT, CKR_SESSION_HANDLE_INVALID, CKR_CRYPTOKI_NOT_INITIALIZED), §5.4
// (C_Finalize / C_Initialize), §5.6 (C_OpenSession, C_CloseSession, C_Login).

import Foundation
internal import CP11Kit
import Synchronization

/// The sessions of one token: a pool of read/write sessions plus an "anchor" session that keeps
/// the login alive, and the recovery when the HSM goes away (a network HSM restarted, its link
/// lost, a token pulled out).
///
/// When a call fails in a way that means the token or the module is gone (`PKCS11Error
/// .meansTokenLost`), the connection reconnects: it drops every session, opens a new anchor
/// and logs in again with the PIN it keeps for that purpose; if the module itself has lost its
/// link (p11-kit's RPC client answers CKR_DEVICE_ERROR to every call once its server went away,
/// and never reconnects by itself), it finalises and initialises the module again and finds the
/// token by label and serial number (its slot may have changed). Calls wait for that on a
/// read/write gate, so C_Finalize never runs under a call in flight.
///
/// While the token stays away, calls fail at once with CKR_DEVICE_REMOVED ("unavailable, retry")
/// instead of reaching the module, and one reconnect is tried at most every
/// `reconnectInterval`. Each reconnect starts a new `generation`: object handles from an
/// earlier one are never used again (a new HSM session may give the same number to another
/// object), keys find theirs again by CKA_ID.
final class PKCS11Connection: Sendable {
    struct State {
        var slotID: CK_SLOT_ID
        var anchor: CK_SESSION_HANDLE?
        var pool: [CK_SESSION_HANDLE] = []
        var generation: UInt64 = 0
        /// When the token was found gone, while it stays gone.
        var lostSince: Date?
        var nextAttempt: Date = .distantPast
        var lastFailure: PKCS11Error?
    }

    static let reconnectInterval: TimeInterval = 1

    let module: PKCS11Module
    let functions: PKCS11Functions
    let label: String
    let serialNumber: String
    /// Kept so that a reconnect can log in again without an operator; never logged or shown.
    private let pin: String
    private let state: Mutex<State>
    /// Mirrors of `state.generation` and `state.lostSince != nil`, read without the lock on
    /// every call (written under it).
    private let currentGeneration = Atomic<UInt64>(0)
    private let lost = Atomic<Bool>(false)
    private let gate: ReadWriteGate
    /// The anchor session serves one copy at a time (a session is not shared between threads).
    private let anchorLock = Mutex(())

    init(module: PKCS11Module, info: PKCS11TokenInfo, pin: String) throws(PKCS11Error) {
        self.module = module
        functions = module.functions
        label = info.label
        serialNumber = info.serialNumber
        self.pin = pin
        gate = ReadWriteGate(exclusive: module.serializesCalls)
        let slot = CK_SLOT_ID(info.slotID)
        let anchor = try PKCS11Connection.logIn(functions, slot: slot, label: info.label, pin: pin)
        var initial = State(slotID: slot, anchor: anchor)
        initial.pool.reserveCapacity(32)
        state = Mutex(initial)
    }

    deinit {
        let (sessions, anchor) = state.withLock { ($0.pool, $0.anchor) }
        for session in sessions { _ = functions.closeSession(session) }
        // Closing the last session of this application logs it out (v2.40 §5.6).
        if let anchor { _ = functions.closeSession(anchor) }
    }

    /// The current generation: handles found in an earlier one are stale.
    var generation: UInt64 { currentGeneration.load(ordering: .acquiring) }

    /// Whether the token is reachable now, and since when it is not.
    var lostSince: Date? { state.withLock { $0.lostSince } }

    /// Runs `body` on a pooled session (opening one when the pool is empty). A session is
    /// discarded instead of returned when an error leaves it unusable; an error meaning the
    /// token is gone starts a reconnect before it is rethrown.
    @inline(__always)
    func withSession<R>(_ body: (CK_SESSION_HANDLE) throws(PKCS11Error) -> R) throws(PKCS11Error) -> R {
        try ensureReachable()
        var observed: UInt64 = 0
        let outcome: Result<R, PKCS11Error> = gate.reading {
            let taken = state.withLock { state -> (CK_SESSION_HANDLE?, CK_SLOT_ID, UInt64) in
                (state.pool.popLast(), state.slotID, state.generation)
            }
            observed = taken.2
            let session: CK_SESSION_HANDLE
            if let pooled = taken.0 {
                session = pooled
            } else {
                do throws(PKCS11Error) {
                    session = try PKCS11Connection.openSession(functions, taken.1, label: label)
                } catch {
                    return .failure(error)
                }
            }
            do throws(PKCS11Error) {
                let result = try body(session)
                giveBack(session, generation: taken.2)
                return .success(result)
            } catch {
                if error.invalidatesSession { _ = functions.closeSession(session) } else { giveBack(session, generation: taken.2) }
                return .failure(error)
            }
        }
        switch outcome {
        case .success(let result): return result
        case .failure(let error):
            if error.meansTokenLost { reconnect(after: observed, cause: error) }
            throw error
        }
    }

    /// Asks the token for its information (C_GetTokenInfo): whether the HSM answers now. A
    /// token found gone starts a reconnect, as a failed operation would.
    func probe() throws(PKCS11Error) {
        try ensureReachable()
        var observed: UInt64 = 0
        let rv: CK_RV = gate.reading {
            let (slot, generation) = state.withLock { ($0.slotID, $0.generation) }
            observed = generation
            var info = CK_TOKEN_INFO()
            return functions.getTokenInfo(slot, &info)
        }
        guard rv != CKR_OK else { return }
        let error = PKCS11Error("C_GetTokenInfo", rv, context: "asking token '\(label)' whether it is there")
        if error.meansTokenLost { reconnect(after: observed, cause: error) }
        throw error
    }

    /// Runs `body` on the anchor session, which lives as long as this connection's generation
    /// (session objects made on it, such as key copies, last as long).
    func withAnchor<R>(_ body: (CK_SESSION_HANDLE) throws(PKCS11Error) -> R) throws(PKCS11Error) -> R {
        try ensureReachable()
        let outcome: Result<R, PKCS11Error> = gate.reading {
            guard let anchor = state.withLock({ $0.anchor }) else { return .failure(unavailable()) }
            return anchorLock.withLock { _ in
                do throws(PKCS11Error) { return .success(try body(anchor)) } catch { return .failure(error) }
            }
        }
        return try outcome.get()
    }

    private func giveBack(_ session: CK_SESSION_HANDLE, generation: UInt64) {
        let kept = state.withLock { state -> Bool in
            guard state.generation == generation else { return false }
            state.pool.append(session)
            return true
        }
        if !kept { _ = functions.closeSession(session) }
    }

    /// Fails at once while the token is known to be gone and the next reconnect is not due;
    /// tries that reconnect when it is.
    private func ensureReachable() throws(PKCS11Error) {
        guard lost.load(ordering: .acquiring) else { return }
        let (gone, due, generation) = state.withLock { ($0.lostSince != nil, $0.nextAttempt <= Date(), $0.generation) }
        guard gone else { return }
        if due { reconnect(after: generation, cause: nil) }
        if state.withLock({ $0.lostSince != nil }) { throw unavailable() }
    }

    private func unavailable() -> PKCS11Error {
        let (since, failure) = state.withLock { ($0.lostSince, $0.lastFailure) }
        let when = since.map { " since \(ISO8601DateFormatter().string(from: $0))" } ?? ""
        return PKCS11Error(function: "C_OpenSession", rv: 0x32 /* CKR_DEVICE_REMOVED */,
                           message: "token '\(label)' is unreachable\(when)"
                               + (failure.map { " (last: \($0.function) \($0.rvName))" } ?? "") + "; reconnecting, retry shortly")
    }

    /// Drops every session of generation `observed` and logs in again; if the module has lost
    /// its link, finalises and initialises it first. Does nothing when another thread already
    /// reconnected past `observed`, or when the last attempt was less than
    /// `reconnectInterval` ago.
    private func reconnect(after observed: UInt64, cause: PKCS11Error?) {
        gate.writing {
            let taken = state.withLock { state -> (stale: [CK_SESSION_HANDLE], anchor: CK_SESSION_HANDLE?, slot: CK_SLOT_ID)? in
                guard state.generation == observed, state.lostSince == nil || state.nextAttempt <= Date() else { return nil }
                defer { state.pool = []; state.anchor = nil }
                return (state.pool, state.anchor, state.slotID)
            }
            guard let taken else { return }
            for session in taken.stale { _ = functions.closeSession(session) }
            if let anchor = taken.anchor { _ = functions.closeSession(anchor) }
            do throws(PKCS11Error) {
                let (slot, anchor) = try logInAgain(slot: taken.slot)
                state.withLock { state in
                    state = State(slotID: slot, anchor: anchor, generation: state.generation + 1)
                    currentGeneration.store(state.generation, ordering: .releasing)
                    lost.store(false, ordering: .releasing)
                }
            } catch {
                state.withLock { state in
                    state.lostSince = state.lostSince ?? Date()
                    state.nextAttempt = Date().addingTimeInterval(PKCS11Connection.reconnectInterval)
                    state.lastFailure = cause ?? error
                    lost.store(true, ordering: .releasing)
                }
            }
        }
    }

    /// A new anchor session and login on the token: on its old slot if the module still
    /// answers, else after initialising the module again, on whichever slot holds the token now.
    private func logInAgain(slot: CK_SLOT_ID) throws(PKCS11Error) -> (CK_SLOT_ID, CK_SESSION_HANDLE) {
        if let anchor = try? PKCS11Connection.logIn(functions, slot: slot, label: label, pin: pin) { return (slot, anchor) }
        try module.reinitialize()
        guard let info = try module.initializedTokens(labelled: label).first(where: { $0.serialNumber == serialNumber }) else {
            throw PKCS11Error(function: "C_GetTokenInfo", rv: 0xE0 /* CKR_TOKEN_NOT_PRESENT */,
                              message: "token '\(label)' (serial \(serialNumber)) is not in \(module.path) any more")
        }
        let newSlot = CK_SLOT_ID(info.slotID)
        return (newSlot, try PKCS11Connection.logIn(functions, slot: newSlot, label: label, pin: pin))
    }

    private static func logIn(_ functions: PKCS11Functions, slot: CK_SLOT_ID, label: String, pin: String) throws(PKCS11Error) -> CK_SESSION_HANDLE {
        let anchor = try openSession(functions, slot, label: label)
        let rv = withPIN(pin) { functions.login(anchor, CK_USER_TYPE(CKU_USER), $0, $1) }
        if rv != CKR_OK, rv != CKR_USER_ALREADY_LOGGED_IN {
            _ = functions.closeSession(anchor)
            throw PKCS11Error("C_Login", rv, context: "logging in to token '\(label)'")
        }
        return anchor
    }

    static func openSession(_ functions: PKCS11Functions, _ slot: CK_SLOT_ID, label: String) throws(PKCS11Error) -> CK_SESSION_HANDLE {
        var session: CK_SESSION_HANDLE = 0
        let rv = functions.openSession(slot, CK_FLAGS(CKF_SERIAL_SESSION | CKF_RW_SESSION), nil, nil, &session)
        try check(rv, "C_OpenSession", "opening a read/write session on token '\(label)'")
        return session
    }
}

/// A POSIX read/write lock: PKCS#11 calls share it, a reconnect (C_Finalize, C_Initialize)
/// holds it alone. An `exclusive` gate lets one call through at a time (a module that must not
/// be called concurrently, `PKCS11Module.serializesCalls`). Never taken recursively.
final class ReadWriteGate: @unchecked Sendable {
    /// Allocated once, never moved (a pthread lock must keep its address), freed in deinit.
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>
    private let exclusive: Bool

    init(exclusive: Bool = false) {
        self.exclusive = exclusive
        lock = .allocate(capacity: 1)
        lock.initialize(to: pthread_rwlock_t())
        pthread_rwlock_init(lock, nil)
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    @inline(__always)
    func reading<R>(_ body: () -> R) -> R {
        if exclusive { pthread_rwlock_wrlock(lock) } else { pthread_rwlock_rdlock(lock) }
        defer { pthread_rwlock_unlock(lock) }
        return body()
    }

    func writing(_ body: () -> Void) {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        body()
    }
}
