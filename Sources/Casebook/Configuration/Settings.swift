import Foundation
import Procedures
import Yams

/// `folio.yaml`: the institution and the department's settings.
public struct Settings: Equatable, Sendable {
    public static let fileName = "folio.yaml"
    public var institution: String
    public var department: String
    public var timeZone: String
    /// `firma: obligatoria`: every step must be SSH-signed.
    public var signatureRequired = false
    /// `rama`: the shared branch, one line of commits (default `main`).
    public var branch = "main"
    /// `refs_permitidas`: other references the shared repository accepts (`refs/tags/*`, ...).
    public var allowedRefs: [String] = []
    /// `clave_servidor`: the public key that signs the shared repository's reception stamps.
    public var serverKey: String?
    /// `tolerancia_recepcion_horas`: how much earlier than its reception a step may be dated
    /// before verify says it was published late (default 24 hours).
    public var receptionToleranceHours = 24

    public static let standard = Settings(institution: "Instituto Guatemalteco de Seguridad Social",
                                          department: "Departamento de Planificación", timeZone: "America/Guatemala")

    public static func parse(_ text: String) throws -> Settings {
        struct Model: Decodable {
            var institucion: String?
            var departamento: String?
            var zona_horaria: String?
            var firma: String?
            var rama: String?
            var refs_permitidas: [String]?
            var clave_servidor: String?
            var tolerancia_recepcion_horas: Int?
        }
        let model: Model
        if let problem = YAMLGuard.problem(in: text) {
            throw CasebookError.invalidFile(file: fileName, reason: problem, fix: YAMLGuard.fix)
        }
        do {
            model = try YAMLDecoder().decode(Model.self, from: text)
        } catch {
            throw CasebookError.invalidYAML(file: fileName, reason: YAMLErrorText.describe(error),
                                            fix: "Corrija el archivo (claves: institucion, departamento, zona_horaria).",
                                            parser: YAMLErrorText.problem(error).detail)
        }
        let zone = model.zona_horaria ?? standard.timeZone
        guard TimeZone(identifier: zone) != nil else {
            throw CasebookError.invalidFile(file: fileName, reason: "la zona horaria '\(zone)' no existe",
                                            fix: "Use un nombre de la base de zonas horarias, p. ej. America/Guatemala.")
        }
        guard [nil, "obligatoria", "opcional"].contains(model.firma) else {
            throw CasebookError.invalidFile(file: fileName, reason: "'firma' dice '\(model.firma ?? "")'",
                                            fix: "Use 'firma: obligatoria' (todo paso firmado con SSH) o 'firma: opcional'.")
        }
        var settings = Settings(institution: model.institucion ?? standard.institution,
                                department: model.departamento ?? standard.department, timeZone: zone)
        settings.signatureRequired = model.firma == "obligatoria"
        if let rama = model.rama {
            guard !rama.isEmpty, !rama.contains(".."), !rama.hasPrefix("refs/"), !rama.contains(" ") else {
                throw CasebookError.invalidFile(file: fileName, reason: "'rama' dice '\(rama)'", fix: "Use el nombre de una rama, p. ej. 'rama: main'.")
            }
            settings.branch = rama
        }
        settings.allowedRefs = model.refs_permitidas ?? []
        for pattern in settings.allowedRefs where !pattern.hasPrefix("refs/") {
            throw CasebookError.invalidFile(file: fileName, reason: "'refs_permitidas' incluye '\(pattern)'",
                                            fix: "Escriba referencias completas, p. ej. refs/tags/* o refs/heads/borradores/*.")
        }
        if let key = model.clave_servidor {
            guard let normalized = SSHKey.normalize(key) else {
                throw CasebookError.invalidFile(file: fileName, reason: "'clave_servidor' no es una clave pública SSH",
                                                fix: "Copie la línea del archivo .pub de la clave del servidor (ssh-ed25519 AAAA...).")
            }
            settings.serverKey = normalized
        }
        if let hours = model.tolerancia_recepcion_horas {
            guard hours >= 0 else {
                throw CasebookError.invalidFile(file: fileName, reason: "'tolerancia_recepcion_horas' es negativa", fix: "Use un número de horas, p. ej. 24.")
            }
            settings.receptionToleranceHours = hours
        }
        return settings
    }

    var yaml: String {
        """
        # Configuración de folio para este repositorio de expedientes.
        institucion: \(YAMLText.scalar(institution))
        departamento: \(YAMLText.scalar(department))
        # Fechas de los pasos, plazos y reportes se calculan en esta zona horaria.
        zona_horaria: \(YAMLText.scalar(timeZone))
        # 'obligatoria': todo paso debe ir firmado con la clave SSH de quien lo realiza (roles.yaml, clave_ssh).
        firma: \(signatureRequired ? "obligatoria" : "opcional")
        # La rama compartida: una sola línea de commits desde el primero (el repositorio compartido
        # rechaza fusiones, otras raíces y cualquier otra referencia salvo las de refs_permitidas).
        rama: \(YAMLText.scalar(branch))
        # Cuánto antes de su recepción en el repositorio compartido puede estar fechado un paso
        # antes de que verify lo señale como publicado tarde.
        tolerancia_recepcion_horas: \(receptionToleranceHours)

        """
    }
}
