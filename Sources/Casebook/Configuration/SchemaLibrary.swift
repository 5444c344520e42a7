import Foundation
import Procedures

/// Where procedure definitions live: `schemas/procedimiento-N.yaml` in every case repository, copied
/// at `folio init` from this project's canonical `schemas/`.
public enum SchemaLibrary {
    public static let directory = "schemas"

    static func path(for procedure: Int) -> String { "\(directory)/procedimiento-\(procedure).yaml" }

    /// The JSON Schema of `expediente.md`'s front matter for a procedure.
    static func schemaPath(for procedure: Int) -> String { "\(directory)/expediente-\(procedure).schema.json" }

    /// The canonical `schemas/` folder: `FOLIO_SCHEMAS`, else `share/folio/schemas` beside the
    /// installed binary, else the source checkout the binary was built from.
    public static func canonicalDirectory(executable: String) -> String? {
        let fm = FileManager.default
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["FOLIO_SCHEMAS"] { candidates.append(env) }
        let exeDir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        candidates.append(exeDir.appendingPathComponent("../share/folio/schemas").standardized.path)
        candidates.append(exeDir.appendingPathComponent("schemas").path)
        // Sources/Casebook/Configuration/SchemaLibrary.swift -> the checkout's top level.
        let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(checkout.appendingPathComponent(directory).path)
        return candidates.first { fm.fileExists(atPath: $0 + "/procedimiento-1.yaml") }
    }

    /// Loads every `procedimiento-N.yaml` of a folder (for `folio procedures` outside a case repository).
    public static func load(directory: String) throws -> [ProcedureDefinition] {
        try (1...7).compactMap { n in
            let file = "\(directory)/procedimiento-\(n).yaml"
            guard let data = FileManager.default.contents(atPath: file) else { return nil }
            return try ProcedureDefinition.load(yaml: String(decoding: data, as: UTF8.self), source: "schemas/procedimiento-\(n).yaml")
        }
    }
}
