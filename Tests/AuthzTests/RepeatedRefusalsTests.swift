import Authz
import Foundation
import Testing

@Suite("repeated refusals of one caller")
struct RepeatedRefusalsTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("the fifth refusal within a minute crosses the threshold once; the count then starts again")
    func threshold() {
        let watch = RepeatedRefusals(policy: .init(threshold: 5, window: 60))
        let crossings = (0..<10).map { watch.record("caller-a", at: start.addingTimeInterval(Double($0))) }
        #expect(crossings.enumerated().filter { $0.element != nil }.map(\.offset) == [4, 9])
        #expect(crossings[4]?.caller == "caller-a" && crossings[4]?.count == 5 && crossings[4]?.since == start)
    }

    @Test("refusals spread wider than the window, or of different callers, do not add up")
    func windowAndCallers() {
        let watch = RepeatedRefusals(policy: .init(threshold: 3, window: 60))
        #expect(watch.record("a", at: start) == nil)
        #expect(watch.record("a", at: start.addingTimeInterval(30)) == nil)
        #expect(watch.record("b", at: start.addingTimeInterval(31)) == nil)
        // The first refusal of "a" is now out of the window.
        #expect(watch.record("a", at: start.addingTimeInterval(61)) == nil)
        #expect(watch.record("a", at: start.addingTimeInterval(62))?.count == 3)
        #expect(watch.record("b", at: start.addingTimeInterval(200)) == nil)
    }
}
