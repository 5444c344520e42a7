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
    /// The commit the dossier was taken from, and when it was exported (from its signed index).
    public var commit: String?
    public var exported: String?
    /// `valida` (checked against a trust anchor), `sin-comprobar` (signed, but no anchor was
    /// given), `sin-firma`, or `invalida`.
    public var signature: String
    /// Who signed, as the trust anchor names them.
    public var signer: String?
    /// What the result proves, in Spanish, for people.
    public var notes: [String]
}

/// A case's dossier: a ZIP with every document of the case as committed, the index (Markdown and
/// JSON), the history and a SHA-256 manifest. The manifest is signed with the exporting person's
/// SSH key (`manifiesto.sha256.sig`, namespace `folio-expediente`) when they have one registered:
/// that proves who exported it and that nothing changed since. The ZIP's comment also holds the
/// SHA-256 of the archive itself (the seal), which detects accidental damage only: anyone can
/// recompute it.
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
        /// Who exported and signed it (`Nombre <correo>`); nil for an unsigned dossier.
        public var firmante: String?

        public struct File: Codable, Sendable {
            public var ruta: String
            public var sha256: String
            public var bytes: Int
        }
    }

    /// Checks a dossier: the seal, every entry (streamed, within `DossierLimits`), the manifest,
    /// the indexed documents' hashes and, with `trust`, the signature.
    public static func verify(_ path: String, trust: DossierTrust? = nil) -> DossierReport {
        check(path, trust: trust).report
    }

    static func check(_ path: String, trust: DossierTrust?) -> (report: DossierReport, contents: Contents?, index: Index?) {
        var problems: [String] = []
        var report = DossierReport(ok: false, caseID: nil, files: 0, problems: [], commit: nil, exported: nil, signature: "sin-firma",
                                   signer: nil, notes: [])
        func done(_ contents: Contents?, _ index: Index?) -> (report: DossierReport, contents: Contents?, index: Index?) {
            report.problems = problems
            report.ok = problems.isEmpty
            return (report, contents, index)
        }
        if let problem = sealProblem(path) { problems.append(problem) }
        guard let contents = read(path, problems: &problems) else { return done(nil, nil) }
        report.files = contents.hashes.count
        guard let manifestData = contents.metadata[manifestEntry] else {
            problems.append("falta \(manifestEntry)")
            return done(contents, nil)
        }
        let manifest = String(decoding: manifestData, as: UTF8.self)
        var listed = Set<String>()
        for line in manifest.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { problems.append("línea de manifiesto ilegible: \(SafeText.visible(String(line)))"); continue }
            let name = String(parts[1].drop { $0 == " " || $0 == "*" })
            guard listed.insert(name).inserted else { problems.append("\(name) aparece dos veces en el manifiesto"); continue }
            guard let hash = contents.hashes[name] else { problems.append("falta \(name)"); continue }
            if hash != parts[0] { problems.append("\(name) no coincide con su SHA-256 del manifiesto") }
        }
        for name in contents.hashes.keys.sorted() where name != manifestEntry && name != signatureEntry && !listed.contains(name) {
            problems.append("\(SafeText.visible(name)) no está en el manifiesto")
        }
        var index: Index? = nil
        if let json = contents.metadata["indice.json"], let decoded = try? JSONDecoder().decode(Index.self, from: json) {
            index = decoded
            report.caseID = decoded.indice.identificador
            report.commit = decoded.commit
            report.exported = decoded.exportado
            for d in decoded.indice.documentos {
                guard let hash = contents.hashes["documentos/\(d.archivo)"] else { problems.append("falta el folio \(d.folio): \(d.archivo)"); continue }
                if hash != d.sha256 { problems.append("el folio \(d.folio) (\(d.archivo)) no coincide con su SHA-256 del índice") }
            }
        } else {
            problems.append("falta indice.json o no se puede leer")
        }
        let accidental = "El sello y el manifiesto solo detectan cambios accidentales: quien altere el ZIP puede recalcularlos."
        let unchecked = "sin eso, el sello y el manifiesto solo detectan cambios accidentales: quien altere el ZIP puede recalcularlos."
        switch (contents.metadata[signatureEntry], trust) {
        case (nil, nil):
            report.notes.append("Sin firma. " + accidental)
        case (nil, let trust?):
            problems.append("no tiene firma (\(signatureEntry)), y se pidió comprobarla con \(trust.source). " + accidental)
        case (_?, nil):
            report.signature = "sin-comprobar"
            report.notes.append("Firmado\(index?.firmante.map { " (dice: \($0))" } ?? ""), pero la firma no se comprobó: indique -C REPOSITORIO "
                                + "o --firmantes ARCHIVO (claves públicas del departamento); " + unchecked)
        case (let signature?, let trust?):
            let (signer, problem) = checkSignature(manifest: manifestData, signature: signature, trust: trust)
            report.signer = signer
            if let problem {
                report.signature = "invalida"
                problems.append(problem)
            } else if let declared = index?.firmante, let email = declared.split(separator: "<").last?.split(separator: ">").first,
                      !(signer ?? "").lowercased().contains(email.lowercased()) {
                // The index names who exported it; a valid signature by someone else is a re-signed dossier.
                report.signature = "invalida"
                problems.append("el índice dice que lo exportó y firmó \(declared), pero la firma es de \(signer ?? "otra clave"): "
                                + "alguien lo firmó de nuevo; pida el expediente a quien lo exportó")
            } else if problems.isEmpty {
                report.signature = "valida"
                report.notes.append("Firma válida de \(signer ?? "") (según \(trust.source)), exportado el \(report.exported ?? "") del commit "
                                    + "\(report.commit ?? ""): ningún archivo cambió desde que lo firmó.")
            } else {
                report.signature = "valida"
                report.notes.append("La firma de \(signer ?? "") (según \(trust.source)) es válida sobre el manifiesto, pero los archivos no "
                                    + "coinciden con él (arriba): el expediente se alteró después de firmarlo.")
            }
        }
        return done(contents, index)
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
            throw CasebookError.fileSystem(path: path, action: "sellar", reason: "el archivo escrito está vacío o incompleto")
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
    /// Writes the dossier of a case as committed at HEAD to `out` (a new `.zip`), its manifest
    /// signed with the SSH key of the exporting person (`persona`, else git's `user.email`) when
    /// `roles.yaml` registers one for them; unsigned when they have none.
    public func exportDossier(caseID: String, to out: String, persona key: String? = nil) throws -> DossierReport {
        let head = try head()
        let roster = try roster(at: head)
        let exporter = key != nil ? try persona(key, in: roster) : try? persona(nil, in: roster)
        var signer: SSHSigner? = nil
        if let exporter, let registered = exporter.sshKey {
            guard let found = try SSHSigner.find(registered: registered, repository: repository) else {
                throw CasebookError.signingKeyMissing(persona: exporter.id, configured: try SSHSigner.configured(repository))
            }
            signer = found
        }
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
            }, exportado: clock.iso(clock.now), commit: head.hex, firmante: signer == nil ? nil : exporter?.identity)
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
        entries.append((Dossier.manifestEntry, Data(manifest.utf8)))
        if let signer {
            entries.append((Dossier.signatureEntry, Data(try signer.sign(Data(manifest.utf8), namespace: Dossier.namespace).utf8)))
        }
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
            guard rename(temp, out) == 0 else { throw CasebookError.fileSystem(path: out, action: "escribir", reason: SystemError.explain(errno)) }
        } catch {
            try? FileManager.default.removeItem(atPath: temp)
            throw error
        }
        return Dossier.check(out, trust: signer == nil ? nil : DossierTrust(source: "roles.yaml", signers: DossierTrust.signers(of: roster))).report
    }

    /// Checks a dossier against this repository: the signature with the keys of `roles.yaml` at
    /// HEAD (saying so when the key that signed was removed since the export), and that every
    /// document equals the case's files in the commit it was taken from.
    public func verifyDossier(_ path: String) throws -> DossierReport {
        let head = try head()
        var trust = DossierTrust(source: "roles.yaml (HEAD \(head.short))", signers: DossierTrust.signers(of: try roster(at: head)))
        let peek = Dossier.check(path, trust: nil)
        let exportCommit = peek.report.commit.flatMap(OID.init(hex:))
        let known = try exportCommit.map { try repository.resolve(revision: $0.hex) != nil && repository.isAncestor($0, of: head) } ?? false
        if let exportCommit, known {
            trust.former = DossierTrust.signers(of: (try? roster(at: exportCommit)) ?? Roster(personas: []))
                .filter { old in !trust.signers.contains { $0.key == old.key } }
        }
        var (report, contents, index) = Dossier.check(path, trust: trust)
        guard let contents, let index, let commit = exportCommit else { return report }
        guard known else {
            report.problems.append("el commit \(commit.hex) del que se exportó no está en la historia de este repositorio: "
                                   + "actualícelo con 'folio sync' o compruebe que el expediente es de este departamento")
            report.ok = false
            return report
        }
        guard let casePath = try casePath(index.indice.identificador, at: commit) else {
            report.problems.append("el expediente \(index.indice.identificador) no existe en el commit \(commit.short)")
            report.ok = false
            return report
        }
        let committed = try committedFiles(casePath, at: commit)
        var expected = Set<String>()
        for (relative, blob) in committed {
            expected.insert("documentos/\(relative)")
            if contents.hashes["documentos/\(relative)"] != Digest.sha256(try repository.blob(blob)) {
                report.problems.append("documentos/\(relative) no es igual al archivo \(casePath)/\(relative) del commit \(commit.short)")
            }
        }
        for name in contents.hashes.keys.sorted() where name.hasPrefix("documentos/") && !expected.contains(name) {
            report.problems.append("\(SafeText.visible(name)) no está en \(casePath) del commit \(commit.short)")
        }
        report.ok = report.problems.isEmpty
        if report.ok { report.notes.append("\(committed.count == 1 ? "El documento es igual al" : "Los \(committed.count) documentos son iguales a los") de \(casePath) en el commit \(commit.short).") }
        return report
    }

    /// Every file of a case folder at `commit`, recursively, with its blob id.
    func committedFiles(_ path: String, at commit: OID) throws -> [(String, OID)] {
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
        out += ["", "## Historial", "", "| Fecha | Paso | Dependencia | Rol | Autor | Commit |", "|---|---|---|---|---|---|"]
        out += index.historial.map {
            "| \($0.date) | \(cell($0.step ?? $0.kind)) | \(cell($0.dependency ?? "")) | \(cell($0.role ?? "")) | \(cell($0.author)) | \($0.commit) |"
        }
        out += ["", index.firmante.map { "Firmado por \($0): compruébelo con 'folio verify-export ARCHIVO.zip --firmantes FIRMANTES', o, descomprimido, "
                + "con 'ssh-keygen -Y verify -f FIRMANTES -I CORREO -n \(Dossier.namespace) -s \(Dossier.signatureEntry) < \(Dossier.manifestEntry)' "
                + "y 'sha256sum -c \(Dossier.manifestEntry)'." }
            ?? "Sin firma: 'folio verify-export ARCHIVO.zip' o 'sha256sum -c manifiesto.sha256' solo detectan cambios accidentales."]
        return out.joined(separator: "\n") + "\n"
    }
}
