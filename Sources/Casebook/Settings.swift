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

    public static let standard = Settings(institution: "Instituto Guatemalteco de Seguridad Social",
                                          department: "Departamento de Planificación", timeZone: "America/Guatemala")

    public static func parse(_ text: String) throws -> Settings {
        struct Model: Decodable {
            var institucion: String?
            var departamento: String?
            var zona_horaria: String?
            var firma: String?
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

        """
    }
}
