import Foundation

/// The source of "now". Injected everywhere a decision depends on time (key usage periods,
/// CRL schedules) so that tests set the time instead of flagging production code.
public protocol WallClock: Sendable {
    func now() -> Date
}

/// The system's real-time clock.
public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that always says the same time.
public struct FixedWallClock: WallClock {
    public let instant: Date
    public init(_ instant: Date) { self.instant = instant }
    public func now() -> Date { instant }
}
