/// How much a finding weighs: an error fails `verify` (and the shared repository's hook refuses
/// the push); a warning is said and counted, and the history stays valid.
public enum Severity: String, Codable, Sendable, CaseIterable {
    case error, warning
}

/// Every rule `verify` and the shared repository's hook (`folio receive`) apply, each with a
/// stable code: printed as `[código]` after a finding, `rule` in `verify --json`, and what
/// `folio receive`, `sync` and the dashboard read instead of the Spanish text. A new rule adds a
/// case here, with its code, default severity and what it checks.
public enum VerifyRule: String, Codable, Sendable, CaseIterable {
    // One commit on its own (`CommitRules.swift`).
    case linear = "lineal"
    case root = "raiz"
    case signature
    case rolesFile = "roles-file"
    case schemas
    case guarded
    case caseExists = "expediente"
    case scope
    case dependencyData = "datos-dependencia"
    case outsideFolio = "outside-folio"
    case date = "fecha"
    case register = "registro"
    case symlink
    case content
    case editorFile = "archivo-de-editor"
    case stamp = "sello"
    case late = "tarde"
    // A case's commits against its procedure (`Casebook+Verify.swift`, `+VerifyNorms`, `+VerifySlip`).
    case trailers
    case signoff
    case author
    case role
    case schema
    case stepOrder = "step-order"
    case deadline = "plazo"
    case routingSlip = "routing-slip"
    case sentReport = "informe-trasladado"
    // The tip as it is now (`Archive/Casebook+Archive.swift`), and each commit (`Casebook+ArchiveRule.swift`).
    case archive
    // The shared repository's hook on a push (`Sharing/Casebook+Receive.swift`).
    case references = "referencias"
    case rewrite = "reescritura"
    case futureDate = "fecha-futura"

    /// The stable code.
    public var code: String { rawValue }

    /// The severity of a finding unless it says otherwise (an edit outside folio by registered
    /// staff, an archived file's warning).
    public var severity: Severity {
        switch self {
        case .stamp, .late, .editorFile: return .warning
        default: return .error
        }
    }

    /// What the rule checks, in Spanish (`folio verify --reglas`).
    public var summary: String {
        switch self {
        case .linear: return "La rama compartida es una sola línea: sin fusiones."
        case .root: return "Una sola raíz: la fijada en folio.raiz (por 'folio init' o el primer comando de folio en el clon)."
        case .signature: return "Cada commit lo firma la clave registrada de su autor en roles.yaml del commit anterior."
        case .rolesFile: return "El archivo roles.yaml se puede leer y solo lo cambia un jefe."
        case .schemas: return "Los procedimientos (schemas/) solo los cambia un jefe."
        case .guarded: return "Lo que está fuera de las carpetas de expedientes solo lo cambia un jefe."
        case .caseExists: return "El trailer Expediente nombra un expediente abierto antes o por ese commit; cada expediente vive en una sola carpeta de año, y no se borra."
        case .scope: return "El commit de un expediente cambia solo la carpeta de ese expediente."
        case .dependencyData: return "Los datos de una dependencia (produccion/<CODIGO>.csv, avance/<CODIGO>.csv) solo los cambia su enlace registrado; su revisión (produccion/<CODIGO>-revision.md), solo el paso que la genera."
        case .outsideFolio: return "Los expedientes se cambian con folio (trailers), por personal registrado."
        case .date: return "La historia no retrocede en el tiempo."
        case .register: return "Cada entrada del registro del departamento nombra al jefe que la adoptó y su día."
        case .symlink: return "Sin enlaces simbólicos ni submódulos en el repositorio."
        case .content: return "Los archivos que folio lee se pueden leer con seguridad."
        case .editorFile: return "Un expediente no guarda los archivos temporales o de bloqueo de un editor (expediente.md~, .expediente.md.swp, ~$acta.docx...)."
        case .stamp: return "Las notas de recepción las firma la clave del servidor."
        case .late: return "Un paso se publica cerca del día que declara (tolerancia de folio.yaml)."
        case .trailers: return "Los trailers de folio (Expediente, Procedimiento, Rol, Decision, Dependencia) son válidos, y el texto del commit no lleva caracteres de control."
        case .signoff: return "Quien realiza el paso lo firma con Signed-off-by."
        case .author: return "El autor de un paso está registrado en roles.yaml del commit anterior, con el nombre que allí tiene."
        case .role: return "El autor tenía el rol del paso en roles.yaml del commit anterior."
        case .schema: return "El procedimiento del expediente está definido en schemas/ de su apertura."
        case .stepOrder: return "Los pasos siguen el orden del manual."
        case .sentReport: return "Un informe anual trasladado (P1-14), o el que genera un paso (P3, P5), queda como se registró."
        case .deadline: return "Un paso fuera de plazo lleva justificación."
        case .routingSlip: return "La hoja de ruta de cada expediente coincide con su historia."
        case .archive: return "Los documentos archivados siguen como el índice los registró: ningún commit los quita, los cambia ni borra su entrada."
        case .references: return "El repositorio compartido guarda solo su rama y los sellos de folio."
        case .rewrite: return "La historia publicada no se reescribe ni se borra."
        case .futureDate: return "Ningún commit publicado está fechado después de la hora del servidor."
        }
    }
}
