import Foundation
import GitStore
import Procedures
import Yams

/// One document incorporated into an expediente, with its folio number.
public struct ArchivedDocument: Codable, Equatable, Sendable {
    /// Order of incorporation, from 1; never reused.
    public var folio: Int
    /// Path inside the case folder.
    public var archivo: String
    public var titulo: String
    public var sha256: String
    public var bytes: Int64
    /// Media type (`application/pdf`...).
    public var tipo: String
    /// When it was incorporated (ISO 8601 with offset).
    public var incorporado: String
    /// The persona who incorporated it.
    public var por: String
    /// The step it was incorporated with (nil for `folio attach` outside a step).
    public var paso: String?
    public var dependencia: String?
    /// The folio this document replaces, as a new version of it.
    public var reemplaza: Int?

    /// Equal as written, every text byte for byte: Swift's `==` takes é and e + U+0301 as one
    /// text, where git and the file system hold two names (an entry pointed at the other form,
    /// with other bytes behind it, is a changed entry). Every field is compared.
    public static func == (a: Self, b: Self) -> Bool {
        func same(_ x: String?, _ y: String?) -> Bool {
            switch (x, y) {
            case (nil, nil): true
            case (let x?, let y?): x.utf8.elementsEqual(y.utf8)
            default: false
            }
        }
        return a.folio == b.folio && same(a.archivo, b.archivo) && same(a.titulo, b.titulo) && same(a.sha256, b.sha256)
            && a.bytes == b.bytes && same(a.tipo, b.tipo) && same(a.incorporado, b.incorporado) && same(a.por, b.por)
            && same(a.paso, b.paso) && same(a.dependencia, b.dependencia) && a.reemplaza == b.reemplaza
    }
}

/// The case's index (`indice.md`): the expediente's metadata in the manner of Spain's ENI
/// electronic file index, and its documents in order, with their hashes.
public struct ArchiveIndex: Codable, Equatable, Sendable {
    public static let fileName = "indice.md"

    public var identificador: String
    public var organo: String
    public var apertura: String
    public var procedimiento: Int
    public var nombre_procedimiento: String
    public var version_procedimiento: String
    /// Derived from history; rewritten whenever folio records something in the case.
    public var estado: String
    /// The dependencies or executing units concerned.
    public var interesados: [String]
    public var documentos: [ArchivedDocument]

    /// Whether `persona` may give a new version of `document`: anyone of the department may; a
    /// dependency's contact (or an executing unit's) only of its dependency's documents and of
    /// those it incorporated itself. One rule for `folio attach --replaces` and for verify.
    static func mayReplace(_ document: ArchivedDocument, _ persona: Persona) -> Bool {
        !persona.isExternalContact || persona.isContact(of: document.dependencia) || document.por == persona.id
    }

    /// The last version of `document` in `documents`: the end of the line of folios that replace it
    /// (one successor each, as `incorporate` writes them; the first, where a forged index has more).
    static func lastVersion(of document: ArchivedDocument, in documents: [ArchivedDocument]) -> ArchivedDocument {
        var last = document
        var seen: Set<Int> = [document.folio]
        while let next = documents.first(where: { $0.reemplaza == last.folio && $0.folio > last.folio }), seen.insert(next.folio).inserted {
            last = next
        }
        return last
    }

    /// Which version of its chain `folio` is: 1 for a document that replaces none, n + 1 for one
    /// that replaces the n-th (each link to an earlier folio, as `lastVersion` follows them).
    static func versionNumber(of folio: Int, in documents: [ArchivedDocument]) -> Int {
        var number = 1
        var current = documents.first { $0.folio == folio }
        var seen: Set<Int> = [folio]
        while let replaced = current?.reemplaza, replaced < current!.folio, seen.insert(replaced).inserted {
            number += 1
            current = documents.first { $0.folio == replaced }
        }
        return number
    }

    /// The command that puts back HEAD's version of `file` in the work tree and in git's index,
    /// whether its deletion or change was staged (`git add -A`) or not.
    static func restoreCommand(_ file: String) -> String {
        "git restore --source=HEAD --staged --worktree \(SafeText.shellWord(file))"
    }

    /// The document of `documents` that a document of `dependency` with bytes `sha256` would copy:
    /// the same bytes from the same dependency (or both of the case), unless it is a new version
    /// (`replacing`) of a folio with those bytes (a corrected title); nil when it is no copy. One
    /// rule for attaching, for `folio check` and for verify's commit-by-commit check.
    static func copied(in documents: [ArchivedDocument], sha256: String, dependency: String?, replacing: Int?) -> ArchivedDocument? {
        let same = documents.filter { $0.sha256 == sha256 && $0.dependencia == dependency }
        return same.contains { $0.folio == replacing } ? nil : same.first
    }

    /// The files folio writes in every case folder: never an archived document.
    static let folioFiles: Set<String> = ["expediente.md", RoutingSlip.fileName, fileName]

    /// Whether `archivo` names a document inside its case folder: a relative path without empty,
    /// `.` or `..` parts, and not one of folio's own files.
    static func isDocumentPath(_ archivo: String) -> Bool {
        let parts = GitPath.components(archivo, omittingEmpty: false)
        return !parts.contains { $0.isEmpty || $0 == "." || $0 == ".." } && !(parts.count == 1 && folioFiles.contains(archivo.lowercased()))
    }

    public static func parse(_ text: String, file: String) throws -> ArchiveIndex {
        // The front matter is decoded once, into the index (not loaded as a document first).
        let yaml = try FrontMatterDocument.sections(of: text, file: file).yaml
        do {
            return try YAMLDecoder().decode(ArchiveIndex.self, from: yaml)
        } catch {
            throw CasebookError.invalidFile(file: file, reason: "el índice no se puede leer: \(YAMLErrorText.describe(error))",
                                            fix: "folio escribe este archivo; restaure la versión registrada ('\(restoreCommand(file))').")
        }
    }

    /// The index as written: the data as front matter, and a table for people.
    public var text: String {
        let encoder = YAMLEncoder()
        encoder.options.allowUnicode = true
        encoder.options.sortKeys = false
        let yaml = (try? encoder.encode(self)) ?? ""
        var out = "---\n\(yaml)---\n\n# Índice del expediente \(identificador)\n\n"
        out += "\(organo). Procedimiento \(procedimiento): \(nombre_procedimiento) (versión \(version_procedimiento)). "
        out += "Abierto el \(apertura). Estado: \(estado).\n\n"
        out += "| Folio | Documento | Título | Tamaño | SHA-256 | Incorporado | Por | Paso | Reemplaza |\n"
        out += "|---:|---|---|---:|---|---|---|---|---:|\n"
        for d in documentos {
            let cell = SafeText.markdownCell
            out += "| \(d.folio) | \(cell(d.archivo)) | \(cell(d.titulo)) | \(d.bytes) | `\(d.sha256.prefix(16))…` | \(d.incorporado.prefix(16)) | \(cell(d.por)) | "
                + "\(cell(d.paso ?? "")) | \(d.reemplaza.map(String.init) ?? "") |\n"
        }
        return out
    }
}
