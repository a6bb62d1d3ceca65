import Foundation
import ServiceLifecycle

/// Signs a checkpoint of the journal at most half a second after an append, so no entry stays
/// unsigned for long (rules §6.9: the journal's integrity is provable at any time), whichever
/// process appended it: the service, or the officers' CLI on the same state.
struct CheckpointService: Service {
    let state: ServiceState
    static let interval: Duration = .milliseconds(500)

    func run() async throws {
        let journal = state.runtime.journal
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    try await Task.sleep(for: Self.interval)
                    do {
                        _ = try await state.blocking { try journal.checkpoint() }
                    } catch let error where !(error is CancellationError) {
                        state.logger.error("signing a journal checkpoint failed: \(error)")
                    }
                }
            }
        } catch is CancellationError {
            // Shutting down.
        }
        // A last checkpoint for whatever the final requests appended, then the blocking pool ends.
        _ = try? await state.blocking { try journal.checkpoint() }
        try? await state.pool.shutdownGracefully()
    }
}
