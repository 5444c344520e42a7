import Foundation
import GitStore
import SSHSignatures

/// What a commit's `gpgsig` header holds, once checked with the key inside it.
enum CommitSignature: Equatable, Sendable {
    case unsigned
    /// `keyHash`: SHA-256 (hex) of the key blob inside the signature ("-" when it cannot be parsed);
    /// `good`: a valid signature of the commit in the `git` namespace by that key.
    case signed(keyHash: String, good: Bool)
    /// A key swift-crypto cannot load (or `FOLIO_FIRMAS=ssh-keygen`): ssh-keygen decides (`SSHVerifier.keygenVerify`).
    case unsupported

}

/// Commit signature verdicts by (commit id, key): `.git/folio/firmas.cache`, disposable. One line
/// per verdict, `<commit> <SHA-256 of the key blob> <1|0> <check>`, where `check` is the start of the
/// line's own SHA-256: a damaged or cut line is ignored (and checked again), never trusted. A commit
/// id covers the signature and the data it signs, so a verdict never applies to another commit.
struct SignatureCache {
    static let header = "folio-firmas 1"
    /// The verdicts sorted by commit id, for a binary search (a third of a dictionary's memory: at
    /// 10k cases 3 MB, not 11), each naming its key's hash by its place in `keys`.
    private var entries: [Entry] = []
    private var keys: [String] = []
    /// Whether the file held no verdict.
    var isEmpty: Bool { entries.isEmpty }

    private struct Entry {
        var commit: OID
        var key: UInt32
        var good: Bool
    }

    /// The verdict on `commit`'s signature, if the file holds one (its last line for it).
    subscript(commit: OID) -> (keyHash: String, good: Bool)? {
        var low = 0, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].commit < commit { low = middle + 1 } else { high = middle }
        }
        guard low < entries.count, entries[low].commit == commit else { return nil }
        return (keys[Int(entries[low].key)], entries[low].good)
    }

    static func file(_ repository: Repository) -> String { repository.gitdir + "folio/firmas.cache" }

    static func hash(_ blob: Data) -> String { Digest.sha256(blob) }

    static func line(_ commit: OID, _ keyHash: String, _ good: Bool) -> String {
        let body = "\(commit.hex) \(keyHash) \(good ? 1 : 0)"
        return body + " " + Digest.sha256(Data(body.utf8)).prefix(16)
    }

    /// The verdicts in `path`; an unreadable file or a wrong header gives none.
    static func load(_ path: String) -> SignatureCache {
        var cache = SignatureCache()
        // Mapped and read line by line (not split into an array of lines); a history has a few
        // keys, and each key's hash is kept once, not once per verdict (at 10k cases, 8 MB).
        guard let file = MappedFile(path) else { return cache }
        let bytes = file.bytes
        var keyIndex: [String: UInt32] = [:]
        var start = 0
        var first = true
        var reserved = false
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 10) ?? bytes.count
            let raw = UnsafeBufferPointer(rebasing: bytes[start..<end])
            file.passed(end + 1 - start)
            start = end + 1
            if first {
                guard raw.elementsEqual(header.utf8) else { return cache }
                first = false
                continue
            }
            let parts = raw.split(separator: UInt8(ascii: " "))
            guard parts.count == 4, parts[2].count == 1, let commit = OID(hex: String(decoding: parts[0], as: UTF8.self)) else { continue }
            let keyHash = String(decoding: parts[1], as: UTF8.self)
            let good = parts[2].first == UInt8(ascii: "1")
            guard line(commit, keyHash, good).utf8.elementsEqual(raw) else { continue }
            if !reserved {
                // Lines are of one length: room for as many as the file holds, not doubled as it fills
                // (at 30k cases, 9 MB of verdicts held up to twice, and copied at each doubling).
                cache.entries.reserveCapacity(bytes.count / (raw.count + 1) + 1)
                reserved = true
            }
            let key = keyIndex[keyHash] ?? {
                cache.keys.append(keyHash)
                keyIndex[keyHash] = UInt32(cache.keys.count - 1)
                return UInt32(cache.keys.count - 1)
            }()
            cache.entries.append(Entry(commit: commit, key: key, good: good))
        }
        // By commit id; of the lines for one commit, the last written counts (`sort` is stable: the
        // last of each run is kept). In place: a copy of the entries with their places, sorted, then
        // mapped and filtered, held four times the verdicts at once (36 MB at 30k cases).
        cache.entries.sort { $0.commit < $1.commit }
        var kept = 0
        for index in cache.entries.indices where index + 1 == cache.entries.count || cache.entries[index + 1].commit != cache.entries[index].commit {
            cache.entries[kept] = cache.entries[index]
            kept += 1
        }
        cache.entries.removeLast(cache.entries.count - kept)
        return cache
    }

    /// Appends the lines of `verdicts` (starting the file, or a new one over a damaged header),
    /// written a megabyte at a time: a whole history's verdicts are never one string in memory.
    ///
    /// Another folio may append at the same time (the second core's casebook, another command;
    /// verdicts are written a batch at a time as a walk learns them): the file is locked while its
    /// header and last byte are read and the lines written, and each write lands at the end the
    /// system finds (`O_APPEND`). Two writers that sought the same end wrote over each other's
    /// lines (lost, never believed: each line carries its checksum).
    static func append(_ verdicts: [NewVerdict], to path: String) {
        guard !verdicts.isEmpty else { return }
        guard FolioFolder.prepare((path as NSString).deletingLastPathComponent) else { return }
        // The file (created empty if missing), if it is a regular file (not followed through a
        // link), locked: the first of two writers writes the header, the other appends after it.
        let existing = CacheFile.open(path, flags: O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW, mode: 0o644) ?? -1
        defer { if existing >= 0 { close(existing) } }
        var info = stat()
        if existing >= 0 {
            guard flock(existing, LOCK_EX) == 0, fstat(existing, &info) == 0 else { return }
        }
        // Only the header and the last byte are read: the file may hold a whole history's verdicts.
        let expected = Array((header + "\n").utf8)
        var start = [UInt8](repeating: 0, count: expected.count)
        var last: UInt8 = 10
        let empty = existing >= 0 && info.st_size == 0
        let fresh = existing < 0 || !empty && (pread(existing, &start, start.count, 0) != start.count || start != expected)
        if !fresh, !empty { _ = pread(existing, &last, 1, off_t(info.st_size - 1)) }
        // A damaged header, or something else in the file's place: a new file, put in place once whole.
        let target = fresh ? CacheFileWriter.temporaryPath(for: path) : path
        let descriptor = fresh ? open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) : existing
        guard descriptor >= 0 else { return }
        defer { if fresh { close(descriptor) } }
        var written = true
        func write(_ text: String) {
            guard written, !text.isEmpty else { return }
            written = Array(text.utf8).withUnsafeBytes { CacheFile.writeAll(descriptor, $0) }
        }
        // A file cut in the middle of a line gets a line break first, so the next line is whole.
        var piece = fresh || empty ? header + "\n" : last == 10 ? "" : "\n"
        for verdict in verdicts {
            piece += line(verdict.commit, verdict.keyHash, verdict.good) + "\n"
            if piece.utf8.count >= 1 << 20 {
                write(piece)
                piece = ""
            }
        }
        write(piece)
        if fresh, !written || rename(target, path) != 0 { unlink(target) }
    }

    /// A verdict learnt in this run, to be written (its line is made when written).
    struct NewVerdict {
        var commit: OID
        var keyHash: String
        var good: Bool
    }
}

extension Casebook {
    /// How many signed commits are checked per parallel batch (bounds memory on long histories).
    static let signatureBatch = 2048
    static let signatureCacheThreshold = 64

    /// Whether `verdict` is a valid signature by the registered `key` (`type base64`).
    func isGood(_ verdict: CommitSignature, by key: String) -> Bool {
        guard case .signed(let hash, let good) = verdict, good else { return false }
        if let known = registeredKeyHashes[key] { return known == hash }
        guard let expected = try? SSHPublicKey(openSSH: key) else { return false }
        let expectedHash = SignatureCache.hash(expected.blob)
        registeredKeyHashes[key] = expectedHash
        return expectedHash == hash
    }

    /// `SSHKey.normalize`, once per registered key text in a run.
    func normalizedKey(_ text: String) -> String? {
        if let known = normalizedKeys[text] { return known }
        let key = SSHKey.normalize(text)
        normalizedKeys[text] = .some(key)
        return key
    }

    /// The signature of `commit`, checked with the key it carries: from this run, the cache, or now.
    func commitSignature(_ commit: OID) throws -> CommitSignature {
        if let known = signatureVerdicts[commit] { return known }
        // Not copied into `signatureVerdicts`: a whole history's verdicts would be held twice.
        if let cached = signatureCache?[commit] { return .signed(keyHash: cached.keyHash, good: cached.good) }
        if let verdict = signatureFeed?.verdict(for: commit) {
            // Asked once per commit (by `ruleSignature`): not kept, a whole history's would be 10 MB.
            record(verdict, for: commit, keeping: false)
            return verdict
        }
        let verdict = Self.check(try repository.signature(of: commit))
        record(verdict, for: commit)
        return verdict
    }

    /// The commits of `tip`'s first-parent line (without what `hiding` reaches), oldest first, with
    /// their signatures being checked ahead of the walk that reads them in that order. The walk
    /// goes through this list, found parent by parent for a whole history (`Repository.firstParentLine`:
    /// a revwalk would hold a node for every commit before yielding the first), by a revwalk for a range.
    func prepareSignatures(from tip: OID, hiding: OID?) throws -> [OID] {
        let commits = try repository.commitIDs(from: tip, hiding: hiding, firstParent: true)
        try prepareSignatures(for: commits, readingCache: hiding == nil)
        return commits
    }

    /// Checks the signatures of `commits` that are neither known in this run nor cached, in
    /// parallel, in batches (bounded memory); then saves the cache. The cache is read for a whole
    /// history, or for more than `signatureCacheThreshold` commits: a few new commits (the hook's
    /// range, a status after one step) are checked faster than the whole file is read.
    func prepareSignatures(for commits: [OID], readingCache: Bool = false) throws {
        // The list itself when nothing is known (no copy of a whole history's ids: 6 MB at 30k cases).
        let unknown = signatureVerdicts.isEmpty ? commits : commits.filter { signatureVerdicts[$0] == nil }
        guard !unknown.isEmpty else { return }
        if readingCache || unknown.count > Self.signatureCacheThreshold { loadSignatureCache() }
        // A long history's signatures are checked on a thread of their own while the walk that
        // needs them runs (the two cores no longer take turns); the walk waits for a verdict only
        // when it gets ahead. `commits` are in the order the walk reads them.
        let uncached = signatureCache?.isEmpty ?? true ? unknown : unknown.filter { signatureCache?[$0] == nil }
        if uncached.count >= signatureFeedThreshold {
            signatureFeed = SignatureFeed(commits: uncached, open: repository.reopen)
            signatureFeedsStarted += 1
            return
        }
        var batch: [(commit: OID, signature: String, data: Data)] = []
        func flush() {
            let work = batch
            var results = [CommitSignature](repeating: .unsigned, count: work.count)
            results.withUnsafeMutableBufferPointer { buffer in
                nonisolated(unsafe) let slots = buffer
                DispatchQueue.concurrentPerform(iterations: work.count) { i in
                    slots[i] = Self.check((work[i].signature, work[i].data))
                }
            }
            for (item, verdict) in zip(work, results) { record(verdict, for: item.commit) }
            batch.removeAll(keepingCapacity: true)
        }
        for commit in unknown {
            // A cached verdict is read from the cache when asked (`commitSignature`), not copied.
            if signatureCache?[commit] != nil { continue }
            guard let signed = try repository.signature(of: commit) else {
                signatureVerdicts[commit] = .unsigned
                continue
            }
            batch.append((commit, signed.signature, signed.signedData))
            if batch.count >= Self.signatureBatch { flush() }
        }
        if !batch.isEmpty { flush() }
        saveSignatureCache()
    }

    /// Writes the verdicts this run learnt (no effect when the cache is off).
    func saveSignatureCache() {
        // The hook writes no verdicts either: a refused push must not grow the server's cache.
        guard usesCache, trustsSignatureCache, !newSignatures.isEmpty else { return }
        SignatureCache.append(newSignatures, to: SignatureCache.file(repository))
        newSignatures.removeAll()
        signatureCacheWrites += 1
    }

    private func loadSignatureCache() {
        guard signatureCache == nil else { return }
        // The shared repository's hook judges a push on the signatures themselves: the cache is a
        // file that whoever can write the repository's folder could forge. So does the cross-check
        // through ssh-keygen (FOLIO_FIRMAS=ssh-keygen), which must not inherit in-process verdicts.
        let trusted = usesCache && trustsSignatureCache && !SSHVerifier.usesKeygen
        signatureCache = trusted ? SignatureCache.load(SignatureCache.file(repository)) : SignatureCache()
    }

    private func record(_ verdict: CommitSignature, for commit: OID, keeping: Bool = true) {
        guard case .signed(let keyHash, let good) = verdict else {
            if keeping { signatureVerdicts[commit] = verdict }
            return
        }
        // A history has a few keys: each hash is kept once, not once per commit.
        let shared = keyHashes[keyHash] ?? keyHash
        keyHashes[keyHash] = shared
        if keeping { signatureVerdicts[commit] = .signed(keyHash: shared, good: good) }
        // Lines only for a cache that will be written (not in a cold run, nor in the hook).
        // Written as they come, a batch at a time: a first status's whole history of verdicts was
        // 25 MB at 30k cases when held to the end. (A verdict is a fact of the commit's bytes,
        // whatever the command then finds.)
        if usesCache, trustsSignatureCache {
            newSignatures.append(.init(commit: commit, keyHash: shared, good: good))
            if newSignatures.count >= signatureFlushCount { saveSignatureCache() }
        }
    }

    /// The verdict on one extracted signature (thread-safe: pure).
    static func check(_ signed: (signature: String, signedData: Data)?) -> CommitSignature {
        guard let signed else { return .unsigned }
        if SSHVerifier.usesKeygen { return .unsupported }
        guard let signature = try? SSHSignature(armored: signed.signature) else { return .signed(keyHash: "-", good: false) }
        let keyHash = SignatureCache.hash(signature.publicKey.blob)
        guard signature.namespace == "git" else { return .signed(keyHash: keyHash, good: false) }
        do {
            try SSHSignatureVerifier.checkSelfConsistent(signature, message: signed.signedData)
            return .signed(keyHash: keyHash, good: true)
        } catch SSHSignatureError.unsupportedKey {
            return .unsupported
        } catch {
            return .signed(keyHash: keyHash, good: false)
        }
    }
}

/// The signatures of a long list of commits, checked in order on a thread of their own
/// (`OrderedFeed`) while the walk reads the same commits; `verdict(for:)` waits until the thread
/// has reached the commit asked. The thread opens the repository as the walk's was opened (in a
/// hook, from git's environment, which names the pushed objects in quarantine); a thread that
/// cannot read it gives no verdicts, and each is then checked on the walk's thread.
final class SignatureFeed: Sendable {
    /// The list, which the thread reads too.
    private let commits: [OID]
    /// The places in the list, sorted by the commit at each (then by place) for a binary search:
    /// four bytes a commit beside the list the thread holds anyway (at 30k cases, 1.2 MB, where
    /// each place with its id was 7.5 MB, and as much again while sorted).
    private let order: [Int32]
    /// Each verdict as a number (`KeyTable.code`; 8 bytes a slot): a whole history's verdicts wait
    /// in the feed until the walk takes them, and as `CommitSignature`s they took 24 bytes each
    /// (at 30k cases, 7.5 MB of the first status's peak; now 2.5 MB).
    private let feed: OrderedFeed<UInt32>
    private let keys: KeyTable

    /// The thread's repository is `open`'s (the walk's, opened again as it was: `Repository.reopen`).
    init(commits: [OID], open: @escaping @Sendable () -> Repository?) {
        self.commits = commits
        order = (0..<Int32(commits.count)).sorted { (commits[Int($0)], $0) < (commits[Int($1)], $1) }
        let keys = KeyTable()
        self.keys = keys
        feed = OrderedFeed(count: commits.count, open: open) { repository in
            { index in
                guard let verdict = (try? repository?.signature(of: commits[index])).map({ Casebook.check($0) }) else { return nil }
                return keys.code(verdict)
            }
        }
    }

    /// The thread stops with the walk that needed it.
    deinit { feed.stop() }

    /// Whether every signature of the list has been checked (`waiting`: once it has).
    func isComplete(waiting: Bool = false) -> Bool { feed.isComplete(waiting: waiting) }

    /// The verdict on `commit`'s signature once the thread has checked it (handed over once);
    /// nil for a commit not in the list, or one the thread could not read.
    func verdict(for commit: OID) -> CommitSignature? {
        // The first place of `commit` (a list naming a commit twice is answered at its first).
        var low = 0, high = order.count
        while low < high {
            let middle = (low + high) / 2
            if commits[Int(order[middle])] < commit { low = middle + 1 } else { high = middle }
        }
        guard low < order.count, commits[Int(order[low])] == commit else { return nil }
        return feed.take(Int(order[low])).map(keys.verdict)
    }
}

/// The keys of a signature thread's verdicts, each verdict written as a number: 0 unsigned,
/// 1 a key swift-crypto cannot load, 2 + 2k a bad signature by key k, 3 + 2k a good one. A
/// history has a few keys: each key's hash is held once. Written by the thread, read by the walk.
final class KeyTable: @unchecked Sendable {
    private var hashes: [String] = []
    private var places: [String: UInt32] = [:]
    private let lock = NSLock()

    func code(_ verdict: CommitSignature) -> UInt32 {
        switch verdict {
        case .unsigned: return 0
        case .unsupported: return 1
        case .signed(let hash, let good):
            lock.lock()
            defer { lock.unlock() }
            let place = places[hash] ?? {
                hashes.append(hash)
                places[hash] = UInt32(hashes.count - 1)
                return UInt32(hashes.count - 1)
            }()
            return 2 + 2 * place + (good ? 1 : 0)
        }
    }

    func verdict(_ code: UInt32) -> CommitSignature {
        switch code {
        case 0: return .unsigned
        case 1: return .unsupported
        default:
            lock.lock()
            defer { lock.unlock() }
            return .signed(keyHash: hashes[Int((code - 2) / 2)], good: code % 2 == 1)
        }
    }
}
