import Foundation
import GitStore
import Procedures

extension Casebook {
    /// What one commit adds that could hurt whoever reads it later: a symbolic link anywhere in
    /// its tree (folio would write through it, outside the repository), or a committed file
    /// folio reads (`folio.yaml`, `schemas/`, front matter, archive indexes) that cannot be read
    /// safely (YAML anchors or aliases, too deep, too large, malformed). Both are errors, so the
    /// server's hook refuses the push. Only entries the commit adds or changes are read, a blob
    /// met again not read again while `contentMemo` holds it.
    func checkContent(_ commit: CommitInfo) throws -> [Violation] {
        var found: [Violation] = []
        func flag(_ rule: VerifyRule, _ message: String, _ fix: String, caseID: String? = nil) {
            found.append(Violation(commit: commit.id.hex, caseID: caseID, step: nil, rule: rule, message: message, fix: fix))
        }
        for entry in try repository.addedOrChangedFiles(from: commit.parents.first, to: commit.id) {
            let parts = GitPath.components(entry.path)
            // (A file directly in a year folder is no case's.)
            let caseID = parts.count >= 4 && parts[0] == "cases" ? parts[2] : nil
            if entry.isSymbolicLink || entry.isSubmodule {
                let what = entry.isSymbolicLink ? "un enlace simbólico" : "un submódulo"
                flag(.symlink, "\(entry.path) es \(what): folio escribiría o leería a través de él, fuera del repositorio.",
                     "Quite el enlace ('git rm \(entry.path)') y guarde ahí una carpeta o un archivo normal.", caseID: caseID)
                continue
            }
            // A name that prints as another (attack37: a line break wrote a line of verify's own, an
            // override reversed '.exe'): folio's commands refuse such names; pushed with plain git, an error.
            if SafeText.hasControl(entry.path) {
                flag(.content, "\(SafeText.visible(entry.path)) tiene en su nombre caracteres de control o marcas invisibles, que lo mostrarían como otro nombre.",
                     "Cámbiele el nombre por uno sin ellos ('git mv') en un commit, o quítelo ('git rm').", caseID: caseID)
                continue
            }
            if caseID != nil, parts.count > 3, let kind = EditorLeftover.kind(of: parts[parts.count - 1]) {
                flag(.editorFile, "\(SafeText.visible(entry.path)) es \(kind), un archivo temporal o de bloqueo que deja un editor, no un documento del expediente.",
                     "Bórrelo (rm \(SafeText.shellWord(entry.path))) y registre su retiro con 'folio note \(caseID!) -m \"Quita un archivo temporal del editor\"'.",
                     caseID: caseID)
                continue
            }
            // The same bytes are judged as what folio reads at this path: an annex's bytes moved
            // onto expediente.md are parsed as front matter.
            guard let kind = ParsedKind(path: entry.path, parts: parts) else { continue }
            let key = ContentKey(kind: kind, blob: entry.id)
            let problem: String?
            if let known = contentMemo[key] {
                problem = known
            } else {
                let read = try damage(of: entry, as: kind)
                problem = read.problem
                contentMemo.record(key, problem: read.problem, list: read.list)
            }
            guard let problem else { continue }
            flag(.content, "\(entry.path) no se puede leer con seguridad: \(problem)",
                 kind == .attributes ? dropFix(commit.id.hex) + "; si lo está, "
                    + "quite el archivo con un commit ('git rm \(entry.path)')."
                    : "Restaure la versión anterior del archivo o corríjalo (sin anclas '&' ni alias '*' de YAML).", caseID: caseID)
        }
        return found
    }

    /// A blob as what folio reads it as.
    struct ContentKey: Hashable {
        var kind: ParsedKind
        var blob: OID
    }

    /// What the content check found of the blobs it read, so that a blob met again (the same
    /// template in many cases, a file put back) is not read again: the damaged ones, and the lists
    /// of the versions of `expediente.md` that list expected dependencies (most do not), for
    /// `expectedList`. The clean ones are forgotten every `limit` of them, with the lists: a whole
    /// history's were 29 MB at 30k cases (the first status's peak); a blob forgotten is read again.
    struct ContentMemo {
        private var damaged: [ContentKey: String] = [:]
        private var clean: Set<ContentKey> = []
        private var lists: [OID: ExpectedList] = [:]
        let limit: Int

        init(limit: Int = 1 << 15) { self.limit = limit }

        /// nil: not read (or forgotten); .some(nil): read, nothing wrong.
        subscript(key: ContentKey) -> String?? {
            if let problem = damaged[key] { return .some(problem) }
            return clean.contains(key) ? .some(nil) : nil
        }

        /// What a version of `expediente.md` lists, when the content check read it as front matter
        /// (nil: not read, or forgotten; an empty list: it lists none).
        func list(of blob: OID) -> ExpectedList? {
            self[ContentKey(kind: .frontMatter, blob: blob)] == nil ? nil : lists[blob] ?? ExpectedList()
        }

        mutating func record(_ key: ContentKey, problem: String?, list: ExpectedList?) {
            if let problem {
                damaged[key] = problem
                return
            }
            if clean.count >= limit {
                clean.removeAll(keepingCapacity: true)
                lists.removeAll(keepingCapacity: true)
            }
            clean.insert(key)
            if let list { lists[key.blob] = list }
        }
    }

    /// What folio parses a committed file as, by its path.
    enum ParsedKind: String {
        case settings, register, procedure, yaml, json, archive, frontMatter
        /// A `.gitattributes` at any depth: git reads it at every checkout.
        case attributes

        /// nil: folio does not parse a file there.
        init?(path: String, parts: [String]) {
            let name = parts.last ?? ""
            if name == ".gitattributes" {
                self = .attributes
                return
            }
            switch parts.count {
            case 1 where name == Settings.fileName: self = .settings
            case 2 where path == DepartmentRegister.fileName: self = .register
            case 2 where parts[0] == SchemaLibrary.directory && name.hasPrefix("procedimiento-") && name.hasSuffix(".yaml"): self = .procedure
            case 2 where parts[0] == SchemaLibrary.directory && name.hasSuffix(".yaml"): self = .yaml
            case 2 where parts[0] == SchemaLibrary.directory && name.hasSuffix(".json"): self = .json
            case 4 where parts[0] == "cases" && name == ArchiveIndex.fileName: self = .archive
            case 4 where parts[0] == "cases" && name == "expediente.md": self = .frontMatter
            default: return nil
            }
        }
    }

    /// Why a committed file is damaged when read as `kind` (nil when it reads), and, for front
    /// matter that lists expected dependencies, its list.
    private func damage(of entry: ChangedEntry, as kind: ParsedKind) throws -> (problem: String?, list: ExpectedList?) {
        let data = try repository.blob(entry.id)
        let text = { String(decoding: data, as: UTF8.self) }
        var list: ExpectedList?
        do {
            switch kind {
            case .settings: _ = try Settings.parse(text())
            case .register: _ = try DepartmentRegister.load(yaml: text(), source: entry.path)
            case .procedure: _ = try ProcedureDefinition.load(yaml: text(), source: entry.path)
            case .yaml:
                if let problem = YAMLGuard.problem(in: text()) {
                    throw CasebookError.invalidFile(file: entry.path, reason: problem, fix: YAMLGuard.fix)
                }
            case .json: _ = try JSONSchema(data: data, source: entry.path)
            case .attributes:
                if let (line, attribute) = Self.checkoutAttribute(in: text()) {
                    throw CasebookError.invalidFile(
                        file: entry.path,
                        reason: "la línea \(line) pide a git que cambie los archivos al escribirlos en la carpeta de trabajo ('\(attribute)'): "
                            + "lo que cada persona y folio leen ya no sería lo guardado en la historia (un '$Id$' que git expande puede dañar un expediente.md en cada copia)",
                        fix: "Quite ese atributo, o el archivo ('git rm \(entry.path)'): folio no usa atributos de git")
                }
            case .archive: indexesParsed[entry.id] = try ArchiveIndex.parse(try TextFile.decode(data, file: entry.path), file: entry.path).documentos
            case .frontMatter:
                // What a round expects, for `expectedListChange`, read here where the bytes are
                // (at any path: the same bytes may be moved onto expediente.md), in the same reading.
                // An item naming no dependency too, for the rule of the commit that writes it (`newBadExpectedItem`).
                let listed = try Self.checkedListedCodes(in: data, file: entry.path)
                if listed.codes != nil || listed.bad != nil { list = ExpectedList(listed) }
                // Text that would print as other text (attack36), in a case's own front matter.
                if GitPath.name(entry.path) == "expediente.md",
                   SafeText.mayHideControl(FrontMatterDocument.frontMatter(of: text()).map { Data($0.utf8) } ?? data),
                   let field = try FrontMatterDocument.parse(data: data, file: entry.path).unsafeField {
                    let text = FrontMatterDocument.unsafeFieldText(field)
                    throw CasebookError.invalidFile(file: entry.path, reason: text.reason, fix: text.fix)
                }
            }
            return (nil, list)
        } catch {
            return (Self.reason(of: error), nil)
        }
    }

    /// The attributes of a `.gitattributes` that make git write into the work tree other bytes
    /// than those committed: keyword expansion, filters, line-end and encoding conversions.
    static let checkoutAttributes: Set<String> = ["ident", "filter", "eol", "text", "crlf", "working-tree-encoding"]

    /// The first line of a `.gitattributes` text that sets one of `checkoutAttributes` (for any
    /// pattern, or in a macro: `[attr]name ident`), with the attribute as written; nil when none
    /// does. Unsetting one (`-text`, as `binary` does) or leaving it unspecified (`!eol`) is kept.
    /// Read as git reads it, byte by byte: lines end at LF only, and space, tab, CR and LF are
    /// blanks (a CRLF file, a lone CR between pattern and attribute, or a character that joins the
    /// space after it into one grapheme must not hide an attribute).
    static func checkoutAttribute(in text: String) -> (line: Int, attribute: String)? {
        func blank(_ byte: UInt8) -> Bool { byte == 32 || byte == 9 || byte == 13 || byte == 10 }
        for (number, line) in Array(text.utf8).split(separator: 10, omittingEmptySubsequences: false).enumerated() {
            var rest = line.drop(while: blank)
            guard let first = rest.first, first != UInt8(ascii: "#") else { continue }
            // The pattern first: a quoted one ends at its closing quote (C-style escapes), any
            // other at the first blank.
            if first == UInt8(ascii: "\"") {
                var escaped = false
                rest = rest.dropFirst().drop { byte in
                    defer { escaped = !escaped && byte == UInt8(ascii: "\\") }
                    return escaped || byte != UInt8(ascii: "\"")
                }.dropFirst()
            } else {
                rest = rest.drop { !blank($0) }
            }
            for token in rest.split(whereSeparator: blank) {
                guard let lead = token.first, lead != UInt8(ascii: "-"), lead != UInt8(ascii: "!") else { continue }
                let name = String(decoding: token.prefix { $0 != UInt8(ascii: "=") }, as: UTF8.self)
                if checkoutAttributes.contains(name) { return (number + 1, String(decoding: token, as: UTF8.self)) }
            }
        }
        return nil
    }

    /// An error's reason without the file name it starts with, for messages that name the file.
    static func reason(of error: Error) -> String {
        if case let CasebookError.invalidFile(_, reason, fix) = error { return "\(reason). \(fix)" }
        if case let ProcedureError.invalidDefinition(_, reason) = error { return reason }
        return "\(error)"
    }
}
