import Foundation
import GitStore
import Procedures

/// The committed configuration of any commit — `roles.yaml`, the procedures and front-matter
/// schemas in `schemas/`, the department's register, `folio.yaml` — read from objects only (never
/// the work tree, so bare repositories too) and cached by blob id: a file unchanged across
/// thousands of commits is parsed once. Part of the read side; owned by one `Casebook`.
final class CommittedConfiguration {
    let repository: Repository
    private var definitions: [OID: ProcedureDefinition] = [:]
    private var registers: [OID: DepartmentRegister] = [:]
    private var rosters: [OID: Roster] = [:]
    private var schemas: [OID: JSONSchema] = [:]
    private var settingsByBlob: [OID: Settings] = [:]
    private var rootListings: [OID: [String: TreeEntry]] = [:]
    private var treeListings: [OID: [String: TreeEntry]] = [:]

    init(repository: Repository) {
        self.repository = repository
    }

    /// `roles.yaml` as committed in `commit` (nobody when it does not exist).
    func roster(at commit: OID) throws -> Roster {
        try roster(blob: try entry(Roster.fileName, in: commit))
    }

    /// The roster of `roles.yaml`'s blob `blob` (nobody when there is none).
    func roster(blob: OID?) throws -> Roster {
        guard let blob else { return Roster(personas: []) }
        if let cached = rosters[blob] { return cached }
        let roster = try Roster.parse(String(decoding: try repository.blob(blob), as: UTF8.self))
        rosters[blob] = roster
        return roster
    }

    /// The definition of `procedure` in `schemas/` as committed in `commit`, with the register of
    /// that commit applied.
    func definition(_ procedure: Int, at commit: OID) throws -> ProcedureDefinition? {
        let path = SchemaLibrary.path(for: procedure)
        guard let blob = try entry(path, in: commit) else { return nil }
        let definition: ProcedureDefinition
        if let cached = definitions[blob] {
            definition = cached
        } else {
            definition = try ProcedureDefinition.load(yaml: String(decoding: try repository.blob(blob), as: UTF8.self), source: path)
            definitions[blob] = definition
        }
        return definition.applying(try register(at: commit))
    }

    /// `schemas/registro.yaml` as committed in `commit`; empty when it does not exist.
    func register(at commit: OID) throws -> DepartmentRegister {
        guard let blob = try entry(DepartmentRegister.fileName, in: commit) else { return DepartmentRegister() }
        if let cached = registers[blob] { return cached }
        let register = try DepartmentRegister.load(yaml: String(decoding: try repository.blob(blob), as: UTF8.self))
        registers[blob] = register
        return register
    }

    /// The JSON Schema of procedure `procedure`'s front matter as committed in `commit`.
    func frontMatterSchema(_ procedure: Int, at commit: OID) throws -> JSONSchema? {
        let path = SchemaLibrary.schemaPath(for: procedure)
        guard let blob = try entry(path, in: commit) else { return nil }
        if let cached = schemas[blob] { return cached }
        let schema = try JSONSchema(data: try repository.blob(blob), source: path)
        schemas[blob] = schema
        return schema
    }

    /// `folio.yaml` as committed at `commit` (the defaults before the first commit or without one).
    func settings(at commit: OID?) throws -> Settings {
        guard let commit, let blob = try entry(Settings.fileName, in: commit) else { return .standard }
        if let known = settingsByBlob[blob] { return known }
        let settings = try Settings.parse(String(decoding: try repository.blob(blob), as: UTF8.self))
        settingsByBlob[blob] = settings
        return settings
    }

    /// The id of the entry at `path` in `commit` for the repository's own files (`roles.yaml`,
    /// `folio.yaml`, `schemas/<file>`): the root read once per commit, a folder's listing once
    /// per tree id, so that rosters, settings and definitions are found by blob id, not by a
    /// lookup through the tree per step.
    func entry(_ path: String, in commit: OID) throws -> OID? {
        // The path cut at its one slash, as bytes (asked at every step's commit).
        let slash = path.utf8.firstIndex(of: 0x2F)
        let parts = slash.map { [String(path[..<$0]), String(path[path.utf8.index(after: $0)...])] } ?? [path]
        guard parts.allSatisfy({ !$0.isEmpty && !$0.utf8.contains(0x2F) }) else { return try repository.entryID(at: path, in: commit) }
        let root: [String: TreeEntry]
        if let known = rootListings[commit] {
            root = known
        } else {
            root = try listing(ofTree: try repository.treeID(of: commit))
            // A few hundred commits' roots at most: memory stays bounded on any history.
            if rootListings.count >= 512 { rootListings.removeAll(keepingCapacity: true) }
            rootListings[commit] = root
        }
        guard let first = root[parts[0]] else { return nil }
        guard parts.count == 2 else { return first.id }
        guard first.kind == .tree else { return nil }
        return try listing(ofTree: first.id)[parts[1]]?.id
    }

    /// A tree's entries by name, cached by its id (folders like `schemas/` change a few times in years).
    private func listing(ofTree id: OID) throws -> [String: TreeEntry] {
        if let known = treeListings[id] { return known }
        let entries = Dictionary(try repository.entries(ofTree: id).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        if treeListings.count >= 512 { treeListings.removeAll(keepingCapacity: true) }
        treeListings[id] = entries
        return entries
    }
}
