/// A role of the manual. Raw values are the ids written in `roles.yaml`, schemas and trailers.
public enum Role: String, CaseIterable, Codable, Sendable, Comparable {
    case jefe
    case asistente
    case analista
    case secretaria
    case dependencia
    case unidadEjecutora = "unidad-ejecutora"

    /// The manual's name for the role.
    public var title: String {
        switch self {
        case .jefe: "Jefe de Departamento"
        case .asistente: "Asistente Administrativo"
        case .analista: "Analista"
        case .secretaria: "Secretaria de Recepción"
        case .dependencia: "Dependencia Prestadora de Servicios"
        case .unidadEjecutora: "Unidad Ejecutora"
        }
    }

    /// True for actors outside the department: their steps are recorded by staff on their behalf.
    public var isExternal: Bool { self == .dependencia || self == .unidadEjecutora }

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// The list of valid ids, for messages.
    public static var validIDs: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
