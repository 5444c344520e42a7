import Foundation

/// A document folio writes into the case when a step is recorded, declared per step in the schema
/// (`genera: [informe-consolidado]`). The archive index and the routing slip are written by every
/// commit and are not declared.
public enum Generator: String, CaseIterable, Sendable {
    /// A dependency's production checked against its own history (P3, a per-dependency step).
    case productionReview = "revision-produccion"
    /// The month's consolidated production report: Markdown, CSV and HTML (P3).
    case consolidatedReport = "informe-consolidado"
    /// The month's progress report of every unit: Markdown, CSV and HTML (P5).
    case progressReport = "informe-avance"
    /// The head's report: the head's own text, with folio's figures in a marked section, and the
    /// same as a page to print (P3, P5).
    case headReport = "informe-jefatura"

    /// The names the schema may use, for messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The files it writes, inside the case folder, for a month (`AAAA-MM`) and, on a
    /// per-dependency step, a dependency's code.
    public func files(month: String, dependency: String?) -> [String] {
        switch self {
        case .productionReview: ["produccion/\(dependency ?? "CODIGO")-revision.md"]
        case .consolidatedReport: ["md", "csv", "html"].map { "informe/consolidado-\(month).\($0)" }
        case .progressReport: ["md", "csv", "html"].map { "informe/avance-\(month).\($0)" }
        case .headReport: ["md", "html"].map { "informe/informe-jefatura-\(month).\($0)" }
        }
    }

    /// What it is, in a sentence (`docs/normas.md`).
    public var summary: String {
        switch self {
        case .productionReview: "la revisión de la producción de la dependencia frente a su historia"
        case .consolidatedReport: "el informe consolidado del mes (Markdown, CSV y HTML)"
        case .progressReport: "el informe de avance del mes (Markdown, CSV y HTML)"
        case .headReport: "el informe de la jefatura: su texto, con las cifras de folio en una sección marcada, y la página HTML"
        }
    }

    /// Why this generator cannot run in a definition, if it cannot: the data it reads and, for the
    /// review, a per-dependency step.
    func problem(in definition: ProcedureDefinition, step: StepDefinition) -> String? {
        switch self {
        case .productionReview:
            if definition.production == nil { return "lee los datos de producción, y el esquema no tiene 'produccion'" }
            if !step.perDependency { return "es de una dependencia, y el paso no es 'por_dependencia'" }
        case .consolidatedReport:
            if definition.production == nil { return "lee los datos de producción, y el esquema no tiene 'produccion'" }
        case .progressReport:
            if definition.progress == nil { return "lee los datos de avance, y el esquema no tiene 'avance'" }
        case .headReport:
            if definition.production == nil && definition.progress == nil {
                return "resume los datos de producción o de avance, y el esquema no tiene 'produccion' ni 'avance'"
            }
        }
        return nil
    }
}
