import Foundation

/// Writing a file an officer named on the command line.
public enum OutputFile {
    /// Writes `bytes` to `path`. A regular file (or a new one) is replaced in one rename, so a
    /// reader never sees half of it; a path through a symbolic link writes where the link points;
    /// anything else that exists (`/dev/null`, a FIFO, a terminal) is written in place, never
    /// replaced by a regular file.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { destination in
            destination.hasPrefix("/") ? destination : ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(destination)
        } ?? path
        let type = (try? FileManager.default.attributesOfItem(atPath: target))?[.type] as? FileAttributeType
        do {
            if type == nil || type == .typeRegular {
                try Data(bytes).write(to: URL(fileURLWithPath: target), options: .atomic)
            } else {
                guard let handle = FileHandle(forWritingAtPath: target) else {
                    throw MohurError.system("cannot open \(path) for writing")
                }
                defer { try? handle.close() }
                try handle.write(contentsOf: Data(bytes))
            }
        } catch let error as MohurError {
            throw error
        } catch {
            throw MohurError.system("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
