import Foundation
import GitStore
import Procedures

/// One row of the production time series (`folio export production`).
public struct ProductionRecord: Codable, Equatable, Sendable {
    public var month: String
    public var dependency: String
    public var program: String
    public var product: String
    public var unit: String
    public var programmed: Double
    public var executed: Double
    public var reprogrammed: Double
}

extension Casebook {
    /// Every dependency's production of every monthly case committed at HEAD, from `from` to `to`
    /// (`AAAA-MM`, inclusive), ordered by month, dependency, program and product: the base de
    /// monitoreo of step 05, derived from the repository: each dependency's figures as its step 05
    /// entered them, none of one excused or not yet through step 05.
    /// `inReview`: also the figures of dependencies still in review (not excused), as committed at
    /// HEAD, for a page that follows the month as it goes (the dashboard's series).
    public func exportProduction(from: String? = nil, to: String? = nil, inReview: Bool = false) throws -> [ProductionRecord] {
        let head = try head()
        guard let definition = try definitions(at: head).first(where: { $0.production != nil }), let rules = definition.production else {
            return []
        }
        let catalog = try productCatalog(rules, at: head)
        var records: [ProductionRecord] = []
        for year in try repository.entries(at: "cases", in: head) where year.kind == .tree {
            for folder in try repository.entries(at: "cases/\(year.name)", in: head) where folder.name.hasPrefix(definition.code + "-") {
                let month = String(folder.name.suffix(7))
                guard Day(iso: month + "-01") != nil else { continue }
                if let from, month < from { continue }
                if let to, month > to { continue }
                let base = "cases/\(year.name)/\(folder.name)/produccion"
                // As the month's report counts them: each dependency's figures as of its step 05, none
                // of one excused or still in review (`countedData`).
                let counted = try countedData(folder.name, at: head)
                let excused = inReview ? Set(try excusedDependencies(folder.name, path: "cases/\(year.name)/\(folder.name)", head: head).map(\.code)) : []
                for file in try repository.entries(at: base, in: head) where file.kind == .blob && Self.isDependencyData(file.name) {
                    let dependency = String(file.name.dropLast(4))
                    var blob = file.id
                    if let counted {
                        guard let at = counted[dependency] ?? (inReview && !excused.contains(dependency) ? head : nil),
                              let then = try repository.entryID(at: "\(base)/\(file.name)", in: at) else { continue }
                        blob = then
                    }
                    let text = String(decoding: try repository.blob(blob), as: UTF8.self)
                    guard let lines = try? ProductionTable.parse(text, file: "\(base)/\(file.name)", catalog: catalog) else { continue }
                    records += lines.map {
                        ProductionRecord(month: month, dependency: dependency, program: $0.program, product: $0.product, unit: $0.unit,
                                         programmed: $0.programmed, executed: $0.executed, reprogrammed: $0.reprogrammed)
                    }
                }
            }
        }
        return records.sorted { ($0.month, $0.dependency, $0.program, $0.product) < ($1.month, $1.dependency, $1.program, $1.product) }
    }
}

extension ProductionRecord {
    public static let csvHeader = "mes,dependencia,programa,producto,unidad_medida,meta_programada,ejecutado,reprogramado"

    public var csvLine: String {
        [month, dependency, program, product, unit, ProductionReport.plain(programmed), ProductionReport.plain(executed),
         ProductionReport.plain(reprogrammed)].map(ProductionReport.csvField).joined(separator: ",")
    }
}
