import Foundation
import GitStore

import Procedures
/// folio's lock around everything that writes to a clone: reading HEAD, building the tree,
/// committing, moving the branch and writing the index happen under it, so two folio processes
/// in one clone never build a tree from an index the other is about to replace.
///
/// The lock is `.git/folio/escritura.lock`, created with `O_EXCL` and holding the owner's PID,
/// host and start time. A process that finds it waits and retries with backoff. Only a writer
/// recovers a lock, and only one it can prove dead: same host, and `kill(pid, 0)` answers ESRCH.
/// It then removes what it can prove that process left: an `index.lock` or branch `.lock`
/// created after the lock and held open by no living process (checked in `/proc`), and, when
/// HEAD is a commit the dead process made but the index was never written, the index entries
/// of that commit's files that still hold their previous version. Nothing anyone staged is
/// touched. A lock of another host or a living process is reported (host, PID, age) and broken
/// only by a jefe with `folio unlock`.
struct WriteLock {
    let path: String
    let repository: Repository

    init(repository: Repository) {
        self.repository = repository
        path = repository.gitdir + "folio/escritura.lock"
    }

    /// Runs `body` holding the lock; waits up to `timeout` seconds for another folio to finish.
    /// `waiting` is told once, after a second, who holds the lock (a person waiting on a silent
    /// command for a minute took it for hung).
    func run<T>(timeout: TimeInterval = 60, waiting: ((Holder?) -> Void)? = nil, _ body: () throws -> T) throws -> T {
        // The lock and a step's scratch files only in real folders, never through a link.
        try FolioFolder.require(repository, "tmp")
        let start = Date()
        let deadline = start.addingTimeInterval(timeout)
        var told = false
        var wait = 0.005
        while true {
            let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0o644)
            if fd >= 0 {
                let text = "\(getpid()) \(Self.host) \(Int(Date().timeIntervalSince1970))\n"
                _ = text.withCString { write(fd, $0, strlen($0)) }
                close(fd)
                defer { unlink(path) }
                sweepScratch()
                return try body()
            }
            guard errno == EEXIST else {
                throw CasebookError.fileSystem(path: path, action: "crear", reason: SystemError.explain(errno))
            }
            // A folder, a link (even one to nowhere) or a FIFO in the lock's place is no lock of a
            // folio: waiting would not end it (a folder is never removed as stale, and a writer looped).
            try refuseForeignLock()
            if try recoverIfStale() != nil { continue }
            guard Date() < deadline else { throw CasebookError.busy(owner: holder?.description ?? "otro proceso") }
            if !told, Date().timeIntervalSince(start) >= 1 {
                told = true
                waiting?(holder)
            }
            Thread.sleep(forTimeInterval: wait * Double.random(in: 0.5...1.5))
            wait = min(wait * 2, 0.25)
        }
    }

    /// Refuses when what is at the lock's path is not a regular file (see `run`).
    func refuseForeignLock() throws {
        guard let (type, words) = FolioFolder.kind(at: path), type != S_IFREG else { return }
        throw CasebookError.invalidFile(file: path, reason: "en el lugar del bloqueo de escritura de folio hay \(words), no el archivo que folio crea",
                                        fix: type == S_IFDIR ? "Quítela (rm -r \(SafeText.shellWord(path))) si ningún folio está escribiendo en este clon, y vuelva a intentarlo."
                                            : "Un jefe lo quita con 'folio unlock --as JEFE' (o a mano: rm \(SafeText.shellWord(path))), y vuelva a intentarlo.")
    }

    /// Removes from `.git/folio/tmp` the files of writers that are gone (a folio killed while it
    /// wrote a document leaves its temporary file there: `<pid>-<uuid>`): those whose process no
    /// longer exists. Run holding the lock, so no other writer of this clone is at work.
    func sweepScratch() {
        let scratch = repository.gitdir + "folio/tmp"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: scratch) else { return }
        for name in names {
            guard let dash = name.firstIndex(of: "-"), let pid = pid_t(name[..<dash]), pid > 0, pid != getpid(),
                  kill(pid, 0) != 0, errno == ESRCH else { continue }
            unlink(scratch + "/" + name)
        }
    }

    static let host: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    /// Who holds the lock, as its file says.
    struct Holder: CustomStringConvertible {
        var pid: pid_t
        var host: String
        var since: Date

        var sameHost: Bool { host == WriteLock.host }
        var alive: Bool { sameHost && (kill(pid, 0) == 0 || errno != ESRCH) }

        var description: String {
            let minutes = Int(Date().timeIntervalSince(since) / 60)
            let age = minutes < 1 ? "hace menos de un minuto" : minutes < 120 ? "hace \(minutes) min" : "hace \(minutes / 60) h"
            let state = !sameHost ? "otro equipo: folio no puede saber si sigue vivo"
                : alive ? "ese proceso sigue en marcha" : "ese proceso ya terminó"
            return "proceso \(pid) en \(host), tomado \(age); \(state)"
        }
    }

    var holder: Holder? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard parts.count == 3, let pid = pid_t(parts[0]), let since = Double(parts[2]) else { return nil }
        return Holder(pid: pid, host: String(parts[1]), since: Date(timeIntervalSince1970: since))
    }

    /// Removes a lock left by a dead folio process and what it provably left half-done; returns
    /// what it did (nil when the lock is not provably stale).
    func recoverIfStale() throws -> [String]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let holder else {
            // A lock being written has no content yet: give its owner a moment.
            let age = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date).map { Date().timeIntervalSince($0) } ?? 0
            if age > 5, unlink(path) == 0 { return ["quitó un bloqueo vacío o ilegible de hace \(Int(age)) s"] }
            return nil
        }
        guard holder.sameHost, !holder.alive else { return nil }
        // Take the stale lock aside first, so that two processes do not both clean up.
        let aside = path + ".muerto.\(getpid())"
        guard rename(path, aside) == 0 else { return nil }
        defer { unlink(aside) }
        return ["quitó el bloqueo del proceso \(holder.pid), que ya no existe"] + (try cleanUp(after: holder))
    }

    /// What the dead `holder` provably left: lock files it created that no process holds open,
    /// and index entries of its last commit that were never updated.
    func cleanUp(after holder: Holder) throws -> [String] {
        var done: [String] = []
        let openFiles = Self.filesOpenByLivingProcesses()
        for lock in [repository.gitdir + "index.lock"] + branchLocks() {
            guard let created = try? FileManager.default.attributesOfItem(atPath: lock)[.modificationDate] as? Date,
                  created.timeIntervalSince1970 >= holder.since.timeIntervalSince1970 - 1 else { continue }
            guard let openFiles, !openFiles.contains(lock) else { continue }
            unlink(lock)
            done.append("quitó \(lock.dropFirst(repository.gitdir.count)), que dejó ese proceso")
        }
        // Died after moving the branch and before writing the index: the index still holds the
        // previous version of exactly the files that commit changed.
        if let head = try repository.headCommit(), branchMoved(since: holder.since) {
            let commit = try repository.commit(head)
            if commit.message.contains("\(TrailerKey.role):") {
                let parent = commit.parents.first
                var paths = Set(try repository.addedOrChangedFiles(from: parent, to: head).map(\.path))
                if let parent { paths.formUnion(try repository.addedOrChangedFiles(from: head, to: parent).map(\.path)) }
                let fixed = try repository.advanceIndexEntries(paths: paths.sorted(), from: parent, to: head)
                if !fixed.isEmpty { done.append("puso en el índice la versión registrada de \(fixed.count) archivo(s) del último commit") }
            }
        }
        return done
    }

    /// Every file a living process holds open (from `/proc/*/fd`); nil where `/proc` is missing,
    /// so that nothing is removed without that proof. Processes of other system users cannot be
    /// inspected; a clone is written by one user, whose git and folio processes are all seen.
    static func filesOpenByLivingProcesses() -> Set<String>? {
        guard let pids = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        var files = Set<String>()
        for pid in pids where pid.allSatisfy(\.isNumber) {
            for fd in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? [] {
                if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)") { files.insert(target) }
            }
        }
        return files
    }

    /// Whether the current branch's ref file was written after `since` (by the lock's holder).
    private func branchMoved(since: Date) -> Bool {
        guard let head = try? String(contentsOfFile: repository.gitdir + "HEAD", encoding: .utf8), head.hasPrefix("ref: ") else { return false }
        let ref = repository.gitdir + head.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let moved = try? FileManager.default.attributesOfItem(atPath: ref)[.modificationDate] as? Date else { return false }
        return moved.timeIntervalSince1970 >= since.timeIntervalSince1970 - 1
    }

    private func branchLocks() -> [String] {
        let heads = repository.gitdir + "refs/heads"
        return FolderWalk(heads).filter { !$0.isFolder && $0.relative.hasSuffix(".lock") }.map { "\(heads)/\($0.relative)" }
    }
}

extension Casebook {
    /// Breaks the clone's write lock on a jefe's explicit order (`folio unlock --as JEFE`):
    /// a lock of another host or of a living process, which folio never removes on its own.
    /// Returns, in Spanish, what it did.
    public func unlock(actor: String?) throws -> [String] {
        let jefe = try persona(actor, in: try roster(at: try head()))
        guard jefe.holds(.jefe) else { throw CasebookError.notJefe(persona: jefe.id, action: "quitar el bloqueo de escritura") }
        let lock = WriteLock(repository: repository)
        // Never through a link in the folder's place (a lock outside this clone is not its lock).
        let folder = FolioFolder.path(repository)
        if let found = FolioFolder.intruder(at: folder) { throw CasebookError.folioFolderNotOwn(folder, found: found) }
        guard let (type, words) = FolioFolder.kind(at: lock.path) else { return ["No hay bloqueo de escritura de folio en este clon."] }
        guard type == S_IFREG else {
            // A link (even to nowhere) or a FIFO in the lock's place: the name is removed, never what it names.
            guard type != S_IFDIR else { try lock.refuseForeignLock(); return [] }
            guard unlink(lock.path) == 0 else { throw CasebookError.fileSystem(path: lock.path, action: "quitar", reason: SystemError.explain(errno)) }
            return ["\(jefe.id) quitó \(words) que estaba en el lugar del bloqueo de escritura (\(lock.path))."]
        }
        let holder = lock.holder
        guard unlink(lock.path) == 0 else { throw CasebookError.fileSystem(path: lock.path, action: "quitar", reason: SystemError.explain(errno)) }
        var done = ["\(jefe.id) quitó el bloqueo de escritura (\(holder?.description ?? "archivo ilegible")) de \(lock.path)."]
        if let holder, holder.sameHost, !holder.alive { done += try lock.cleanUp(after: holder) }
        for left in [repository.gitdir + "index.lock"] where FileManager.default.fileExists(atPath: left) {
            done.append("Queda \(left): si ningún git ni folio está trabajando en este clon, bórrelo a mano; folio no lo toca "
                        + "porque no puede probar de quién es.")
        }
        if holder.map({ $0.sameHost && $0.alive }) == true {
            done.append("El proceso \(holder!.pid) sigue en marcha: si es un folio, puede terminar su registro; revise 'git status' después.")
        }
        return done
    }
}

extension Casebook {
    /// Runs a write under the clone's write lock, retrying when another writer (a plain git
    /// commit, a lock held by git) got in between.
    /// The one door to every change of the repository: a casebook opened to read is refused here.
    func writing<T>(_ body: () throws -> T) throws -> T {
        guard access == .write else { throw CasebookError.readOnly(repository.workdir ?? repository.gitdir) }
        // git with another index and folio with the repository's own would each miss the other's work.
        if let other = repository.foreignIndexFile(in: ProcessInfo.processInfo.environment) {
            throw CasebookError.foreignIndexFile(other, own: repository.gitdir + "index")
        }
        do {
            return try locked(body)
        } catch let error as GitError where error.unreadableIndexExtension != nil {
            repository.forgetIndex()
            throw CasebookError.unreadableIndex(repository.gitdir + "index", extension: error.unreadableIndexExtension!)
        }
    }

    /// `body` under the write lock, again while another writer got in between (`writing`).
    private func locked<T>(_ body: () throws -> T) throws -> T {
        let timeout = lockTimeout
        return try WriteLock(repository: repository).run(timeout: timeout, waiting: lockWaitNotice.map { tell in { holder in
            tell("otro folio está escribiendo en este clon (\(holder?.description ?? "otro proceso")); se espera a que termine, "
                 + "hasta \(Int(timeout)) s.")
        } }) {
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
        if case .indexLocked = self { return true }
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
    /// `archive`, incorporates documents into its index first (`folio attach`). Without `text`,
    /// the note says which documents it incorporated, by the names they are stored under and
    /// their folios (`plano-v2.pdf` when `plano.pdf` was taken), and the folio they replace.
    public func recordNote(caseID: String, persona: String?, text: String?, archive: ArchiveRequest? = nil,
                           dependency: String? = nil) throws -> RecordedCommit {
        try writing { try recordNoteLocked(caseID: caseID, persona: persona, text: text, archive: archive, dependency: dependency) }
    }

    /// Adds a persona to `roles.yaml` in a commit authored by `actor`, who must be a jefe.
    @discardableResult
    public func addPersona(_ persona: Persona, actor: String?) throws -> OID {
        try writing { try addPersonaLocked(persona, actor: actor) }
    }

    /// Removes a persona from `roles.yaml`, in a commit by a jefe (never the last jefe).
    @discardableResult
    public func removePersona(_ persona: String, actor: String?) throws -> OID {
        try writing { try changePersonaLocked(persona, roles: nil, dependency: nil, actor: actor) }
    }

    /// Gives a persona exactly `roles` (and, for external contacts, `dependency`), in a commit by a jefe.
    @discardableResult
    public func setRoles(_ roles: [Role], dependency: String? = nil, of persona: String, actor: String?) throws -> OID {
        try writing { try changePersonaLocked(persona, roles: roles, dependency: dependency, actor: actor) }
    }

    /// Registers (or, with nil, removes) a persona's SSH public key, in a commit by a jefe.
    @discardableResult
    public func setKey(_ key: String?, for persona: String, actor: String?) throws -> OID {
        try writing { try setKeyLocked(key, for: persona, actor: actor) }
    }

    /// Fetches, replays the local steps on the shared history, verifies and pushes (see `syncLocked`).
    public func sync(remote: String = "origin", dropLocal: Bool = false) throws -> SyncResult {
        try writing {
            let result = try syncLocked(remote: remote, dropLocal: dropLocal)
            trackShared(remote: remote)
            return result
        }
    }
}
