import Crypto
import Foundation
import GitStore
import ZIPFoundation

/// Whose signature a dossier must carry: a trust anchor that does not come from the ZIP.
public struct DossierTrust: Sendable {
    /// One person allowed to sign: the principal (e-mail), who they are, and their public key.
    public struct Signer: Sendable {
        public var principal: String
        public var label: String
        public var key: String
    }

    /// Where the anchor comes from, for messages ("roles.yaml de HEAD", "--firmantes equipo.txt").
    public var source: String
    /// An allowed-signers file in OpenSSH's format, used as it is.
    var allowedSignersFile: String?
    /// Or the people with a key in `roles.yaml`.
    var signers: [Signer] = []
    /// The people with a key in `roles.yaml` of the commit the dossier was taken from, to say
    /// so when the key that signed has since been removed from the roster.
    var former: [Signer] = []

    /// An OpenSSH allowed-signers file (`correo namespaces="folio-expediente" ssh-ed25519 AAAA...`).
    public static func allowedSigners(file: String) -> DossierTrust {
        DossierTrust(source: "--firmantes \(file)", allowedSignersFile: file)
    }

    /// The people of a roster who have a registered key.
    static func signers(of roster: Roster) -> [Signer] {
        roster.personas.compactMap { p in
            p.sshKey.flatMap(SSHKey.normalize).map { Signer(principal: p.email, label: "\(p.name) <\(p.email)> (\(p.id))", key: $0) }
        }
    }
}

/// Limits for reading a ZIP someone sends: every entry is streamed through SHA-256, never held
/// whole, and anything larger than it declares, too large in all, or compressed like a bomb is
/// refused before or while it is read.
public enum DossierLimits {
    public static let maximumEntries = 20_000
    public static let maximumEntryBytes: UInt64 = 1 << 30
    public static let maximumTotalBytes: UInt64 = 4 << 30
    /// Uncompressed/compressed; real documents (PDF, images, text) stay far below it.
    public static let maximumRatio: UInt64 = 200
    /// Entries smaller than this are not judged by their ratio.
    public static let ratioFloor: UInt64 = 1 << 20
    /// The manifest, its signature and `indice.json` are read into memory up to this size.
    public static let maximumMetadataBytes = 16 << 20
}

extension Dossier {
    /// The signature of `manifiesto.sha256`, made with `ssh-keygen -Y sign -n folio-expediente`.
    public static let signatureEntry = "manifiesto.sha256.sig"
    /// The SSH signature namespace of dossiers: a commit signature cannot pass for one.
    public static let namespace = "folio-expediente"
    static let manifestEntry = "manifiesto.sha256"
    static let metadataEntries: Set<String> = [manifestEntry, signatureEntry, "indice.json"]

    /// What reading a dossier yields: every file's SHA-256 and size, and the small metadata files.
    struct Contents {
        var hashes: [String: String] = [:]
        var metadata: [String: Data] = [:]
    }

    /// Thrown from the extraction consumer to stop reading an entry.
    private struct Overflow: Error {}

    /// Reads every entry of the ZIP once, within `DossierLimits`; nil when it cannot be read at all.
    static func read(_ path: String, problems: inout [String]) -> Contents? {
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            problems.append("el ZIP está dañado o no es un ZIP: \(error)")
            return nil
        }
        var contents = Contents()
        var seen = Set<String>()
        var declaredTotal: UInt64 = 0, count = 0
        var readTotal: UInt64 = 0
        for entry in archive {
            count += 1
            guard count <= DossierLimits.maximumEntries else {
                problems.append("tiene más de \(DossierLimits.maximumEntries) entradas")
                return nil
            }
            let name = entry.path
            let shown = SafeText.visible(name)
            guard seen.insert(name).inserted else {
                problems.append("la entrada \(shown) está repetida: un ZIP con dos archivos del mismo nombre muestra uno y esconde el otro")
                continue
            }
            guard entry.type == .file else {
                if entry.type == .symlink { problems.append("\(shown) es un enlace simbólico, que un expediente no contiene") }
                continue
            }
            if name.hasPrefix("/") || GitPath.components(name).contains("..") || SafeText.hasControl(name) {
                problems.append("la entrada \(shown) tiene una ruta no válida")
                continue
            }
            let declared = entry.uncompressedSize, compressed = max(entry.compressedSize, 1)
            declaredTotal += declared
            if declared > DossierLimits.maximumEntryBytes || declaredTotal > DossierLimits.maximumTotalBytes {
                problems.append("\(shown) declara \(declared / 1_048_576) MB (\(declaredTotal / 1_048_576) MB en total): más de lo que folio lee de un expediente")
                return contents
            }
            if declared > DossierLimits.ratioFloor, declared / compressed > DossierLimits.maximumRatio {
                problems.append("\(shown) se expande \(declared / compressed) veces al descomprimirse: forma típica de una bomba ZIP; no se lee")
                continue
            }
            var hasher = SHA256()
            var size: UInt64 = 0
            var kept = Data()
            let keep = metadataEntries.contains(name)
            do {
                _ = try archive.extract(entry, skipCRC32: false) { chunk in
                    size += UInt64(chunk.count)
                    readTotal += UInt64(chunk.count)
                    if size > declared || readTotal > DossierLimits.maximumTotalBytes { throw Overflow() }
                    hasher.update(data: chunk)
                    if keep {
                        guard kept.count + chunk.count <= DossierLimits.maximumMetadataBytes else { throw Overflow() }
                        kept.append(chunk)
                    }
                }
            } catch is Overflow {
                problems.append("\(shown) es más grande de lo que declara el ZIP (\(declared) bytes): no se lee más")
                continue
            } catch {
                problems.append("\(shown) no se puede descomprimir: \(error)")
                continue
            }
            guard size == declared else {
                problems.append("\(shown) mide \(size) bytes y el ZIP declara \(declared)")
                continue
            }
            contents.hashes[name] = Digest.hex(hasher.finalize())
            if keep { contents.metadata[name] = kept }
        }
        return contents
    }

    /// Checks the seal in the ZIP's comment, streaming the file: nil when it matches.
    static func sealProblem(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "no se puede leer \(path)" }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd(), size >= 22 else { return "no es un ZIP" }
        let tailLength = min(size, 22 + 65535)
        guard (try? handle.seek(toOffset: size - tailLength)) != nil, let tail = try? handle.read(upToCount: Int(tailLength)),
              let (bodyInTail, seal) = unsealed(tail) else {
            return "no tiene sello de folio (el comentario del ZIP falta o está dañado)"
        }
        // `bodyInTail` ends with the end-of-central-directory record, its comment length zeroed.
        let prefixLength = size - tailLength
        var hasher = SHA256()
        guard (try? handle.seek(toOffset: 0)) != nil else { return "no se puede leer \(path)" }
        var remaining = prefixLength
        while remaining > 0 {
            guard let chunk = try? handle.read(upToCount: Int(min(remaining, UInt64(Digest.chunk)))), !chunk.isEmpty else {
                return "no se puede leer \(path)"
            }
            hasher.update(data: chunk)
            remaining -= UInt64(chunk.count)
        }
        hasher.update(data: bodyInTail)
        return Digest.hex(hasher.finalize()) == seal ? nil : "el sello no coincide: el archivo cambió después de exportarse"
    }

    /// Checks the manifest's SSH signature against `trust`: who signed, or the problem.
    static func checkSignature(manifest: Data, signature: Data, trust: DossierTrust) -> (signer: String?, problem: String?) {
        do {
            func attempt(_ file: String, labels: [String: String]) throws -> String? {
                let folder = try TemporaryFolder()
                let sig = try folder.write(String(decoding: signature, as: UTF8.self), "firma.sig")
                let found = try ExternalTool.run("ssh-keygen", ["-Y", "find-principals", "-s", sig, "-f", file])
                guard found.status == 0 else { return nil }
                for principal in String(decoding: found.out, as: UTF8.self).split(separator: "\n").map(String.init) where !principal.isEmpty {
                    let verified = try ExternalTool.run("ssh-keygen", ["-Y", "verify", "-f", file, "-I", principal, "-n", namespace,
                                                                       "-s", sig], input: manifest)
                    if verified.status == 0 { return labels[principal] ?? principal }
                }
                return nil
            }
            // The people of a roster: checked in-process (the key inside the signature picks the person).
            func inProcess(_ signers: [DossierTrust.Signer]) throws -> String? {
                let text = String(decoding: signature, as: UTF8.self)
                for signer in signers where try SSHVerifier.verify(signature: text, data: manifest, principal: signer.principal,
                                                                   key: signer.key, namespace: namespace) {
                    return signer.label
                }
                return nil
            }
            // An allowed-signers file given with --firmantes is OpenSSH's own format (patterns,
            // cert-authority, valid-after...): ssh-keygen reads it.
            if let file = trust.allowedSignersFile {
                if let signer = try attempt(file, labels: [:]) { return (signer, nil) }
            } else if let signer = try inProcess(trust.signers) {
                return (signer, nil)
            }
            if !trust.former.isEmpty {
                if let signer = try inProcess(trust.former) {
                    return (signer, "lo firmó \(signer) con una clave que estaba en roles.yaml cuando se exportó pero ya no está en "
                        + "\(trust.source): la clave se retiró (¿perdida o comprometida?); pida un expediente exportado de nuevo")
                }
            }
            return (nil, "la firma no es válida o no la hizo ninguna clave de \(trust.source): el expediente pudo alterarse o "
                + "lo firmó alguien ajeno")
        } catch {
            return (nil, "no se pudo comprobar la firma: \(error)")
        }
    }
}
