import Foundation
import Procedures

/// What a step's declared generators (`genera:` in the schema) write into the case, rendered from
/// the data they read: pure functions, so that recording a step, `sync` and `verify` can call the
/// same ones. Paths are inside the case folder, as `Generator.files` names them.
enum GeneratedFiles {
    /// `revision-produccion`: a dependency's review.
    static func review(_ review: ProductionReview, dependency: String, month: String) -> [(String, String)] {
        zip(Generator.productionReview.files(month: month, dependency: dependency), [review.markdown]).map { ($0, $1) }
    }

    /// `informe-consolidado`: the month's consolidated production report.
    static func consolidated(_ report: ProductionReport, month: String) -> [(String, String)] {
        zip(Generator.consolidatedReport.files(month: month, dependency: nil), [report.markdown, report.csv, report.html]).map { ($0, $1) }
    }

    /// `informe-avance`: the month's progress report.
    static func progress(_ report: ProgressReport, month: String) -> [(String, String)] {
        zip(Generator.progressReport.files(month: month, dependency: nil), [report.markdown, report.csv, report.html]).map { ($0, $1) }
    }

    /// `informe-jefatura`: the head's report is the head's: `existing` (their text, if any) stays,
    /// `figures` go in folio's marked section; with the same report as a page to print or send on.
    static func headReport(figures: String, existing: String?, caseID: String, month: String) -> [(String, String)] {
        let markdown = GeneratedSection.merge(existing: existing, generated: figures)
        return zip(Generator.headReport.files(month: month, dependency: nil),
                   [markdown, HTMLPage.fromMarkdown(markdown, title: "Informe de la jefatura — \(caseID)")]).map { ($0, $1) }
    }
}
