import Foundation
import GitStore
import Procedures

#if os(Linux)
/// glibc's `malloc_trim` (declared in `malloc.h`, which the Glibc module does not export), found
/// at run time and called as the C function it is.
private let mallocTrim: (@convention(c) (Int) -> Int32)? = {
    guard let symbol = dlsym(nil, "malloc_trim") else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
}()

/// Allocations of 64 KB and more are mappings of their own, given back to the system when freed
/// (glibc's `mallopt(M_MMAP_THRESHOLD)`, found as `malloc_trim` is). glibc raises that threshold to
/// the size of each large block freed, up to 32 MB, and from then on serves such blocks from the
/// heap, where what is freed stays resident: a walk grows and drops arrays and dictionaries of
/// megabytes. Measured at 30k cases: full verify 259 → 238 MB, the first status 216 → 202 MB, cold
/// status under 200 MB; the full verify at 30k about a tenth slower (each year folder's tree read
/// is a mapping of its own), at 10k within the noise (BENCHMARKS.md).
private let allocatorSet: Void = { setMmapThreshold(64 << 10) }()

private func setMmapThreshold(_ bytes: Int32) {
    guard let symbol = dlsym(nil, "mallopt") else { return }
    let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
    _ = mallopt(-3 /* M_MMAP_THRESHOLD */, bytes)
}
#endif

/// A case repository: expedientes on disk, roles, procedures, and everything derived from history.
///
/// Authority is read from committed history only (`roles.yaml` and `schemas/` at HEAD, or at a
/// step's parent when verifying), never from uncommitted edits. Not `Sendable`: it owns a
/// `Repository`.
public final class Casebook {
    public let repository: Repository
    /// The work tree's root.
    public let root: String
    public var clock: Clock
    /// Roster, schemas, register and settings of any commit, cached by blob id (read side).
    let configuration: CommittedConfiguration
    /// From the history cache: whether a step commit counts (see `validator`).
    var authorizationCache: [OID: Bool] = [:]
    /// The configuration in force after some commits of the case being derived or checked (its
    /// steps and their first parents), as the walk of `forEachCase` or of `verify` found it
    /// (`takeWalkedConfiguration`), read before the ledger (`configurationSource(after:)`): each
    /// step's roster among it, so that `checkRecord` does not read each parent's commit and root
    /// tree again.
    var walkedSources: [OID: OID] = [:]
    /// Whether the checks of a case take the walk's answers (tests turn it off to compare); how
    /// many answers they took, and how many steps' rosters came from them (tests).
    var takesWalkedConfiguration = true
    var sourcesFromTheWalk = 0
    /// Which configuration is in force after each commit asked (`configurationSource(after:)`),
    /// and the newest commit the last question went through, with its top-level entries.
    var configurationLedger: ConfigurationLedger?
    var lastLink: (id: OID, entries: [UInt8])?
    /// The commits whose change of configuration is being judged (`configurationChangeCounts`).
    var judgingConfiguration: Set<OID> = []
    var rostersFromTheWalk = 0
    /// Commits of the cases read by the last `status`, `log`, `due` or `inbox` that broke a rule of
    /// verify and were left out (the commands say so and point to `folio verify`).
    public internal(set) var omittedCommits = 0
    /// Reception stamps that verify, by commit (read once per run), and those that do not.
    var stampsCache: [OID: Date]?
    var badStamps: Set<OID> = []
    /// Whether a commit broke a rule of `commitRules`, as judged in this run: by `judgeCommits`
    /// ahead of status's replay, by verify's walk for the case being checked.
    var commitRuleErrors: [OID: Bool] = [:]
    /// Commit signatures checked in this run, the signature cache as read, and what to add to it.
    var signatureVerdicts: [OID: CommitSignature] = [:]
    var signatureCache: SignatureCache?
    /// Each step's case folder and routing slip blob as verify's walk saw them (`walkedSlip`), for
    /// the case being checked.
    var slipsSeen: [OID: (path: String, blob: OID?)] = [:]
    /// The last answer of `casePath`: verify's walk and the commit's rules ask it twice per commit.
    var lastCasePath: (id: String, commit: OID, path: String?)?
    /// The memo of the index as the last check found it clean (its tree HEAD's), for the commit
    /// after the check (`commit(paths:...)`).
    private var cleanIndex: IndexTreeMemo?
    /// What `stagedState()` last found: the staged paths and the index's memo, for HEAD's tree then.
    private var stagedSeen: (paths: [String], memo: IndexTreeMemo?, head: OID?)?
    /// `countedData` of a monthly case at a commit ("ID@commit"), for the earlier months a report
    /// or a review compares with.
    var countedMonths: [String: [String: OID]?] = [:]
    /// Each commit's place on the first-parent line up to a tip (`linePosition`): which of two
    /// commits of the line came first, without a walk per question.
    var lineIndex: (tip: OID, positions: [OID: Int])?
    /// The last version of each case's `expediente.md` whose `dependencias_esperadas` a commit's
    /// rules read without the content check's reading (`expectedList(_:blob:)`), with its list.
    var expectedListsSeen: [String: (blob: OID, list: ExpectedList)] = [:]
    /// `foreignListChange` by case id and HEAD, found or not (status asks it for a case more than once).
    var foreignListChanges: [String: ForeignListChange?] = [:]
    /// Signatures being checked beside the walk (`prepareSignatures`), and from how many of them.
    var signatureFeed: SignatureFeed?
    /// How many times this run checked signatures on a thread of their own (the feed itself is let
    /// go once the walk has its verdicts).
    var signatureFeedsStarted = 0
    var signatureFeedThreshold = 4096
    /// How long a line must be for its later half to be walked on the second core (when no thread
    /// checks signatures beside the walk), and how many times this run's walks did so.
    var splitWalkThreshold = 8192
    var halvesWalkedBeside = 0
    /// Tests: the second core's walk fails, and this casebook walks the rest after its own.
    var walksBesideFail = false
    /// While a thread checks signatures beside a long walk, how often (in commits) the walk looks
    /// whether it has checked them all, to hand half of what is left to the second core
    /// (`walk(_:reading:)`); `restSplitWaits` (tests) makes the first look wait for the thread, so
    /// that the rest is split at a known place.
    var restSplitEvery = 1024
    var restSplitWaits = false
    /// How many times this run's walks handed the rest of a line to the second core so.
    var restsWalkedBeside = 0
    /// Each signing key's hash, kept once for every verdict that names it.
    var keyHashes: [String: String] = [:]
    /// False for the shared repository's hook (`folio receive`): every signature of a push is
    /// checked, and no verdict is read from or written to `.git/folio/firmas.cache`.
    public var trustsSignatureCache = true
    var newSignatures: [SignatureCache.NewVerdict] = []
    /// How many new verdicts are held before they are written to the signature cache.
    var signatureFlushCount = Casebook.signatureBatch * 8
    /// How many times this run wrote verdicts to the signature cache.
    var signatureCacheWrites = 0
    /// SHA-256 of the key blob of each registered key seen, by its `type base64` text.
    var registeredKeyHashes: [String: String] = [:]
    var normalizedKeys: [String: String?] = [:]
    /// From the history cache: status fields of `expediente.md` blobs.
    var fieldsCache: [OID: HistoryCache.CaseFields] = [:]
    /// The fields this casebook read since the caller last emptied it (nil: not kept), for a second
    /// casebook to hand back what it learnt (`forEachCase`).
    var fieldsLearnt: [OID: HistoryCache.CaseFields]?
    /// How long a write waits for another folio's lock before giving up (seconds), and what is told
    /// the person when it has waited a second (the command line prints it on stderr).
    public var lockTimeout: TimeInterval = 60
    public var lockWaitNotice: (@Sendable (String) -> Void)?
    /// Blobs already read for damaged content in this run, by what they were read as and their id,
    /// with what is wrong (`ContentMemo`): every commit that adds or changes one is reported.
    var contentMemo = ContentMemo()
    /// Each case folder's archive index as the last commit `ruleArchive` judged left it, and the
    /// indexes parsed for the commit being judged (by the content check), by blob: each index is
    /// parsed once.
    var archiveSeen: [String: (index: OID, documents: [ArchivedDocument])] = [:]
    var indexesParsed: [OID: [ArchivedDocument]] = [:]
    /// The case folders holding an archive index at `archiveChain`, the last commit `ruleArchive`
    /// judged, while it has judged every commit of the line from the root (nil: not known).
    var foldersWithIndex: Set<String> = []
    var archiveChain: OID?
    /// Each folio's entry as first archived, by the commit and case folder asked about (`firstArchived`).
    var firstEntries: [String: [Int: ArchivedDocument]] = [:]
    /// Cases whose status could not be derived because the repository could not be read (a libgit2
    /// error, which may pass): the case indexes keep no summary of them for later runs.
    var unreadCases: Set<String> = []
    /// The cases the last `statusOfAll` (and so `pending`) found damaged, for commands to report.
    public internal(set) var damagedCases: [CaseStatus] = []
    /// Repository files (`roles.yaml`, `folio.yaml`) a reading command could not read; it went on without them.
    public internal(set) var damagedFiles: [CaseDamage] = []
    /// The files of the work tree this run's answer read (a round's `expediente.md`, whose expected
    /// dependencies are read as they are being edited), with their stamp when read (`fileStamp`):
    /// the output cache keeps them, and its copy holds only while each stamp does.
    public internal(set) var workTreeFiles: [String: String] = [:]

    /// The change time, size and inode of a file of the work tree (`path` relative to its root), or
    /// "ninguno" when there is none.
    func fileStamp(_ path: String) -> String {
        var info = stat()
        guard stat("\(root)/\(path)", &info) == 0 else { return "ninguno" }
        return "\(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec).\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec).\(info.st_size).\(info.st_ino)"
    }
    private var cachedHistory: (tip: OID, history: History)?
    /// The records of a few cases up to a tip, as the last walk that kept only those read them.
    private var partialHistory: (tip: OID, ids: Set<String>, history: History)?
    /// Whether this run holds a whole history's records (tests: a step holds its case's only).
    var holdsWholeHistory: Bool { cachedHistory != nil }
    /// Whether this run learnt something the history cache does not hold yet.
    var cacheChanged = false
    /// Set to false to ignore the cache (a cold replay, for tests and benchmarks). Never true
    /// when `.git/folio` is not a real folder (a link to elsewhere, a file: `FolioFolder`): no cache
    /// is then read or written, whatever is set.
    public var usesCache: Bool {
        get { cachesWanted && ownFolder }
        set { cachesWanted = newValue }
    }
    private var cachesWanted = ProcessInfo.processInfo.environment["FOLIO_SIN_CACHE"] == nil
    /// Whether `.git/folio` was a real folder, or none yet, when the casebook opened.
    private let ownFolder: Bool

    /// Whether this casebook may change the repository. Only a writer (`open`) takes the write
    /// lock, recovers what a killed folio left, edits the work tree and commits; a reader
    /// (`openForReading`, `openReader`) reads committed history and configuration only, works on
    /// bare repositories, and is refused by every writing operation (`writing`).
    public enum Access: Sendable {
        case read, write
    }

    public let access: Access

    /// For a command that reads a few cases through the history cache (the hook's range verify):
    /// blocks up to 4 MB come from the heap again, as glibc does by default. The 64 KB threshold
    /// (`allocatorSet`) bounds the whole-history commands' memory, but made every year folder read
    /// here (about 150 KB at 30k cases) a mapping of its own, faulted in page by page and unmapped
    /// when freed: 38 % of a range verify's time at 30k (BENCHMARKS.md).
    func allocateForFewCases() {
        #if os(Linux)
        setMmapThreshold(4 << 20)
        #endif
    }

    /// The 64 KB threshold again, once the few cases' work is done (`allocateForFewCases`).
    func allocateForWholeHistory() {
        #if os(Linux)
        setMmapThreshold(64 << 10)
        #endif
    }

    init(repository: Repository, root: String, clock: Clock, access: Access = .write) {
        #if os(Linux)
        _ = allocatorSet
        #endif
        self.repository = repository
        self.root = root
        self.clock = clock
        self.access = access
        configuration = CommittedConfiguration(repository: repository)
        // Caches are read and written only in a folder of folio's own, never through a link.
        ownFolder = FolioFolder.intruder(at: FolioFolder.path(repository)) == nil
    }

    /// Opens the case repository that holds `path`, to write: a work tree is required.
    /// `anyRoot`: HEAD's history may begin at another root than the pinned one (`folio sync`,
    /// whose `--drop-local` is a way back to the shared history).
    public static func open(at path: String, clock: Clock, anyRoot: Bool = false) throws -> Casebook {
        guard let repo = try located(path, writing: true).here else { throw notFound(path) }
        guard !repo.isBare, let root = repo.workdir else { throw CasebookError.bareRepository(repo.gitdir) }
        let book = Casebook(repository: repo, root: root, clock: clock, access: .write)
        try book.requireCaseRepository(anyRoot: anyRoot)
        return book
    }

    /// Opens the case repository that holds `path` to read what its history says (`status`, `log`,
    /// `due`, `inbox`, `report plazos`, `procedures`): HEAD's committed history and configuration,
    /// never the work tree, the index or a lock. A bare repository (a clone made with `--bare`, the
    /// shared repository) is read the same way. Refuses what is not a case repository, as `open` does.
    public static func openReader(at path: String, clock: Clock) throws -> Casebook {
        let book = try reader(at: path, clock: clock)
        try book.requireCaseRepository()
        return book
    }

    /// Refuses an empty, shallow or non-case repository, and one whose HEAD's history begins at
    /// another root than the pinned one (unless `anyRoot`); reads the department's time zone from
    /// HEAD's `folio.yaml` (a damaged one is noted in `damagedFiles` and the default zone is used).
    private func requireCaseRepository(anyRoot: Bool = false) throws {
        // Authority and order come from the whole history: a shallow clone lacks its beginning.
        if repository.isShallow { throw CasebookError.shallowClone(root) }
        // A lock left by a folio killed half-way is recovered by the next writer (WriteLock.run),
        // never by a command that only reads: reading touches neither the index nor its lock.
        // An empty git repository is not a case repository: `folio init` lays the first commit.
        guard let head = try repository.headCommit() else { throw unbornHead() }
        try pinRootOnFirstUse(head: head)
        // Another root first: an orphan branch need not hold a roles.yaml, and 'folio sync
        // --drop-local' (`anyRoot`) is the way back from it.
        let foreign = foreignRoot(of: head)
        if let foreign, !anyRoot { throw foreign }
        if foreign == nil, try repository.entryID(at: Roster.fileName, in: head) == nil { throw CasebookError.notACaseRepository(root) }
        damagedFiles = []
        if let text = try repository.file(at: Settings.fileName, in: head) {
            // A damaged folio.yaml does not stop reading (the default zone is used); writing reads it again and refuses.
            do {
                if let zone = TimeZone(identifier: try Settings.parse(String(decoding: text, as: UTF8.self)).timeZone) {
                    clock.timeZone = zone
                }
            } catch {
                damagedFiles.append(CaseDamage(file: Settings.fileName, reason: Self.reason(of: error)))
            }
        }
    }

    /// Opens a repository for reading history only (`verify`, the hooks, the dashboard): bare
    /// repositories and empty ones are accepted, and inside a git hook (`GIT_DIR` set) the
    /// repository of git's environment, whose object database includes the pushed objects still
    /// in quarantine.
    public static func openForReading(at path: String, clock: Clock) throws -> Casebook {
        let book = try reader(at: path, clock: clock)
        // 'folio verify' as a clone's first command pins its root as any other (helper112/113).
        if !book.repository.isBare, let head = try book.repository.headCommit() { try book.pinRootOnFirstUse(head: head) }
        // Days are the department's, as in a clone: the time zone comes from folio.yaml.
        if let head = try book.repository.headCommit(), let text = try book.repository.file(at: Settings.fileName, in: head),
           let zone = TimeZone(identifier: try Settings.parse(String(decoding: text, as: UTF8.self)).timeZone) {
            book.clock.timeZone = zone
        }
        return book
    }

    /// A reader of the repository holding `path`, or of git's environment in a hook.
    private static func reader(at path: String, clock: Clock) throws -> Casebook {
        let environment = ProcessInfo.processInfo.environment
        let (here, named) = try located(path, writing: false)
        let repo: Repository?
        if let named {
            // libgit2 reads git's environment (a hook's quarantine) but not GIT_WORK_TREE: with it, the repository named.
            repo = environment["GIT_WORK_TREE"] == nil ? try Repository.fromEnvironment() : named
        } else {
            repo = here
        }
        guard let repo else { throw notFound(path) }
        return Casebook(repository: repo, root: repo.workdir ?? repo.gitdir, clock: clock, access: .read)
    }

    /// The repository holding `path` (`here`, nil when none does) and the one `GIT_DIR` names
    /// (`named`, nil when unset or empty), refused where they differ (FOLIO-E083): readers honour
    /// `GIT_DIR` (a server hook's quarantine) and writers the folder, so the two would part ways
    /// (helper114: `GIT_DIR=../a folio status` showed a's cases, a step then wrote into the folder's
    /// repository). A `GIT_WORK_TREE` must be the folder's repository's work tree. From a folder in no
    /// repository, a reader reads the one named (an administrator pointing at the shared
    /// repository); a writer is refused (helper115). A `GIT_DIR` that names no repository is FOLIO-E084.
    private static func located(_ path: String, writing: Bool) throws -> (here: Repository?, named: Repository?) {
        let here = try Repository.discover(from: path)
        let environment = ProcessInfo.processInfo.environment
        // A work tree git would use instead of the folder's (alone or beside GIT_DIR, helper116): compared
        // with what the folder's repository knows of its own (a `.git` file's separate git directory
        // included, which a git directory opened by its path cannot tell).
        if let tree = environment["GIT_WORK_TREE"], !tree.isEmpty, let here, Repository.canonical(tree) != here.workdir.map(Repository.canonical) {
            throw CasebookError.gitDirElsewhere(variable: "GIT_WORK_TREE", named: Repository.canonical(tree), folder: Repository.canonical(path),
                                                folderRepository: here.workdir.map(Repository.canonical) ?? Repository.canonical(here.gitdir))
        }
        guard let variable = environment["GIT_DIR"], !variable.isEmpty else { return (here, nil) }
        guard let named = try? Repository(at: variable) else {
            if let (folder, owner) = Repository.foreignOwner(above: variable) { throw CasebookError.foreignOwner(folder, owner: owner) }
            throw CasebookError.gitDirMissing(variable)
        }
        let canonical = Repository.canonical, folder = canonical(path), namedDir = canonical(named.gitdir)
        if let here, canonical(here.gitdir) != namedDir {
            throw CasebookError.gitDirElsewhere(variable: "GIT_DIR", named: namedDir, folder: folder,
                                                folderRepository: here.workdir.map(canonical) ?? canonical(here.gitdir))
        }
        if here == nil, writing {
            throw CasebookError.gitDirElsewhere(variable: "GIT_DIR", named: namedDir, folder: folder, folderRepository: nil)
        }
        return (here, named)
    }

    /// Why no repository was found at `path`: none is there, or the one there belongs to another
    /// user of the system (libgit2, like git, then finds none).
    private static func notFound(_ path: String) -> CasebookError {
        let environment = ProcessInfo.processInfo.environment
        if let (folder, owner) = Repository.foreignOwner(above: environment["GIT_DIR"] ?? path) {
            return .foreignOwner(folder, owner: owner)
        }
        return .notARepository(path)
    }

    /// HEAD's commit, refusing an empty repository.
    func head() throws -> OID {
        guard let head = try repository.headCommit() else { throw CasebookError.emptyRepository }
        return head
    }

    /// Pins the root (`folio.raiz`) of a clone on its first use, when it is not pinned yet: the root
    /// where HEAD and what the clone brought from its remotes (the remote-tracking branches of
    /// `remote`, of HEAD's branch's remote and of origin: the one of HEAD's name, and main) all
    /// begin; `orHead`: HEAD's root when there is no remote-tracking branch (a repository
    /// published for the first time). Where they begin at different roots nothing is pinned and
    /// FOLIO-E081 lists them: folio does not choose (helper112: pinned from the remote of the
    /// first sync, a second remote fetched before it, or a forged origin/main, chose the forgery).
    /// A repository with no remote-tracking branch keeps taking HEAD's root on trust.
    func pinRootOnFirstUse(head: OID, remote: String? = nil, orHead: Bool = false) throws {
        guard pinSetting == nil else { return }
        let branch = headBranch
        var remotes: [String] = []
        for name in [remote, self.remote(of: branch), "origin"] {
            if let name, !remotes.contains(name) { remotes.append(name) }
        }
        var tips: [(name: String, tip: OID)] = []
        for name in remotes {
            // (Not the remote's HEAD: a symbolic reference, it may name a local branch; helper113.)
            for ref in [branch, "main"].compactMap({ $0 }) {
                if let tip = (try? repository.resolve(reference: "refs/remotes/\(name)/\(ref)")) ?? nil,
                   !tips.contains(where: { $0.tip == tip && $0.name.hasPrefix(name + "/") }) {
                    tips.append(("\(name)/\(ref)", tip))
                }
            }
        }
        var roots: [(name: String, root: OID)] = []
        var known: [OID: OID] = [:]
        for (name, tip) in tips {
            // A reference that names no commit (helper113: one set to a blob) is skipped: the others still have to agree.
            guard let root = try? known[tip] ?? historyRoot(of: tip) else { continue }
            known[tip] = root
            roots.append((name, root))
        }
        guard !roots.isEmpty || orHead else { return }
        roots.insert((branch.map { "HEAD (rama '\($0)')" } ?? "HEAD", try historyRoot(of: head)), at: 0)
        guard Set(roots.map(\.root)).count == 1 else {
            throw CasebookError.rootUndecided(roots: roots.map { ($0.name, $0.root.hex) })
        }
        try repository.setConfig(Self.rootKey, roots[0].root.hex)
        // Answers found without a pin are not answers under it.
        configurationLedger = nil
    }

    /// Why HEAD has no commit: an empty repository (FOLIO-E006), or a clone whose HEAD names a
    /// branch the shared repository does not have, beside one it has (FOLIO-E082, helper113: a
    /// bare repository made with 'git init --bare', whose HEAD stayed 'master', published 'main').
    private func unbornHead() -> CasebookError {
        let branch = headBranch
        let remote = remote(of: branch)
        for name in ["main", "master"] where name != branch {
            if ((try? repository.resolve(reference: "refs/remotes/\(remote)/\(name)")) ?? nil) != nil {
                return .unbornBranch(branch: branch, remoteBranch: "\(remote)/\(name)")
            }
        }
        return .emptyRepository
    }

    /// The short name of the branch HEAD points at (`main`); nil when detached.
    var headBranch: String? {
        ((try? repository.headBranchName()) ?? nil).map { String($0.dropFirst("refs/heads/".count)) }
    }

    /// The remote `branch` follows (`branch.<name>.remote`), origin when it follows none.
    private func remote(of branch: String?) -> String {
        branch.flatMap { (try? repository.config("branch.\($0).remote")) ?? nil } ?? "origin"
    }

    /// The root `tip`'s line of first parents begins at.
    func historyRoot(of tip: OID) throws -> OID {
        try repository.commitIDs(from: tip, firstParent: true).first ?? tip
    }

    /// FOLIO-E078 when `head`'s history begins at another root than the one pinned (`folio.raiz`):
    /// an orphan branch made with plain git, whose roles.yaml may name anyone jefe. Nothing is in
    /// force there, so nothing is shown as the department's nor recorded. (The answer is the
    /// configuration in force after `head`, kept: every command asks it.) Nil otherwise, also
    /// when the configuration cannot be read (that is said where it is read).
    /// `branch`: the branch `head` is the tip of (HEAD's when nil).
    func foreignRoot(of head: OID, branch: String? = nil) -> CasebookError? {
        guard pinSetting != nil else { return nil }
        do {
            _ = try configurationSource(after: head)
        } catch CasebookError.foreignRoot(let root, let pinned, _, _) {
            let name = branch ?? headBranch
            return CasebookError.foreignRoot(root: root, pinned: pinned, branch: name, advice: foreignRootAdvice(root: root, branch: name))
        } catch {
        }
        return nil
    }

    /// What the remote-tracking branches say of a branch that begins at `root`, not at the pinned
    /// root (helper111: one piece of advice for every case sent a user on 'borrador' to
    /// 'sync --drop-local', refused again, and one on main to 'git switch main').
    private func foreignRootAdvice(root: String, branch: String?) -> ForeignRootAdvice {
        let remote = remote(of: branch)
        // Where a remote-tracking branch begins: at the pinned root, at `root`, or elsewhere.
        func begins(_ name: String) -> (pinned: Bool, here: Bool)? {
            guard let tip = (try? repository.resolve(reference: "refs/remotes/\(remote)/\(name)")) ?? nil else { return nil }
            do {
                _ = try configurationSource(after: tip)
                return (true, false)
            } catch CasebookError.foreignRoot(let other, _, _, _) {
                return (false, other == root)
            } catch {
                return nil
            }
        }
        if let branch, let same = begins(branch) {
            if same.pinned { return .replaced(remoteBranch: "\(remote)/\(branch)") }
            if same.here { return .pinDisagrees(remoteBranch: "\(remote)/\(branch)") }
            return .unknown
        }
        if let shared = begins("HEAD") ?? begins("main") {
            if shared.pinned { return .notShared(remote: "'\(remote)'") }
            if shared.here { return .pinDisagrees(remoteBranch: "\(remote)/main") }
        }
        return .unknown
    }

    /// Refuses a repository that cannot take a commit now, and returns HEAD. `recording`: whether
    /// the command records something of its own, judged by the roster in force (every writer but
    /// `folio sync`, which only brings and replays commits, and is the way out of a roster change
    /// that does not count: `--drop-local`).
    func checkWritable(recording: Bool = true) throws -> OID {
        if let op = repository.operationInProgress { throw CasebookError.operationInProgress(op) }
        if repository.isHeadDetached { throw CasebookError.detachedHead }
        // git holds the index: wait (the write lock retries) rather than commit and then fail to
        // write the index, which would leave a recorded step reported as refused.
        // Whatever holds the name, a link to nowhere included (helper124: it passed, and the index
        // could not be written after the commit).
        var info = stat()
        if lstat(repository.gitdir + "index.lock", &info) == 0 { throw CasebookError.indexLocked }
        let head = try head()
        let conflicted = try repository.conflictedPaths()
        if !conflicted.isEmpty { throw CasebookError.conflicted(conflicted) }
        if recording { try requireConfigurationInForce(head) }
        return head
    }

    // MARK: Committed configuration

    /// `roles.yaml` as committed in `commit`.
    /// As everything read here, from the configuration in force after `commit`
    /// (`configurationSource(after:)`): a `roles.yaml` left unreadable by a change that did not
    /// count is not read (the warning and FOLIO-E077 name that change).
    public func roster(at commit: OID) throws -> Roster {
        try configuration.roster(at: try configurationSource(after: commit))
    }

    /// The definition of `procedure` in `schemas/` as committed in `commit`, with the department's
    /// register of that commit applied (criteria adopted, interpretations resolved).
    public func definition(_ procedure: Int, at commit: OID) throws -> ProcedureDefinition? {
        try configuration.definition(procedure, at: try configurationSource(after: commit))
    }

    /// The department's register (`schemas/registro.yaml`) as committed in `commit`; empty when
    /// the file does not exist.
    public func register(at commit: OID) throws -> DepartmentRegister {
        try configuration.register(at: try configurationSource(after: commit))
    }

    /// The JSON Schema of procedure `procedure`'s front matter as committed in `commit`.
    func frontMatterSchema(_ procedure: Int, at commit: OID) throws -> JSONSchema? {
        try configuration.frontMatterSchema(procedure, at: try configurationSource(after: commit))
    }

    /// Every procedure in force at `commit`, by number.
    public func definitions(at commit: OID) throws -> [ProcedureDefinition] {
        try (1...7).compactMap { try definition($0, at: commit) }
    }

    /// Resolves `1`...`7` or a code such as `PI` against the procedures in force.
    func procedure(named text: String, at commit: OID) throws -> ProcedureDefinition {
        let all = try definitions(at: commit)
        if let n = Int(text), let d = all.first(where: { $0.number == n }) { return d }
        if let d = all.first(where: { $0.code.caseInsensitiveCompare(text) == .orderedSame }) { return d }
        throw CasebookError.unknownProcedure(text)
    }

    /// The id of the entry at `path` in `commit` for the repository's own files (see
    /// `CommittedConfiguration.entry`).
    func configEntry(_ path: String, in commit: OID) throws -> OID? {
        try configuration.entry(path, in: commit)
    }

    // MARK: Cases

    /// `cases/<AAAA>/<ID>` of every case committed at `commit`, from one listing per year.
    func casePaths(at commit: OID) throws -> [String: String] {
        var paths: [String: String] = [:]
        for year in try repository.entries(at: "cases", in: commit) where year.kind == .tree {
            for folder in try repository.entries(at: "cases/\(year.name)", in: commit) where folder.kind == .tree {
                paths[folder.name] = "cases/\(year.name)/\(folder.name)"
            }
        }
        return paths
    }

    /// `casePaths(at:)` of the cases `ids` only (the answer it gives for them: the last year folder
    /// holding each), reading the year folders from the newest back until each is found, not every
    /// year's listing: a range verify's few cases are mostly of the latest years.
    func casePaths(of ids: Set<String>, at commit: OID) throws -> [String: String] {
        var paths: [String: String] = [:]
        var left = ids
        let years = try repository.entries(at: "cases", in: commit).filter { $0.kind == .tree }.map(\.name)
        for year in years.reversed() where !left.isEmpty {
            for id in left where !id.isEmpty && !id.utf8.contains(UInt8(ascii: "/")) {
                let path = "cases/\(year)/\(id)"
                guard let (_, mode) = try repository.entry(at: path, in: commit), mode == 0o040000 else { continue }
                paths[id] = path
                left.remove(id)
            }
        }
        return paths
    }

    /// The fields status shows of a case's `expediente.md` at `commit` (title, opening date,
    /// month), cached by the file's blob id.
    func caseFields(_ path: String, at commit: OID) throws -> HistoryCache.CaseFields? {
        guard let (blob, mode) = try repository.entry(at: "\(path)/expediente.md", in: commit) else { return nil }
        if let known = fieldsCache[blob] { return known }
        let file = "\(path)/expediente.md"
        guard mode == 0o100644 || mode == 0o100755 else {
            // A folder (or link) of that name: said in Spanish, never libgit2's words.
            return HistoryCache.CaseFields(title: "", opened: "", month: "",
                                           damage: "expediente.md no es un archivo (es una carpeta, un enlace o un submódulo); restáurelo como archivo")
        }
        let document: FrontMatterDocument?, damage: String
        do {
            document = try FrontMatterDocument.parse(data: try repository.blob(blob), file: file)
            damage = ""
        } catch {
            document = nil
            damage = Self.reason(of: error)
        }
        let fields = HistoryCache.CaseFields(title: document?.string("titulo") ?? "", opened: document?.string("abierto") ?? "",
                                             month: document?.string("mes") ?? "", damage: damage)
        fieldsCache[blob] = fields
        fieldsLearnt?[blob] = fields
        cacheChanged = true
        return fields
    }

    /// `cases/<AAAA>/<ID>` of a case committed at `commit`; nil when there is none.
    func casePath(_ id: String, at commit: OID) throws -> String? {
        if let last = lastCasePath, last.id == id, last.commit == commit { return last.path }
        var found: String?
        if id.utf8.contains(UInt8(ascii: "/")) || id.isEmpty {
            // Not a name (a forged trailer): looked up as a path, as ever.
            for year in try repository.entries(at: "cases", in: commit) where year.kind == .tree {
                let path = "cases/\(year.name)/\(id)"
                if try repository.entry(at: path, in: commit)?.mode == 0o040000 { found = path; break }
            }
        } else {
            found = try repository.firstFolder(under: "cases", holding: id, in: commit).map { "cases/\($0)/\(id)" }
        }
        lastCasePath = (id, commit, found)
        return found
    }

    /// Replays one case of `history`, on the definition committed with its opening commit, with
    /// only the commits that pass verify's rules (`validator`); the others are counted in
    /// `omittedCommits`. A case whose opening commit is invalid (a phantom case, an opening at a
    /// step the manual does not start with) is nil.
    func replay(_ id: String, in history: History) throws -> CaseReplay? {
        let records = history.records(of: id)
        guard let first = records.first else { return nil }
        guard let number = first.procedure.flatMap(Int.init),
              let definition = try definition(number, at: first.commit) else { return nil }
        let valid = try records.filter(validator(for: records, definition: definition))
        omittedCommits += records.count - valid.count
        guard valid.first?.commit == first.commit else { return nil }
        let replay = try caseReplay(id, records: valid, definition: definition, authorized: { _ in true })
        // A step the manual does not allow at that point (a forged step out of order) counts as left out too.
        omittedCommits += replay.refused.count
        // An opening the manual does not allow (a case opened at its step 03) opens no case either.
        if replay.refused.contains(where: { $0.record.commit == first.commit }) { return nil }
        return replay
    }

    /// The replay of one case's `records`, with the rounds of a yearly cycle read from the plan's
    /// years as each round's last step recorded them (the one way every command replays a case).
    func caseReplay(_ id: String, records: [StepRecord], definition: ProcedureDefinition,
                    authorized: (StepRecord) throws -> Bool) throws -> CaseReplay {
        try CaseReplay(id: id, records: records, definition: definition, authorized: authorized, rounds: { record, accepted in
            let years = try self.recordedPlanYears(id, definition: definition, steps: accepted + [record])
            return self.cycleRounds(id, definition: definition, years: years, steps: accepted)
        }, excused: isAuthorizedExcuse, closed: { record, replay in try self.roundClosed(at: record.parent ?? record.commit, in: replay) },
                       closing: closingRefusal, known: knewDependency)
    }

    /// The plan's years as the jefe recorded them: at the step that requires them (P1-09, the
    /// approval), and changed since only by a cycle's last step (P1-14) whose own commit changes
    /// them. An edit by anyone else, in a note or with plain git, does not count.
    func recordedPlanYears(_ id: String, definition: ProcedureDefinition, steps: [StepRecord]) throws -> (first: Int?, last: Int?) {
        guard let cycle = definition.cycle else { return (nil, nil) }
        let setting = definition.planYearSteps
        var years: (first: Int?, last: Int?) = (nil, nil)
        for record in steps {
            guard let step = record.step.map(ProcedureDefinition.normalize(step:)) else { continue }
            if setting.contains(step) {
                years = try planYears(id, definition: definition, at: record.commit)
            } else if step == cycle.last, let parent = record.parent {
                let now = try planYears(id, definition: definition, at: record.commit)
                let before = try planYears(id, definition: definition, at: parent)
                if now.first != before.first || now.last != before.last { years = now }
            }
        }
        return years
    }

    /// The first and last year of a yearly cycle's plan (`vigencia_desde`, `vigencia_hasta`) as
    /// `expediente.md` held them at `commit`; nil where not written (or no cycle).
    func planYears(_ id: String, definition: ProcedureDefinition, at commit: OID) throws -> (first: Int?, last: Int?) {
        guard let cycle = definition.cycle, let path = try casePath(id, at: commit),
              let blob = try repository.entryID(at: "\(path)/expediente.md", in: commit),
              let fields = try? FrontMatterDocument.parse(data: try repository.blob(blob), file: "\(path)/expediente.md").plainFields
        else { return (nil, nil) }
        return (Self.year(fields[cycle.firstYearField]), Self.year(fields[cycle.lastYearField]))
    }

    /// A plan's year written in front matter (2030 or "2030"), from 2000 to 2100 as its schema says.
    static func year(_ value: (any Sendable)?) -> Int? {
        Requirement.number(value).flatMap { $0 == $0.rounded() && $0 >= 2000 && $0 <= 2100 ? Int(exactly: $0) : nil }
    }

    /// How many yearly rounds a case runs, given its plan's years (as written in `expediente.md`)
    /// and its accepted steps; nil when the last year or the first report's January is not known.
    func cycleRounds(_ id: String, definition: ProcedureDefinition, years: (first: Int?, last: Int?), steps: [StepRecord]) -> Int? {
        guard let last = years.last, !steps.isEmpty else { return nil }
        return definition.cycleRounds(lastYear: last, calendar: calendar(id, definition: definition, steps: steps, month: nil, years: years))
    }

    /// Whether a step commit counts: it passes every rule of a single commit (`commitRules`, the
    /// same functions `verify` runs) and the checks of its trailers and role against its case's
    /// procedure. A forged or invalid step is part of no status, deadline or log.
    func validator(for records: [StepRecord], definition: ProcedureDefinition) -> (StepRecord) throws -> Bool {
        var previous: [OID: DateBounds.Dated] = [:]
        var bounds = DateBounds()
        for record in records {
            previous[record.commit] = bounds.bound(for: record)
            bounds.add(record)
        }
        return { [unowned self] record in
            if let known = authorizationCache[record.commit] { return known }
            cacheChanged = true
            var ok = try checkRecord(record, definition: definition).allSatisfy { !$0.isError }
            if ok {
                if let known = commitRuleErrors[record.commit] {
                    ok = !known
                } else {
                    let facts = try facts(of: try repository.commit(record.commit), record: record, isRoot: false,
                                          previousInCase: previous[record.commit])
                    ok = try commitRules(facts).allSatisfy { !$0.isError }
                }
            }
            authorizationCache[record.commit] = ok
            return ok
        }
    }

    /// Checks the rules of a single commit (`commitRules`) for the records of `cases` (all when
    /// nil) not yet judged, in history order, ahead of the case-by-case replay that reads them
    /// (`validator`): consecutive commits share all trees but the few a step changes, so each
    /// version of a year folder is read once, as git reads it, and not once per step of each case.
    /// The signatures of those steps are checked first, in parallel (`prepareSignatures`).
    func judgeCommits(in history: History, cases: Set<String>?) throws {
        func pending(_ record: StepRecord) -> Bool {
            (cases?.contains(record.caseID) ?? true) && authorizationCache[record.commit] == nil && commitRuleErrors[record.commit] == nil
        }
        // Lazily: a filtered copy of every record held 100 MB at 10k cases, for the commit ids alone.
        try prepareSignatures(for: Array(history.allRecords.lazy.filter(pending).map(\.commit)))
        // The records that bound each case's dates, as the walk keeps them.
        var bounds = DateBounds()
        for record in history.allRecords {
            defer { bounds.add(record) }
            guard pending(record) else { continue }
            let facts = try facts(of: try repository.commit(record.commit), record: record, isRoot: false,
                                  previousInCase: bounds.bound(for: record))
            commitRuleErrors[record.commit] = try commitRules(facts).contains { $0.isError }
        }
        walkEnded()
    }

    /// After a walk that judged every commit it read: the memos that served it (the signature
    /// thread, a verdict per signature, per blob read) are let go before the case-by-case phase,
    /// which reads none of them (at 10k cases, 20 MB); the signature verdicts it learnt go to the
    /// signature cache now (a later run reads them), and the memory freed is given back to the
    /// system (glibc keeps freed chunks resident), so that the next phase's peak starts from what
    /// is still held, not from the walk's.
    func walkEnded() {
        signatureFeed = nil
        signatureVerdicts = [:]
        // The cached verdicts too (at 30k cases, 9 MB): a check after the walk asks for one or two.
        signatureCache = nil
        contentMemo = ContentMemo(limit: contentMemo.limit)
        saveSignatureCache()
        Self.giveBackFreedMemory()
    }

    /// Gives the memory freed so far back to the system: glibc keeps freed chunks resident (and a
    /// second thread's in an arena of its own), so that a long phase's peak would be the sum of
    /// every high-water mark before it, not what is still held.
    /// The pages of the mapped pack files and of folio's code go back too (`Repository.releaseMappedPages`).
    static func giveBackFreedMemory() {
        #if os(Linux)
        _ = mallocTrim?(0)
        #endif
        Repository.releaseMappedPages()
    }

    /// Every case up to `head`, in the order they were opened: `derive` gives each one's value from
    /// a history that holds its records, once the rules of a single commit are judged, and `body`
    /// takes the values in that order, on this thread.
    ///
    /// From the history cache when it serves `head`: read case by case through its offset table
    /// (`cacheOutline`; the cases the commits since its tip touch are read whole and judged first,
    /// and the cache is written again up to `head` as the cases go), or whole when this run already
    /// holds the whole history or the table cannot be read (`loadHistory`). Otherwise (a cold run, the
    /// first run, a reset) one walk judges every commit in history order, as `judgeCommits` does,
    /// and keeps of each only its id and verdict; each case's records are read again from its
    /// commits when its turn comes, and the history cache is written case by case as they go:
    /// memory holds one case's records, not the whole history's (at 10k cases, 45 MB of records).
    ///
    /// Every other case is derived on the second core, by a casebook of its own (`secondCasebook`)
    /// handed what this one knows (the walk's or the cache's verdicts, the fields read); what it
    /// learns of each case comes back with the case's value (`DerivedCase`).
    func forEachCase<Value: Sendable>(at head: OID, derive: @escaping @Sendable (Casebook, String, History) throws -> Value,
                                      _ body: (Value) throws -> Void) throws {
        var cases: [(String, [JudgedStep])] = []
        var rosters: ConfigurationLine?
        var whole: History?
        var writer: HistoryCache.Writer?
        // Read case by case from the history cache, the cases the commits since its tip touch from `since`.
        let cached = try cacheOutline(at: head)
        if let cached {
            cases = cached.outline.cases.map { ($0.id, []) } + cached.since.history.caseIDs.filter { cached.place[$0] == nil }.map { ($0, []) }
            if cached.outline.tip != head || !cached.outline.complete {
                writer = HistoryCache.Writer(HistoryCache.file(repository), tip: head,
                                             commitCount: cached.outline.commitCount + cached.since.history.commitCount)
            }
        } else if historyCacheServes(head) {
            let history = try loadHistory(at: head)
            try judgeCommits(in: history, cases: nil)
            cases = history.caseIDs.map { ($0, []) }
            whole = history
        } else {
            let line = try prepareSignatures(from: head, hiding: nil)
            var judged: JudgedWalk = try walk(line, reading: head) { book, walked, judged in
                guard let record = walked.record else { return }
                let facts = try book.facts(of: walked.commit, record: record, isRoot: false, previousInCase: walked.previousInCase,
                                           previous: walked.previous)
                // The configuration (and roster) this step is judged by, as `facts` just found it.
                judged.rosters.note(book.walkedSource(facts), at: walked.position, changes: facts.mayChangeConfiguration)
                judged.cases.add(JudgedStep(commit: walked.commit.id, position: Int32(walked.position),
                                            breaksRule: try book.commitRules(facts).contains { $0.isError }),
                                 of: record.caseID)
            }
            walkEnded()
            cases = judged.cases.takeAll()
            rosters = judged.rosters
            writer = usesCache ? HistoryCache.Writer(HistoryCache.file(repository), tip: head, commitCount: line.count) : nil
        }
        // Cases 0, 2, 4... are derived here, 1, 3, 5... on the second core (`inTurns`).
        keepFolderTrees(at: head)
        try inTurns(&cases, worker: { odd in
            // What the second casebook starts from: the verdicts judged so far and the fields read
            // (through the cache), the reception stamps; the cases' list and the history are shared.
            let (verdicts, authorized, fields, stamps) = (commitRuleErrors, authorizationCache, fieldsCache, try? receptionStamps())
            let (history, rosters) = (whole, rosters)
            return secondCasebook(count: odd.count, reading: head, prepare: { book in
                book.keepFolderTrees(at: head)
                book.commitRuleErrors = verdicts
                book.authorizationCache = authorized
                book.fieldsCache = fields
                book.stampsCache = stamps
            }) { book, index in
                // What the casebook learns while deriving this case, and only this case (a case it
                // fails on leaves nothing for the next).
                book.fieldsLearnt = [:]
                let omitted = book.omittedCommits
                defer {
                    book.fieldsLearnt = nil
                    book.workTreeFiles = [:]
                    book.cacheChanged = false
                }
                let (id, steps) = odd[index]
                let fromTheWalk = book.rostersFromTheWalk
                var done = try book.deriveCase(id, steps: steps, whole: history, cached: cached, rosters: rosters, derive: derive)
                done.omitted = book.omittedCommits - omitted
                done.rostersFromTheWalk = book.rostersFromTheWalk - fromTheWalk
                done.fields = book.fieldsLearnt ?? [:]
                done.workTreeFiles = book.workTreeFiles
                done.cacheChanged = book.cacheChanged
                return done
            }
        }, compute: { try deriveCase($0.0, steps: $0.1, whole: whole, cached: cached, rosters: rosters, derive: derive) }) { derived, fromWorker in
            if fromWorker {
                omittedCommits += derived.omitted
                rostersFromTheWalk += derived.rostersFromTheWalk
                workTreeFiles.merge(derived.workTreeFiles) { mine, _ in mine }
                fieldsCache.merge(derived.fields) { mine, _ in mine }
                if whole != nil { authorizationCache.merge(derived.authorized) { mine, _ in mine } }
                if derived.cacheChanged { cacheChanged = true }
            }
            // The case's lines of the history cache: its records, then their verdicts.
            writer?.add(derived.records) { derived.authorized[$0] }
            try body(derived.value)
        }
        if whole != nil {
            saveHistoryCache()
        } else {
            commitRuleErrors = [:]
            authorizationCache = [:]
            writer?.finish(fields: fieldsCache)
            saveSignatureCache()
        }
    }

    /// `items` in turns: 0, 2, 4... computed here by `compute`, 1, 3, 5... by `worker` (made from
    /// those items: a `secondCasebook`, or nil to compute them all here), each handed to `body` in
    /// order with whether the worker computed it; one the worker could not compute is computed
    /// here. `items` is emptied, and each item let go once computed here, so that memory holds
    /// what is left to do. Every 256 items of each thread, the memory they freed goes back to the
    /// system (the two threads' heaps otherwise grow apart: at 10k cases, 20 MB).
    func inTurns<Item, Value: Sendable>(_ items: inout [Item], worker makeWorker: ([Item]) -> OrderedFeed<Value>?,
                                         compute: (Item) throws -> Value, _ body: (Value, Bool) throws -> Void) throws {
        let count = items.count
        var even = stride(from: 0, to: count, by: 2).map { Optional(items[$0]) }
        let odd = stride(from: 1, to: count, by: 2).map { items[$0] }
        items = []
        let worker = odd.isEmpty ? nil : makeWorker(odd)
        defer { worker?.stop() }
        for index in 0..<count {
            if index % 512 == 510 {
                Self.giveBackFreedMemory()
            } else if index % 64 == 62 {
                Repository.releaseMappedPages()
            }
            if index % 2 == 1, let done = worker?.take(index / 2) {
                try body(done, true)
            } else if index % 2 == 1 {
                try body(try compute(odd[index / 2]), false)
            } else {
                let item = even[index / 2]!
                even[index / 2] = nil
                try body(try compute(item), false)
            }
        }
    }

    /// One case's value for `forEachCase`, derived by this casebook, with what the casebook learnt
    /// doing so that the caller's casebook keeps when another thread derived it: the verdicts of
    /// the case's steps, the fields of the files read, the steps left out, the work-tree files read.
    struct DerivedCase<Value: Sendable>: Sendable {
        var value: Value
        /// The case's records as read again from its commits (none through the history cache).
        var records: [StepRecord]
        var authorized: [OID: Bool]
        var fields: [OID: HistoryCache.CaseFields] = [:]
        var omitted = 0
        var rostersFromTheWalk = 0
        var workTreeFiles: [String: String] = [:]
        var cacheChanged = false
    }

    /// Derives case `id`: from `whole` (the history cache), or from its own records, read again from
    /// the commits of `steps` and judged by the walk's verdicts of them and the rosters it read (`rosters`).
    private func deriveCase<Value: Sendable>(_ id: String, steps: [JudgedStep], whole: History?,
                                            cached: CacheOutline?, rosters: ConfigurationLine?,
                                            derive: (Casebook, String, History) throws -> Value) throws -> DerivedCase<Value> {
        if let cached {
            authorizationCache.removeAll(keepingCapacity: true)
            let records: [StepRecord]
            if cached.since.touched.contains(id) {
                // A case the commits since the cache's tip touch: read and judged ahead (`cacheOutline`).
                records = cached.since.history.records(of: id)
                for record in records { authorizationCache[record.commit] = cached.since.authorized[record.commit] }
            } else if let index = cached.place[id], let read = cached.outline.records(of: index) {
                records = read.records
                authorizationCache = read.authorized
            } else {
                // Lines that do not check: the case's records from history (a walk to the cache's tip).
                records = try History(repository: repository, tip: cached.outline.tip, only: [id]).records(of: id)
                cacheChanged = true
            }
            let value = try derive(self, id, History(records: records))
            return DerivedCase(value: value, records: records, authorized: authorizationCache)
        }
        guard whole == nil else {
            let value = try derive(self, id, whole!)
            var authorized: [OID: Bool] = [:]
            for record in whole!.records(of: id) { authorized[record.commit] = authorizationCache[record.commit] }
            return DerivedCase(value: value, records: [], authorized: authorized)
        }
        // The walk's verdicts of this case's commits, for its replay (`validator`); the verdicts
        // of earlier cases are in the cache file by now.
        commitRuleErrors.removeAll(keepingCapacity: true)
        authorizationCache.removeAll(keepingCapacity: true)
        defer { walkedSources.removeAll(keepingCapacity: true) }
        var records: [StepRecord] = []
        for step in steps {
            commitRuleErrors[step.commit] = step.breaksRule
            guard let record = try StepRecord(repository.commit(step.commit)) else { continue }
            takeWalkedConfiguration(of: record, at: step.position, from: rosters)
            records.append(record)
        }
        let value = try derive(self, id, History(records: records))
        return DerivedCase(value: value, records: records, authorized: authorizationCache)
    }

    /// Keeps the folders every case's look-ups at `commit` cross (its root, `cases/` and the year
    /// folders) in the repository's tree cache: a whole-history status or verify reads each case's
    /// files at the tip between dozens of its own trees, and a year folder read again from the
    /// pack for each case (thousands of entries) cost a fifth of verify's case checks.
    func keepFolderTrees(at commit: OID) {
        guard let root = try? repository.treeID(of: commit) else { return }
        var ids: Set<OID> = [root]
        if let cases = try? repository.entries(at: "", in: commit).first(where: { $0.name == "cases" && $0.kind == .tree }) {
            ids.insert(cases.id)
            for year in (try? repository.entries(ofTree: cases.id)) ?? [] where year.kind == .tree { ids.insert(year.id) }
        }
        repository.keepTrees(ids)
    }

    /// The configuration a walked step is judged by (in force in its first parent, whose roster
    /// `facts` just read), for the check of its case (`takeWalkedConfiguration`).
    func walkedSource(_ facts: CommitFacts) -> ConfigurationLine.Source {
        guard facts.roster != nil, let source = try? configurationSource(after: facts.base) else { return .unread }
        return .read(source: source)
    }

    /// Hands the check of a case the configuration in force that its walk found for the step
    /// `record` at `position` (`walkedSources`): in force in its parent, and after the step itself
    /// when the step changed nothing beside the case folders. The checks of a case ask it at its
    /// steps and their parents, and after a walk those answers are no longer kept (each was found
    /// from the mark before it: about sixteen commits read again, at every step). The caller
    /// clears them after the case.
    func takeWalkedConfiguration(of record: StepRecord, at position: Int32, from rosters: ConfigurationLine?) {
        guard takesWalkedConfiguration, let rosters, case .read(let source)? = rosters.source(at: Int(position)) else { return }
        if let parent = record.parent { walkedSources[parent] = source }
        if !rosters.changes(at: Int(position)) { walkedSources[record.commit] = source }
    }

    /// A casebook of its own on a thread of its own, reading this one's repository with its
    /// settings (libgit2 handles and the casebook's memos serve one thread), computing
    /// `work(casebook, k)` for `k` in `0..<count` in order, at most 64 values ahead of the caller's
    /// `take` (`OrderedFeed`). `prepare` hands it what this casebook already knows. A value it
    /// cannot compute is nil, and the caller computes it itself.
    ///
    /// The thread opens the repository as this one was opened (in a hook, from git's environment,
    /// which names the pushed objects in quarantine), and works only if it reads `tip` there: a
    /// casebook that could not read what this one reads would take its own errors for damage.
    func secondCasebook<Value: Sendable>(count: Int, reading tip: OID, prepare: @escaping @Sendable (Casebook) -> Void = { _ in },
                                         _ work: @escaping @Sendable (Casebook, Int) throws -> Value) -> OrderedFeed<Value> {
        let (root, clock, usesCache, trustsSignatures) = (root, clock, usesCache, trustsSignatureCache)
        // What this casebook knows of the configuration in force (after a walk, a mark every few
        // commits of the line): the second one does not go down the line again.
        let ledger = configurationLedger
        return OrderedFeed(count: count, ahead: 64, open: repository.reopen) { repository in
            guard let repository, (try? repository.commit(tip)) != nil else { return { _ in nil } }
            let book = Casebook(repository: repository, root: root, clock: clock, access: .read)
            book.usesCache = usesCache
            book.trustsSignatureCache = trustsSignatures
            book.configurationLedger = ledger
            prepare(book)
            return { index in
                // Every 256 values, the memory this thread freed goes back to the system (`inTurns`),
                // and the pages of the pack files every 32: each case reads its documents from all
                // over the pack (at 30k cases, 15–18 MB of pack pages resident between trims).
                if index % 256 == 255 {
                    Casebook.giveBackFreedMemory()
                } else if index % 32 == 31 {
                    Repository.releaseMappedPages()
                }
                return try? work(book, index)
            }
        }
    }

    /// A step commit as `forEachCase`'s walk judged it (a struct: a tuple's type is looked up at
    /// run time in generic code, at every step).
    ///
    /// Its place and verdict share four bytes: 24 bytes a step, not 28 (a whole history's steps
    /// are held until the walk ends: at 30k cases, 312,000 of them).
    struct JudgedStep: Sendable {
        var commit: OID
        /// The place shifted left by one, the verdict in the lowest bit.
        private let mark: UInt32

        init(commit: OID, position: Int32, breaksRule: Bool) {
            precondition(position >= 0)
            self.commit = commit
            mark = UInt32(position) << 1 | (breaksRule ? 1 : 0)
        }

        /// Its place in the walked line (for `ConfigurationLine`).
        var position: Int32 { Int32(mark >> 1) }
        var breaksRule: Bool { mark & 1 == 1 }
    }

    /// What `forEachCase`'s walk keeps: each case's steps as judged, the cases in the order they
    /// were opened, and the roster each step is judged by.
    struct JudgedWalk: WalkedPart {
        var cases = StepsByCase<JudgedStep>()
        var rosters = ConfigurationLine()

        mutating func append(consuming later: inout JudgedWalk) {
            cases.append(consuming: &later.cases)
            rosters.append(later.rosters)
        }
    }

    /// The commits since the history cache's tip, for `forEachCase`: the records of the cases they
    /// touch (those cases' cached records, then the new ones), and the verdicts the cache held of
    /// the cached ones.
    struct CacheSince: Sendable {
        var history = History()
        var touched: Set<String> = []
        var authorized: [OID: Bool] = [:]
    }

    /// The history cache as `forEachCase` reads it: case by case (each case's place in `outline`),
    /// with the commits since its tip.
    struct CacheOutline: Sendable {
        var outline: HistoryCache.Outline
        var since: CacheSince
        var place: [String: Int]
    }

    /// The history cache read case by case (`HistoryCache.Outline`) when it serves `head` (its tip
    /// or an ancestor of it), with each case's place in it; the commits since its tip are walked,
    /// and the cases they touch read whole and judged (their new commits) ahead of the replay, as
    /// `loadHistory` and `judgeCommits` do for the whole history. nil when the cache is off,
    /// missing, damaged or for another line, or when this run already holds the whole history.
    func cacheOutline(at head: OID) throws -> CacheOutline? {
        guard usesCache, cachedHistory == nil, let outline = HistoryCache.Outline(HistoryCache.file(repository)) else { return nil }
        var added = History()
        guard try walkLine(after: outline.tip, to: head, { try added.add(walked: $0) }) else { return nil }
        var place: [String: Int] = [:]
        for (index, entry) in outline.cases.enumerated() { place[entry.id] = index }
        var since = CacheSince()
        if outline.tip != head {
            since.touched = Set(added.caseIDs)
            for id in added.caseIDs {
                guard let index = place[id] else { continue }
                guard let read = outline.records(of: index) else { return nil }
                for record in read.records { since.history.add(record) }
                since.authorized.merge(read.authorized) { a, _ in a }
            }
            for record in added.records { since.history.add(record) }
            since.history.commitCount = added.commitCount
            // The cached verdicts stand; the new commits are judged, in history order.
            authorizationCache = since.authorized
            try judgeCommits(in: since.history, cases: nil)
            authorizationCache = [:]
        }
        fieldsCache.merge(outline.fields) { a, _ in a }
        return CacheOutline(outline: outline, since: since, place: place)
    }

    /// Whether `commit` is `tip` or on `tip`'s line of first parents, the history every replay reads.
    /// A cache written at a commit that only a merge's other parent reaches holds steps that history
    /// leaves out: it does not serve (being an ancestor is not enough).
    func onLine(_ commit: OID, of tip: OID) -> Bool {
        (try? walkLine(after: commit, to: tip)) == true
    }

    /// `onLine`, visiting the line's commits after `commit` (oldest first) in the same walk, so that
    /// a cache extended to `tip` reads them once; false, with none visited, when `commit` is not on
    /// the line.
    func walkLine(after commit: OID, to tip: OID, _ visit: (CommitInfo) throws -> Void = { _ in }) throws -> Bool {
        if commit == tip { return true }
        guard (try? repository.isAncestor(commit, of: tip)) == true else { return false }
        // The oldest commit after `commit` comes first: its first parent must be `commit`.
        struct OffLine: Error {}
        var first = true
        do {
            try repository.walk(from: tip, hiding: commit, firstParent: true) { line in
                if first {
                    guard line.parents.first == commit else { throw OffLine() }
                    first = false
                }
                try visit(line)
            }
        } catch is OffLine {
            return false
        }
        return true
    }

    /// Whether the history cache serves `tip`: this run's, or the file's when its tip is `tip` or
    /// an ancestor of it (a file that then fails its checks is read again from history).
    private func historyCacheServes(_ tip: OID) -> Bool {
        if let cached = cachedHistory, cached.tip == tip { return true }
        guard usesCache, let cacheTip = HistoryCache.tip(HistoryCache.file(repository)) else { return false }
        return onLine(cacheTip, of: tip)
    }

    /// Whether the history cache can serve a few cases' records up to `tip`: it serves `tip`, or
    /// its tip is after `tip` on the same line (`loadHistory(of:at:)` leaves the later records out).
    func historyCacheCovers(_ tip: OID) -> Bool {
        historyCacheServes(tip) || (usesCache && HistoryCache.tip(HistoryCache.file(repository)).map { onLine(tip, of: $0) } ?? false)
    }

    /// The expediente commits up to `tip`: from the history cache when it is `tip` or an
    /// ancestor of it (adding the commits since), from one revwalk otherwise.
    func loadHistory(at tip: OID?) throws -> History {
        guard let tip else { return History() }
        if let cached = cachedHistory, cached.tip == tip { return cached.history }
        let history: History
        if let (fromCache, cache) = try historyFromCacheFile(at: tip, only: nil) {
            history = fromCache
            if cache.tip != tip { cacheChanged = true }
            authorizationCache.merge(cache.authorized) { a, _ in a }
            fieldsCache.merge(cache.fields) { a, _ in a }
        } else {
            history = try History(repository: repository, tip: tip)
            cacheChanged = true
        }
        cachedHistory = (tip, history)
        return history
    }

    /// The history up to `tip` (of the cases `only`, when given) from the whole history cache file,
    /// when its tip is `tip` or an ancestor of it (the commits since added by a walk), with the file
    /// as read; nil when the cache is off, or the file is missing, damaged or for another line (a
    /// push refused in a server hook, a pruned commit). The records go straight into the history,
    /// not into an array of them all first.
    private func historyFromCacheFile(at tip: OID, only ids: Set<String>?) throws -> (History, HistoryCache)? {
        guard usesCache else { return nil }
        var history = History()
        guard let cache = HistoryCache.load(HistoryCache.file(repository), adding: { if ids?.contains($0.caseID) ?? true { history.add($0) } }),
              try walkLine(after: cache.tip, to: tip, { try history.add(walked: $0, only: ids) }) else { return nil }
        history.commitCount += cache.commitCount
        return (history, cache)
    }

    /// The commits of the cases `ids` only, up to `tip`: from the history cache's lines of those
    /// cases when its tip is `tip` or an ancestor of it (adding the commits since), so that a step
    /// or a range verify costs what its cases cost. Otherwise one walk down the line that keeps the
    /// records of `ids` only (a step, a note, `status ID`, `log ID`, verify in the shared repository's
    /// hook): memory by case, not by history (at 30k cases, a step in a clone without the cache held
    /// the whole history, 330 MB, and `status ID` 285 MB to write the cache; the cache is written by
    /// the commands that read every case, `folio status` and `folio due`, case by case). With
    /// `keepingWhole` (the case index replaying many cases) the whole history, kept for the run.
    ///
    /// With `takingVerdicts` (the case index replaying the cases a new day or new commits touch,
    /// where a whole reading would take them too), the verdicts the file holds of those cases'
    /// commits are taken once the whole file's checksum is checked; a step, a note and the hook
    /// judge their cases' commits again.
    func loadHistory(of ids: Set<String>, at tip: OID?, keepingWhole: Bool = false, takingVerdicts: Bool = false) throws -> History {
        guard let tip else { return History() }
        if let cached = cachedHistory, cached.tip == tip { return cached.history }
        if ids.isEmpty { return History() }
        func whole() throws -> History {
            if keepingWhole { return try loadHistory(at: tip) }
            // The whole cache file (for many cases), or a walk, keeping only these cases' records;
            // once per run for the same cases (a status of one case asks for its records twice).
            if let known = partialHistory, known.tip == tip, known.ids == ids { return known.history }
            let history = try historyFromCacheFile(at: tip, only: ids)?.0 ?? History(repository: repository, tip: tip, only: ids)
            partialHistory = (tip, ids, history)
            return history
        }
        // Each case is a search through the cache file and a few commits read again: for a large
        // share of the cases, reading it whole is cheaper.
        guard ids.count <= 4096, usesCache,
              var part = HistoryCache.load(HistoryCache.file(repository), cases: ids, checkingBody: takingVerdicts) else {
            return try whole()
        }
        // The commits since the cache's tip, of these cases, read as the tip is found on the line.
        var since = History()
        if try !walkLine(after: part.tip, to: tip, { try since.add(walked: $0, only: ids) }) {
            // A cache ahead of `tip` (verify A..B with the cache at B) serves when `tip` is on its
            // line of first parents: the records after `tip` are left out.
            var ahead: Set<OID> = []
            guard try walkLine(after: tip, to: part.tip, { ahead.insert($0.id) }) else { return try whole() }
            part.records.removeAll { ahead.contains($0.commit) }
            part.tip = tip
        }
        // The cache names the cases' commits; each record is read again from its commit (a few per
        // case), so a line for a commit that does not exist or that is another case's is not believed.
        var records: [StepRecord] = []
        for cached in part.records {
            guard let commit = try? repository.commit(cached.commit), let record = try? StepRecord(commit),
                  record.caseID == cached.caseID, ids.contains(record.caseID) else { return try whole() }
            records.append(record)
        }
        part.records = records
        var history = History(cached: part)
        for record in since.records { history.add(record) }
        history.commitCount += since.commitCount
        // The cached verdicts are not taken unless asked for: a step, a note and the hook judge their
        // case's few commits again (a verdict edited in the file must not let a forged step count).
        if takingVerdicts { authorizationCache.merge(part.authorized) { mine, _ in mine } }
        return history
    }

    /// Writes what this run learnt to the history cache (no effect when the cache is off).
    func saveHistoryCache() {
        saveSignatureCache()
        guard usesCache, cacheChanged, let (tip, history) = cachedHistory else { return }
        cacheChanged = false
        guard let writer = HistoryCache.Writer(HistoryCache.file(repository), tip: tip, commitCount: history.commitCount) else { return }
        writer.add(history.allRecords) { authorizationCache[$0] }
        writer.finish(fields: fieldsCache)
    }

    // MARK: People

    /// The persona named by `--as` (id or e-mail), or the one whose e-mail is git's `user.email`.
    func persona(_ key: String?, in roster: Roster) throws -> Persona {
        if let key {
            guard let p = roster.find(key) else { throw CasebookError.unknownPersona(key, known: roster.personas.map(\.id)) }
            return p
        }
        guard let email = try repository.configuredIdentity()?.email, let p = roster.find(email) else {
            throw CasebookError.noPersona
        }
        return p
    }

    /// The author signature of `persona` now.
    func signature(of persona: Persona) -> Signature {
        Signature(name: persona.name, email: persona.email, date: clock.now, offsetMinutes: clock.offsetMinutes(at: clock.now))
    }

    /// The committer: the person operating folio (git's `user.name`/`user.email`, completed from
    /// `roles.yaml` when the e-mail is registered), or the author when git knows nobody.
    func committer(for author: Persona, roster: Roster) throws -> Signature {
        guard let identity = try repository.configuredIdentity() else { return signature(of: author) }
        if let p = roster.find(identity.email) { return signature(of: p) }
        return Signature(name: identity.name, email: identity.email, date: clock.now, offsetMinutes: clock.offsetMinutes(at: clock.now))
    }

    // MARK: Committing

    /// `folio.yaml` as committed at `commit` (the defaults before the first commit).
    func settings(at commit: OID?) throws -> Settings {
        try configuration.settings(at: try commit.map(configurationSource(after:)))
    }

    /// Who signs a commit of `author` in `role`: the author when they have a registered key; for
    /// an external actor without one, the staff member recording the step, when they have one.
    static func signer(author: Persona, role: Role, committer: Persona?) -> Persona? {
        if author.sshKey != nil { return author }
        if role.isExternal, let committer, committer.sshKey != nil { return committer }
        return nil
    }

    /// The signing function for a commit, or nil for an unsigned one.
    func signing(author: Persona, role: Role, roster: Roster, settingsAt commit: OID?) throws -> ((Data) throws -> String)? {
        let operatorEmail = try repository.configuredIdentity()?.email
        let committer = operatorEmail.flatMap(roster.find)
        guard let signer = Self.signer(author: author, role: role, committer: committer), let key = signer.sshKey else {
            if try settings(at: commit).signatureRequired { throw CasebookError.signatureRequired(persona: author.id) }
            return nil
        }
        guard let found = try SSHSigner.find(registered: key, repository: repository) else {
            throw CasebookError.signingKeyMissing(persona: signer.id, configured: try SSHSigner.configured(repository))
        }
        return { try found.sign($0) }
    }

    /// Refuses when tracked files outside `scope` (a folder or file relative to the root; nil: any)
    /// have changes that are not committed: a step commits its own case only. Untracked files are
    /// left alone, since nothing commits them, and so are unstaged edits in *other case folders*:
    /// in a shared clone someone else may be editing them, and the step does not take them. A
    /// change staged there would enter the commit, and is refused. With `leavingCases`, a
    /// configuration commit (roles, the register) that writes one file outside cases/ leaves
    /// unstaged edits of case folders alone too (attack31: an analyst's unsaved edit of an
    /// expediente refused the jefe's `roles add`); any edit of the files it writes is refused, or
    /// it would be overwritten.
    func checkClean(outside scope: String?, leavingCases: Bool = false) throws {
        if let scope, GitPath.isInside(scope, "cases") {
            try refuseCaseTwins(of: scope)
            // A case's commit: staged changes anywhere but the case, and unstaged changes of
            // tracked files outside cases/ (other cases' unstaged edits are theirs to record). The
            // work tree is read only outside cases/, so a step does not cost every case folder.
            let (all, memo) = try stagedState()
            cleanIndex = all.isEmpty ? memo : nil
            let staged = all.filter { !GitPath.isWithin($0, scope) }
            let others = try repository.entries(at: "", in: try head()).map(\.name).filter { $0 != "cases" }
            // One status per top-level name: libgit2 narrows its walk to the common prefix of the
            // paths, and the names outside cases/ have none.
            let unstaged = try others.flatMap { try repository.changes(side: .workTree, in: [$0], untracked: false).map(\.path) }
            let dirty = Array(Set(staged + unstaged)).sorted()
            if !dirty.isEmpty { throw CasebookError.dirtyOutside(paths: dirty, scope: scope) }
            return
        }
        let dirty = try repository.changes().filter { change in
            guard change.kind != .untracked else { return false }
            if leavingCases, GitPath.isInside(change.path, "cases"), !change.staged { return false }
            guard let scope else { return true }
            return !GitPath.isWithin(change.path, scope)
        }.map(\.path)
        if !dirty.isEmpty { throw CasebookError.dirtyOutside(paths: dirty, scope: scope ?? "los archivos registrados") }
    }

    /// With `core.ignorecase` on, libgit2 takes a folder beside the case's whose name differs only
    /// in case ("pi-2026-0001" beside "PI-2026-0001", committed or only on disk) for the case's
    /// own: a step would commit the case's files as deleted and stage them under the other name
    /// (helper122: a note deleted the case's expediente.md). Refused, naming both.
    func refuseCaseTwins(of folder: String) throws {
        guard try repository.indexIgnoresCase() else { return }
        let parts = GitPath.components(folder)
        guard parts.count == 3 else { return }
        let name = parts[2], year = "\(parts[0])/\(parts[1])"
        var names = Set(try repository.entries(at: year, in: try head()).map(\.name))
        names.formUnion((try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(year)")) ?? [])
        guard let twin = names.sorted().first(where: { $0 != name && $0.lowercased() == name.lowercased() }) else { return }
        throw CasebookError.invalidFile(
            file: "\(year)/\(twin)",
            reason: "difiere de la carpeta del expediente, \(folder), solo en mayúsculas y minúsculas, y core.ignorecase está activo: "
                + "git y folio las tomarían por una sola y el registro tocaría la otra",
            fix: "Quite esa carpeta (si está registrada, un jefe la quita con 'git rm -r \"\(year)/\(twin)\"' en su propio commit), "
                + "o, si el sistema de archivos distingue mayúsculas, 'git config core.ignorecase false'; después vuelva a intentarlo.")
    }

    /// The paths staged in the index and its memo (`Repository.stagedPaths(knowing:)`, with
    /// `indice.cache` read and written), found once for an index (by its checksum) and HEAD: a step
    /// asks before locating its case (`caseFolderInIndex`) and again in `checkClean`.
    func stagedState() throws -> (paths: [String], memo: IndexTreeMemo?) {
        let head = try repository.headCommit().map { try repository.treeID(of: $0) }
        if let seen = stagedSeen, seen.head == head, let checksum = seen.memo?.checksum, try repository.indexChecksum() == checksum {
            return (seen.paths, seen.memo)
        }
        let known = usesCache ? IndexMemoFile.read(repository) : nil
        let (all, memo) = try repository.stagedPaths(knowing: known)
        if usesCache, let memo, memo != known { IndexMemoFile.write(memo, repository) }
        stagedSeen = (all, memo, head)
        return (all, memo)
    }

    /// `casePath(id, at: head)` from the index, when nothing is staged (its tree is HEAD's): a
    /// binary search per year folder rather than reading each year's tree (at 30k cases, 14 % of a
    /// step). Only a folder found, and found in HEAD too, is taken (and is `casePath`'s next
    /// answer); nil when the index cannot tell, or holds the id nowhere (the trees say so then).
    @discardableResult
    func caseFolderInIndex(_ id: String, head: OID) throws -> String? {
        if let last = lastCasePath, last.id == id, last.commit == head { return last.path }
        guard CaseID.isValid(id), !id.utf8.contains(UInt8(ascii: "/")) else { return nil }
        let (staged, memo) = try stagedState()
        guard staged.isEmpty, let memo, try memo.tree == repository.treeID(of: head),
              let year = try repository.firstFolderInIndex(under: "cases", holding: id, describing: memo) ?? nil else { return nil }
        let found = "cases/\(year)/\(id)"
        guard try repository.entry(at: found, in: head) != nil else { return nil }
        lastCasePath = (id, head, found)
        return found
    }

    /// The editors' leftovers (`EditorLeftover`) on disk within `paths` that a commit on `parent`
    /// would add: one already in the parent is verify's warning, not the work tree's problem.
    func newLeftovers(within paths: [String], parent: OID?) throws -> [String] {
        try EditorLeftover.files(within: paths, root: root).filter { path in
            try parent.map { try repository.entry(at: path, in: $0) == nil } ?? true
        }
    }

    /// Commits the work-tree state of `paths` on top of `parent`, SSH-signed when the signer
    /// has a registered key (and refused unsigned when `folio.yaml` requires signatures).
    func commit(paths: [String], parent: OID?, author: Persona, role: Role, roster: Roster, subject: String, text: String?,
                trailers: [Trailer]) throws -> OID {
        let message = CommitMessage.compose(subject: subject, text: text, trailers: trailers + [
            Trailer(TrailerKey.signedOff, author.identity),
        ])
        if let parent {
            let previous = try repository.commit(parent)
            let latest = max(previous.author.date, previous.committer.date)
            if clock.now < latest {
                throw CasebookError.dateBeforeParent(date: clock.iso(clock.now), parent: clock.iso(latest), commit: parent.short)
            }
        }
        let hidden = try repository.hiddenEntries(within: paths)
        if !hidden.isEmpty { throw CasebookError.hiddenFromGit(hidden) }
        // Only a leftover the commit would add: one already in the parent (an archived folio that an
        // older folio adopted, or a plain-git commit's) is verify's warning, and refusing it here
        // would freeze the case for good (an archived folio cannot be deleted).
        let leftovers = try newLeftovers(within: paths, parent: parent)
        if !leftovers.isEmpty { throw CasebookError.editorFiles(leftovers) }
        let sign = try signing(author: author, role: role, roster: roster, settingsAt: parent)
        do {
            let (id, index) = try repository.commitWorkTree(paths: paths, parent: parent, author: signature(of: author),
                                                            committer: try committer(for: author, roster: roster), message: message,
                                                            sign: sign, cleanIndex: cleanIndex)
            cleanIndex = nil
            if usesCache, let index { IndexMemoFile.write(index, repository) }
            return id
        } catch let error as GitError where error.isModified {
            throw CasebookError.concurrentUpdate
        }
    }
}
