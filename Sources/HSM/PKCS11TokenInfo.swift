// CK_TOKEN_INFO as a Swift value (PKCS #11 v2.40 §3.2, C_GetTokenInfo §5.5).

internal import CP11Kit

/// A snapshot of a token's CK_TOKEN_INFO, with blank padding trimmed.
public struct PKCS11TokenInfo: Sendable, Hashable {
    /// The slot the token was in when the snapshot was taken. Slot IDs are
    /// not stable: SoftHSM, for one, moves a token to a new slot when it is
    /// initialised. Identify tokens by label or serial number.
    public var slotID: UInt
    public var label: String
    public var manufacturer: String
    public var model: String
    public var serialNumber: String

    /// CKF_TOKEN_INITIALIZED.
    public var initialized: Bool
    /// CKF_LOGIN_REQUIRED.
    public var loginRequired: Bool
    /// CKF_USER_PIN_INITIALIZED.
    public var userPINInitialized: Bool
    /// CKF_RNG.
    public var hasRNG: Bool
    /// CKF_WRITE_PROTECTED.
    public var writeProtected: Bool
    /// CKF_USER_PIN_COUNT_LOW: a wrong user PIN was entered since the last success.
    public var userPINCountLow: Bool
    /// CKF_USER_PIN_FINAL_TRY: one more wrong user PIN locks the token.
    public var userPINFinalTry: Bool
    /// CKF_USER_PIN_LOCKED.
    public var userPINLocked: Bool

    /// ulMaxSessionCount; `nil` when unavailable, 0 means effectively infinite.
    public var maxSessionCount: UInt?
    /// ulSessionCount (sessions open by all applications), if reported.
    public var sessionCount: UInt?
    /// ulMinPinLen / ulMaxPinLen.
    public var minPINLength: UInt
    public var maxPINLength: UInt
    /// Memory figures in bytes, `nil` when the token does not report them
    /// (CK_UNAVAILABLE_INFORMATION).
    public var totalPublicMemory: UInt?
    public var freePublicMemory: UInt?
    public var totalPrivateMemory: UInt?
    public var freePrivateMemory: UInt?
    /// Hardware and firmware versions as `major.minor`.
    public var hardwareVersion: String
    public var firmwareVersion: String

    init(slotID: CK_SLOT_ID, _ info: CK_TOKEN_INFO) {
        func known(_ value: CK_ULONG) -> UInt? { value == CK_ULONG.max ? nil : UInt(value) }
        func flag(_ mask: CK_ULONG) -> Bool { info.flags & CK_FLAGS(mask) != 0 }
        self.slotID = UInt(slotID)
        label = paddedString(info.label)
        manufacturer = paddedString(info.manufacturerID)
        model = paddedString(info.model)
        serialNumber = paddedString(info.serialNumber)
        initialized = flag(CKF_TOKEN_INITIALIZED)
        loginRequired = flag(CKF_LOGIN_REQUIRED)
        userPINInitialized = flag(CKF_USER_PIN_INITIALIZED)
        hasRNG = flag(CKF_RNG)
        writeProtected = flag(CKF_WRITE_PROTECTED)
        userPINCountLow = flag(CKF_USER_PIN_COUNT_LOW)
        userPINFinalTry = flag(CKF_USER_PIN_FINAL_TRY)
        userPINLocked = flag(CKF_USER_PIN_LOCKED)
        maxSessionCount = known(info.ulMaxSessionCount)
        sessionCount = known(info.ulSessionCount)
        minPINLength = UInt(info.ulMinPinLen)
        maxPINLength = UInt(info.ulMaxPinLen)
        totalPublicMemory = known(info.ulTotalPublicMemory)
        freePublicMemory = known(info.ulFreePublicMemory)
        totalPrivateMemory = known(info.ulTotalPrivateMemory)
        freePrivateMemory = known(info.ulFreePrivateMemory)
        hardwareVersion = versionString(info.hardwareVersion)
        firmwareVersion = versionString(info.firmwareVersion)
    }
}
