// fuzz-modules: Audit Storage OpenSSLKit MohurCore SwiftASN1 COpenSSLShims
// fuzz-seeds-local: notes
import Audit

/// Checkpoints and signed notes other nodes and witnesses send (C2SP tlog-checkpoint,
/// signed-note, tlog-cosignature), verifier keys and witness policies.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let note = try? SignedNote(text) { _ = try? Checkpoint(body: note.text) }
    _ = try? Checkpoint(body: text)
    _ = try? CosignerKey(vkey: text)
    _ = try? NoteVerifierKey(vkey: text)
    _ = try? WitnessPolicy(text: text)
    return 0
}
