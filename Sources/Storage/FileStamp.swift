import Glibc

/// What a file looks like from outside (modification time and size), to notice that another
/// process changed it: one `stat(2)`, where Foundation's `attributesOfItem` also looks up the
/// owner's and group's names (measured at several µs per call on a request path).
public struct FileStamp: Equatable, Sendable {
    public let modifiedNanoseconds: Int64
    public let size: Int64

    /// The stamp of `path`, or nil when there is no such file.
    public init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        modifiedNanoseconds = Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
        size = Int64(status.st_size)
    }
}
