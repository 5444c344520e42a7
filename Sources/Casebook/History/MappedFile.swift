import Foundation

/// A file mapped read-only into memory: the caches are searched and copied where they lie, and
/// only the pages a command touches are read (a 100 MB cache costs what its lines read cost).
/// The mapping is private: a file replaced by rename while it is read does not change under it.
final class MappedFile {
    let bytes: UnsafeBufferPointer<UInt8>
    /// The file's device and inode: a writer that appends checks it is still this file.
    let identity: (device: UInt64, inode: UInt64)
    /// Bytes a reader went through since the mapping's pages were last let go (`passed`).
    private var sinceLetGo = 0
    /// How many times the pages were let go.
    private(set) var timesLetGo = 0
    /// How much of a file read once from end to end stays resident: a 200 MB case index read whole
    /// costs this much memory, not 200 MB.
    static let residentWindow = 16 << 20
    /// This mapping's window (`residentWindow`, or less in tests).
    let window: Int

    /// nil when the file is missing, empty, not a regular file or cannot be mapped.
    init?(_ path: String, window: Int = MappedFile.residentWindow) {
        // Whole blocks: `CacheChecksum.of(_:_:)` sums the file a window at a time, a block at a time.
        precondition(window > 0 && window % CacheChecksum.block == 0, "a mapping's window is whole blocks of the checksum")
        self.window = window
        guard let descriptor = CacheFile.open(path) else { return nil }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_size > 0 else { return nil }
        let size = Int(info.st_size)
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), base != MAP_FAILED else { return nil }
        bytes = UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: size)
        identity = (UInt64(info.st_dev), UInt64(info.st_ino))
    }

    /// Tells the mapping that a reader went through `count` more bytes. Every `residentWindow`
    /// bytes the pages read so far are let go (`MADV_DONTNEED`): the mapping is private and never
    /// written, so a page touched again is read again from the file, unchanged (writers append to
    /// a cache or rename a new one over it, never rewrite its bytes), and the bytes handed out
    /// (`Data` over the mapping) stay valid. A command that passes over a large cache once (a
    /// whole case index, a whole history cache) thus holds a window of it, not all of it.
    func passed(_ count: Int) {
        sinceLetGo += count
        guard sinceLetGo >= window else { return }
        sinceLetGo = 0
        letGo()
    }

    /// What one read fault maps of a file in the page cache: the page read and the pages around it
    /// (the kernel's fault-around, 64 KB by default). Lines read here and there over a large file
    /// (each case's records, spread over the history) cost this much resident memory each, not
    /// their length: at 30k cases, the records of a new day's 874 open cases mapped 108 MB of the
    /// 141 MB history cache.
    static let faultAround = 64 << 10

    /// Tells the mapping that a reader read lines starting at `offsets`, here and there: each block
    /// of `faultAround` bytes they fall in counts whole, and the pages are let go as `passed` lets
    /// them go.
    func readScattered(at offsets: [Int]) {
        passed(Set(offsets.map { $0 / Self.faultAround }).count * Self.faultAround)
    }

    /// Lets every page of the mapping go back to the page cache (see `passed`).
    func letGo() {
        timesLetGo += 1
        _ = madvise(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count, MADV_DONTNEED)
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count) }
}

/// Opening a cache file to read. Only a regular file is read: a FIFO, a device or a socket put at a
/// cache's path would block the command (a FIFO with no writer) or never end, where a cold run
/// reads no cache at all; and a symbolic link is not followed (attack24: the case index's block was
/// appended to the file a link named, outside `.git/folio`). Writers replace such a file by
/// renaming a new one over it.
enum CacheFile {
    /// A descriptor for reading `path` (or as `flags` say, creating it with `mode`), or nil when
    /// it is missing, a link or not a regular file (opened without waiting, then read as usual).
    static func open(_ path: String, flags: Int32 = O_RDONLY, mode: mode_t = 0) -> Int32? {
        let descriptor = Glibc.open(path, flags | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW, mode)
        guard descriptor >= 0 else { return nil }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            return nil
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        return descriptor
    }

    /// `open` as a file handle, which closes the descriptor when it goes.
    static func handle(_ path: String) -> FileHandle? {
        open(path).map { FileHandle(fileDescriptor: $0, closeOnDealloc: true) }
    }

    /// Puts `data` in `path`'s place whole: written to a temporary file beside it, then renamed
    /// over it (a link, a FIFO or a damaged file there is replaced, not written through); false,
    /// with nothing left behind, when either fails. Written here, not through Foundation's atomic
    /// write, whose own temporary file (`.dat.nosync…`) a process killed at that moment left
    /// beside the caches for good.
    static func replace(_ path: String, with data: Data) -> Bool {
        let temp = CacheFileWriter.temporaryPath(for: path)
        let descriptor = Glibc.open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard descriptor >= 0 else { return false }
        let written = data.withUnsafeBytes { writeAll(descriptor, $0) }
        guard close(descriptor) == 0, written, rename(temp, path) == 0 else {
            unlink(temp)
            return false
        }
        return true
    }

    /// Writes all of `bytes` to `descriptor` (again after a short write or a signal); false when a
    /// write fails.
    static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var done = 0
        while done < bytes.count {
            let n = write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }

    /// The whole of a small cache file (a warning, the checked stamps); nil as for `open`.
    static func contents(_ path: String) -> Data? {
        guard let handle = handle(path) else { return nil }
        return (try? handle.readToEnd()) ?? Data()
    }
}

/// A fast checksum of a cache's bytes (64 bits, four words at a time): it catches a damaged,
/// cut or edited span, as the per-line FNV-1a seals do, at memory speed for the large spans
/// (a table of every case, an index of every case's summary). Not a defence against someone who
/// can write `.git/`: nothing in a cache is, and nothing in it is trusted over history.
enum CacheChecksum {
    static func of(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 {
        var state = State(seed: seed, count: bytes.count)
        state.mix(bytes)
        return state.finish()
    }

    /// `of` the bytes of `file` in `range`, summed a window at a time and let go behind
    /// (`MappedFile.passed`): a whole cache is checked without all of it resident.
    static func of(_ file: MappedFile, _ range: Range<Int>) -> UInt64 {
        var state = State(seed: 0xcbf2_9ce4_8422_2325, count: range.count)
        // A mapping's window is whole blocks: every piece but the last is.
        var at = range.lowerBound
        while at < range.upperBound {
            let end = min(range.upperBound, at + file.window)
            state.mix(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: file.bytes[at..<end])))
            file.passed(end - at)
            at = end
        }
        return state.finish()
    }

    /// `of` the first `count` bytes of the file open as `descriptor`, read a megabyte at a time (a
    /// cache being written is summed without holding it in memory); nil when it cannot be read.
    static func of(descriptor: Int32, count: Int) -> UInt64? {
        var state = State(seed: 0xcbf2_9ce4_8422_2325, count: count)
        // Whole blocks: every piece but the last is.
        var piece = [UInt8](repeating: 0, count: 1 << 20)
        var offset = 0
        while offset < count {
            let wanted = min(piece.count, count - offset)
            var filled = 0
            while filled < wanted {
                let n = piece.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + filled, wanted - filled, off_t(offset + filled)) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return nil }
                filled += n
            }
            piece.withUnsafeBytes { state.mix(UnsafeRawBufferPointer(rebasing: $0[..<wanted])) }
            offset += wanted
        }
        return state.finish()
    }

    /// The bytes a piece but the last is made of a whole number of (`State.mix`).
    static let block = 32

    /// Four words mixed side by side, 32 bytes at a time (four multiplications that do not wait
    /// for each other: at 10k cases a status after a commit sums 67 MB of case index), then the
    /// words and bytes left into the first.
    struct State {
        private var lanes: (UInt64, UInt64, UInt64, UInt64)

        init(seed: UInt64, count: Int) {
            let start = seed ^ UInt64(count)
            lanes = (start, start ^ 0x9e37_79b9_7f4a_7c15, start ^ 0xc2b2_ae3d_27d4_eb4f, start ^ 0x1656_67b1_9e37_79f9)
        }

        private static func step(_ lane: inout UInt64, _ word: UInt64) {
            lane = (lane ^ word) &* 0x9e37_79b9_7f4a_7c15
            lane ^= lane >> 29
        }

        /// Mixes `bytes` in: whole blocks, then whole words, then the bytes left one by one (only
        /// the last piece of a sum may end in less than a block).
        mutating func mix(_ bytes: UnsafeRawBufferPointer) {
            let blocks = bytes.count / CacheChecksum.block
            for i in 0..<blocks {
                let at = i * CacheChecksum.block
                Self.step(&lanes.0, bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self))
                Self.step(&lanes.1, bytes.loadUnaligned(fromByteOffset: at + 8, as: UInt64.self))
                Self.step(&lanes.2, bytes.loadUnaligned(fromByteOffset: at + 16, as: UInt64.self))
                Self.step(&lanes.3, bytes.loadUnaligned(fromByteOffset: at + 24, as: UInt64.self))
            }
            var at = blocks * CacheChecksum.block
            while at + 8 <= bytes.count {
                Self.step(&lanes.0, bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self))
                at += 8
            }
            while at < bytes.count {
                lanes.0 = (lanes.0 ^ UInt64(bytes[at])) &* 0x0000_0100_0000_01b3
                at += 1
            }
        }

        func finish() -> UInt64 {
            func rotated(_ word: UInt64, _ by: UInt64) -> UInt64 { word << by | word >> (64 - by) }
            let value = lanes.0 ^ rotated(lanes.1, 17) ^ rotated(lanes.2, 31) ^ rotated(lanes.3, 47)
            let hash = value ^ (value >> 32)
            return hash &* 0xd6e8_feb8_6659_fd93 ^ (hash >> 31)
        }
    }

    static func hex(_ value: UInt64) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }
}

/// A cache file written through a one-megabyte buffer, counting its bytes (the offsets its table
/// names) and read back for a checksum of what it holds so far; the caller puts it in place.
/// A write that fails (a full disk) makes `checksum` and `finish` fail: the file is discarded.
final class CacheFileWriter {
    private let path: String
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private(set) var count = 0
    private var failed = false
    private var isOpen = true

    /// A name beside `path` for a new version of it, unique to one writer: two writers, in two
    /// processes or in one (the dashboard verifies while it answers), never share a file.
    /// Temporary files of earlier writers that were stopped (Ctrl-C, a kill) are removed first.
    static func temporaryPath(for path: String) -> String {
        removeAbandoned(beside: path)
        return path + ".\(getpid()).\(UInt64.random(in: 0...UInt64.max)).tmp"
    }

    /// Removes the temporary files of `path` (`<path>.<pid>.<n>.tmp`) whose process is gone and
    /// that nothing has written for ten minutes: a folio stopped while it wrote a cache (Ctrl-C,
    /// `kill`, a closed pipe) runs no clean-up of its own. A writer writes its file a megabyte at a
    /// time, so a live one's is recent even when its process is not visible from here (another
    /// container, another machine sharing the folder); this process's own files are left alone.
    static func removeAbandoned(beside path: String, idleFor idle: TimeInterval = 600) {
        let folder = (path as NSString).deletingLastPathComponent
        let prefix = (path as NSString).lastPathComponent + "."
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
            let parts = name.dropFirst(prefix.count).dropLast(4).split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 2, let pid = Int32(parts[0]), pid > 0, pid != getpid(), UInt64(parts[1]) != nil else { continue }
            var info = stat()
            let file = folder + "/" + name
            guard stat(file, &info) == 0, Double(info.st_mtim.tv_sec) < Date().timeIntervalSince1970 - idle else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(file) }
        }
    }

    init?(_ path: String) {
        self.path = path
        descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return nil }
        buffer.reserveCapacity((1 << 20) + 4096)
    }

    /// A writer let go before `finish` (a command that failed half-way) leaves no file behind.
    deinit { if isOpen { discard() } }

    /// `line` and a line break.
    func put(_ line: String) {
        buffer += line.utf8
        buffer.append(10)
        count += line.utf8.count + 1
        if buffer.count >= 1 << 20 { flush() }
    }

    /// Bytes as they are (whole lines).
    func put(bytes: [UInt8]) {
        flush()
        buffer = bytes
        count += bytes.count
        flush()
    }

    private func flush() {
        guard !failed, !buffer.isEmpty else { return buffer.removeAll(keepingCapacity: true) }
        failed = !buffer.withUnsafeBytes { CacheFile.writeAll(descriptor, $0) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// `CacheChecksum.of` everything written so far.
    func checksum() -> UInt64? {
        flush()
        return failed ? nil : CacheChecksum.of(descriptor: descriptor, count: count)
    }

    /// Writes what is left and closes the file: false when any write failed.
    func finish() -> Bool {
        flush()
        isOpen = false
        return close(descriptor) == 0 && !failed
    }

    /// Closes and removes the file.
    func discard() {
        if isOpen { isOpen = false; close(descriptor) }
        unlink(path)
    }
}

