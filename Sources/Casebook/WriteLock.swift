import Foundation
import GitStore

/// folio's lock around everything that writes to a clone: reading HEAD, building the tree,
/// committing, moving the branch and writing the index happen under it, so two folio processes
/// in one clone never build a tree from an index the other is about to replace.
///
/// The lock is `.git/folio/escritura.lock`, created with `O_EXCL` and holding the owner's PID,
/// host and start time. A process that finds it waits and retries with backoff. A lock whose
/// owner no longer exists (same host, `kill(pid, 0)` answers ESRCH) was left by a folio that was
/// killed: it is removed, and so are the `index.lock` and branch `.lock` files created after it
/// (the dead process's own, half-way through its write); the index is then reset to HEAD, keeping
/// the work tree, in case it died between moving the branch and writing the index.
struct WriteLock {
    let path: String
    let repository: Repository

    init(repository: Repository) {
        self.repository = repository
        path = repository.gitdir + "folio/escritura.lock"
    }

    /// Runs `body` holding the lock; waits up to `timeout` seconds for another folio to finish.
    func run<T>(timeout: TimeInterval = 60, _ body: () throws -> T) throws -> T {
        if mkdir(repository.gitdir + "folio", 0o755) != 0, errno != EEXIST {
            throw CasebookError.git("no se pudo escribir en \(repository.gitdir): \(SystemError.explain(errno))")
        }
        try? FileManager.default.createDirectory(atPath: repository.gitdir + "folio/tmp", withIntermediateDirectories: true)
        let deadline = Date().addingTimeInterval(timeout)
        var wait = 0.005
        while true {
            let fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0o644)
            if fd >= 0 {
                let text = "\(getpid()) \(Self.host) \(Int(Date().timeIntervalSince1970))\n"
                _ = text.withCString { write(fd, $0, strlen($0)) }
                close(fd)
                defer { unlink(path) }
                return try body()
            }
            guard errno == EEXIST else {
                throw CasebookError.git("no se pudo crear \(path): \(SystemError.explain(errno))")
            }
            if try recoverIfStale() { continue }
            guard Date() < deadline else { throw CasebookError.busy(owner: owner ?? "otro proceso") }
            Thread.sleep(forTimeInterval: wait * Double.random(in: 0.5...1.5))
            wait = min(wait * 2, 0.25)
        }
    }

    static let host: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        return String(cString: buffer)
    }()

    /// "PID en HOST desde FECHA" of the current owner, for messages.
    var owner: String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let parts = text.split(separator: " ")
        return parts.count >= 2 ? "el proceso \(parts[0]) en \(parts[1])" : nil
    }

    /// Removes a lock left by a dead folio process (and what it left half-written); true if it did.
    func recoverIfStale() throws -> Bool {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return false }
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        // A lock being written has no content yet: give its owner a moment.
        guard parts.count == 3, let pid = pid_t(parts[0]), let since = Double(parts[2]) else {
            let age = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date).map { Date().timeIntervalSince($0) } ?? 0
            if age > 5 { unlink(path); return true }
            return false
        }
        guard parts[1] == Self.host[...], kill(pid, 0) != 0, errno == ESRCH else { return false }
        // Take the stale lock aside first, so that two processes do not both clean up.
        let aside = path + ".muerto.\(getpid())"
        guard rename(path, aside) == 0 else { return false }
        defer { unlink(aside) }
        for lock in [repository.gitdir + "index.lock"] + branchLocks() {
            if let created = try? FileManager.default.attributesOfItem(atPath: lock)[.modificationDate] as? Date,
               created.timeIntervalSince1970 >= since - 1 {
                unlink(lock)
            }
        }
        try? repository.resetIndexToHead()
        return true
    }

    private func branchLocks() -> [String] {
        let heads = repository.gitdir + "refs/heads"
        let names = (FileManager.default.enumerator(atPath: heads)?.allObjects as? [String]) ?? []
        return names.filter { $0.hasSuffix(".lock") }.map { "\(heads)/\($0)" }
    }
}

extension Casebook {
    /// Runs a write under the clone's write lock, retrying when another writer (a plain git
    /// commit, a lock held by git) got in between.
    func writing<T>(_ body: () throws -> T) throws -> T {
        try WriteLock(repository: repository).run {
            var attempt = 0
            while true {
                do {
                    return try body()
                } catch let error as CasebookError where error.isRetryable && attempt < 8 {
                    attempt += 1
                    Thread.sleep(forTimeInterval: 0.01 * Double(1 << min(attempt, 5)) * Double.random(in: 0.5...1.5))
                } catch let error as GitError where error.isLocked && attempt < 8 {
                    attempt += 1
                    Thread.sleep(forTimeInterval: 0.01 * Double(1 << min(attempt, 5)) * Double.random(in: 0.5...1.5))
                }
            }
        }
    }
}

extension CasebookError {
    var isRetryable: Bool {
        if case .concurrentUpdate = self { return true }
        return false
    }
}

/// The writing operations, each under the write lock (see `WriteLock`).
extension Casebook {
    /// Opens an expediente: writes `cases/<AAAA>/<ID>/expediente.md` and records step 01 (or, for
    /// the monthly procedures, an opening commit without `Paso`).
    public func openCase(_ request: NewCaseRequest) throws -> RecordedCommit {
        try writing { try openCaseLocked(request) }
    }

    /// Records the next step of an expediente, as the manual allows it now.
    public func recordStep(_ request: StepRequest) throws -> RecordedCommit {
        try writing { try recordStepLocked(request) }
    }

    /// Commits the pending edits of an expediente without advancing its procedure; with
    /// `archive`, incorporates documents into its index first (`folio attach`).
    public func recordNote(caseID: String, persona: String?, text: String, archive: ArchiveRequest? = nil,
                           dependency: String? = nil) throws -> RecordedCommit {
        try writing { try recordNoteLocked(caseID: caseID, persona: persona, text: text, archive: archive, dependency: dependency) }
    }

    /// Adds a persona to `roles.yaml` in a commit authored by `actor`, who must be a jefe.
    @discardableResult
    public func addPersona(_ persona: Persona, actor: String?) throws -> OID {
        try writing { try addPersonaLocked(persona, actor: actor) }
    }

    /// Removes a persona from `roles.yaml`, in a commit by a jefe.
    @discardableResult
    public func removePersona(_ persona: String, actor: String?) throws -> OID {
        try writing { try removePersonaLocked(persona, actor: actor) }
    }

    /// Registers (or, with nil, removes) a persona's SSH public key, in a commit by a jefe.
    @discardableResult
    public func setKey(_ key: String?, for persona: String, actor: String?) throws -> OID {
        try writing { try setKeyLocked(key, for: persona, actor: actor) }
    }

    /// Fetches, replays the local steps on the shared history, verifies and pushes (see `syncLocked`).
    public func sync(remote: String = "origin", dropLocal: Bool = false) throws -> SyncResult {
        try writing { try syncLocked(remote: remote, dropLocal: dropLocal) }
    }
}
