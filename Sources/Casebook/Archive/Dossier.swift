import Crypto
import Foundation
import GitStore
import Procedures
import ZIPFoundation

/// What `folio verify-export` found in a dossier.
public struct DossierReport: Codable, Sendable {
    public var ok: Bool
    public var caseID: String?
    public var files: Int
    public var problems: [String]
}

/// A case's dossier: a ZIP with every document of the case as committed, the index (Markdown and
/// JSON), the history and a SHA-256 manifest, sealed: the ZIP's comment holds the SHA-256 of the
/// archive itself, so that a change to any byte is found without the repository.
public enum Dossier {
    static let sealPrefix = "folio-sello-sha256:"

    /// The machine-readable index of a dossier (`indice.json`): the case's archive index (its
    /// metadata and folios, with the state at export), and what the dossier adds.
    public struct Index: Codable, Sendable {
        public var indice: ArchiveIndex
        /// Every file of the case, with its SHA-256.
        public var archivos: [File]
        public var historial: [HistoryEntry]
        public var exportado: String
        public var commit: String

        public struct File: Codable, Sendable {
            public var ruta: String
            public var sha256: String
            public var bytes: Int
        }
    }

    /// Checks a dossier without any repository: the seal, the ZIP's own checksums, the manifest,
    /// and the indexed documents' hashes.
    public static func verify(_ path: String) -> DossierReport {
        var problems: [String] = []
        guard let bytes = FileManager.default.contents(atPath: path) else {
            return DossierReport(ok: false, caseID: nil, files: 0, problems: ["no se puede leer \(path)"])
        }
        switch unsealed(bytes) {
        case .none: problems.append("no tiene sello de folio (el comentario del ZIP falta o está dañado)")
        case .some(let (body, seal)) where Digest.sha256(body) != seal:
            problems.append("el sello no coincide: el archivo cambió después de exportarse")
        default: break
        }
        var contents: [String: Data] = [:]
        do {
            let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
            for entry in archive where entry.type == .file {
                var data = Data()
                _ = try archive.extract(entry, skipCRC32: false) { data.append($0) }
                contents[entry.path] = data
            }
        } catch {
            problems.append("el ZIP está dañado: \(error)")
            return DossierReport(ok: false, caseID: nil, files: contents.count, problems: problems)
        }
        guard let manifest = contents["manifiesto.sha256"].map({ String(decoding: $0, as: UTF8.self) }) else {
            problems.append("falta manifiesto.sha256")
            return DossierReport(ok: false, caseID: nil, files: contents.count, problems: problems)
        }
        var listed = Set<String>()
        for line in manifest.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { problems.append("línea de manifiesto ilegible: \(line)"); continue }
            let name = String(parts[1].drop { $0 == " " || $0 == "*" })
            listed.insert(name)
            guard let data = contents[name] else { problems.append("falta \(name)"); continue }
            if Digest.sha256(data) != parts[0] { problems.append("\(name) no coincide con su SHA-256 del manifiesto") }
        }
        for name in contents.keys where name != "manifiesto.sha256" && !listed.contains(name) {
            problems.append("\(name) no está en el manifiesto")
        }
        var caseID: String? = nil
        if let json = contents["indice.json"], let index = try? JSONDecoder().decode(Index.self, from: json) {
            caseID = index.indice.identificador
            for d in index.indice.documentos {
                guard let data = contents["documentos/\(d.archivo)"] else { problems.append("falta el folio \(d.folio): \(d.archivo)"); continue }
                if Digest.sha256(data) != d.sha256 { problems.append("el folio \(d.folio) (\(d.archivo)) no coincide con su SHA-256 del índice") }
            }
        } else {
            problems.append("falta indice.json o no se puede leer")
        }
        return DossierReport(ok: problems.isEmpty, caseID: caseID, files: contents.count, problems: problems)
    }

    /// Splits a sealed ZIP into the archive as written (comment removed) and the seal.
    static func unsealed(_ bytes: Data) -> (Data, String)? {
        let eocd: [UInt8] = [0x50, 0x4b, 0x05, 0x06]
        guard bytes.count >= 22 else { return nil }
        var i = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 65535)
        while i >= lowest {
            if bytes[bytes.startIndex + i] == eocd[0], bytes[bytes.startIndex + i + 1] == eocd[1],
               bytes[bytes.startIndex + i + 2] == eocd[2], bytes[bytes.startIndex + i + 3] == eocd[3] {
                let length = Int(bytes[bytes.startIndex + i + 20]) | Int(bytes[bytes.startIndex + i + 21]) << 8
                guard i + 22 + length == bytes.count else { return nil }
                let comment = String(decoding: bytes[(bytes.startIndex + i + 22)...], as: UTF8.self)
                guard comment.hasPrefix(sealPrefix) else { return nil }
                var body = Data(bytes[..<(bytes.startIndex + i + 20)])
                body.append(contentsOf: [0, 0])
                return (body, String(comment.dropFirst(sealPrefix.count)))
            }
            i -= 1
        }
        return nil
    }

    /// Appends the seal to a ZIP written without a comment.
    static func seal(_ path: String) throws {
        guard var bytes = FileManager.default.contents(atPath: path), bytes.count >= 22 else {
            throw CasebookError.git("no se pudo sellar \(path)")
        }
        let seal = Data((sealPrefix + Digest.sha256(bytes)).utf8)
        let at = bytes.count - 2
        bytes[at] = UInt8(seal.count & 0xff)
        bytes[at + 1] = UInt8(seal.count >> 8)
        bytes.append(seal)
        try bytes.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

extension Casebook {
    /// Writes the dossier of a case as committed at HEAD to `out` (a new `.zip`).
    public func exportDossier(caseID: String, to out: String) throws -> DossierReport {
        let head = try head()
        let (id, path) = try locate(caseID, head: head)
        let history = try loadHistory(at: head)
        guard let replay = try replay(id, in: history) else { throw CasebookError.unknownCase(id) }
        guard !FileManager.default.fileExists(atPath: out) else {
            throw CasebookError.invalidFile(file: out, reason: "ya existe", fix: "Elija otro nombre con --out; un expediente exportado no se sobrescribe.")
        }
        let files = try committedFiles(path, at: head)
        let settings = try settings(at: head)
        let committedIndex = try repository.file(at: "\(path)/\(ArchiveIndex.fileName)", in: head)
            .map { try ArchiveIndex.parse(String(decoding: $0, as: UTF8.self), file: "\(path)/\(ArchiveIndex.fileName)") }
        let opened = try caseFields(path, at: head)?.opened
        let indice = ArchiveIndex(
            identificador: id, organo: "\(settings.department), \(settings.institution)",
            apertura: opened?.nilIfEmpty ?? clock.day(replay.opening.author.date).description,
            procedimiento: replay.definition.number, nombre_procedimiento: replay.definition.name,
            version_procedimiento: replay.definition.version, estado: replay.machine.state.label,
            interesados: committedIndex?.interesados ?? [], documentos: committedIndex?.documentos ?? [])
        let index = Dossier.Index(
            indice: indice, archivos: [], historial: history.records(of: id).enumerated().map { i, r in
                entry(r, kind: r.step != nil ? "step" : (i == 0 ? "opening" : "note"))
            }, exportado: clock.iso(clock.now), commit: head.hex)
        var entries: [(String, Data)] = []
        var manifestFiles: [Dossier.Index.File] = []
        for (relative, blob) in files {
            let data = try repository.blob(blob)
            entries.append(("documentos/\(relative)", data))
            manifestFiles.append(.init(ruta: relative, sha256: Digest.sha256(data), bytes: data.count))
        }
        var full = index
        full.archivos = manifestFiles
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        entries.append(("indice.json", try encoder.encode(full)))
        entries.append(("indice.md", Data(dossierMarkdown(full).utf8)))
        let manifest = entries.map { "\(Digest.sha256($0.1))  \($0.0)" }.joined(separator: "\n") + "\n"
        entries.append(("manifiesto.sha256", Data(manifest.utf8)))
        let temp = out + ".folio-tmp"
        try? FileManager.default.removeItem(atPath: temp)
        do {
            let archive = try Archive(url: URL(fileURLWithPath: temp), accessMode: .create)
            for (name, data) in entries {
                try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count), modificationDate: clock.now,
                                     compressionMethod: .deflate) { position, size in
                    data.subdata(in: Int(position)..<Int(position) + size)
                }
            }
            try Dossier.seal(temp)
            guard rename(temp, out) == 0 else { throw CasebookError.git("no se pudo escribir \(out)") }
        } catch {
            try? FileManager.default.removeItem(atPath: temp)
            throw error
        }
        return Dossier.verify(out)
    }

    /// Every file of a case folder at `commit`, recursively, with its blob id.
    private func committedFiles(_ path: String, at commit: OID) throws -> [(String, OID)] {
        var result: [(String, OID)] = []
        func walk(_ folder: String, _ prefix: String) throws {
            for e in try repository.entries(at: folder, in: commit) {
                switch e.kind {
                case .tree: try walk("\(folder)/\(e.name)", "\(prefix)\(e.name)/")
                case .blob: result.append(("\(prefix)\(e.name)", e.id))
                case .other: break
                }
            }
        }
        try walk(path, "")
        return result
    }

    private func dossierMarkdown(_ index: Dossier.Index) -> String {
        let i = index.indice
        var out = ["# Expediente \(i.identificador)", "",
                   "- Órgano: \(i.organo)", "- Procedimiento \(i.procedimiento): \(i.nombre_procedimiento) (versión \(i.version_procedimiento))",
                   "- Apertura: \(i.apertura)", "- Estado: \(i.estado)",
                   "- Interesados: \(i.interesados.isEmpty ? "—" : i.interesados.joined(separator: ", "))",
                   "- Exportado: \(index.exportado), commit \(index.commit)", "", "## Índice de documentos", "",
                   "| Folio | Documento | Título | SHA-256 | Incorporado | Por | Paso | Reemplaza |", "|---:|---|---|---|---|---|---|---:|"]
        let cell = SafeText.markdownCell
        out += i.documentos.map { d in
            "| \(d.folio) | \(cell(d.archivo)) | \(cell(d.titulo)) | \(d.sha256) | \(d.incorporado) | \(cell(d.por)) | \(cell(d.paso ?? "")) | \(d.reemplaza.map(String.init) ?? "") |"
        }
        out += ["", "## Historial", "", "| Fecha | Paso | Rol | Autor | Commit |", "|---|---|---|---|---|"]
        out += index.historial.map { "| \($0.date) | \(cell($0.step ?? $0.kind)) | \(cell($0.role ?? "")) | \(cell($0.author)) | \($0.commit) |" }
        out += ["", "Verifíquelo sin el repositorio con 'folio verify-export ARCHIVO.zip', o con 'sha256sum -c manifiesto.sha256' tras descomprimirlo."]
        return out.joined(separator: "\n") + "\n"
    }
}
