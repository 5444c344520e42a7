import ArgumentParser
import Casebook
import Foundation
import Procedures

/// `--decision si|no`: the answer of a decision step, parsed by ArgumentParser before anything
/// opens the repository (`sí` and any capitalisation are taken too).
struct Answer: ExpressibleByArgument {
    let value: Bool

    init?(argument: String) {
        switch argument.lowercased() {
        case "si", "sí": value = true
        case "no": value = false
        default: return nil
        }
    }

    /// As the trailer writes it.
    var text: String { value ? "si" : "no" }

    static var allValueStrings: [String] { ["si", "no"] }
}

/// `--today AAAA-MM-DD`: a day of the department's calendar, as a moment of the clock. Parsed
/// in the command line, before the repository opens; a bad day is a refusal (exit 1) that says
/// the form to use, as it always was, not a usage error.
struct DayArgument {
    let day: Day
    let date: Date

    init(parsing text: String, option: String = "--today") throws {
        guard let day = Day(iso: text), let date = Clock.parse(text) else {
            throw CasebookError.invalidValue(option: option, reason: "'\(text)' no es una fecha", fix: "Use AAAA-MM-DD.")
        }
        // The days folio counts, as for FOLIO_DATE (a commit records 1970 to 2099; before 1583 the
        // calendar is not the one the dates are counted in).
        guard Clock.recordable.contains(date) else {
            throw CasebookError.invalidValue(option: option, reason: "'\(text)' está fuera de los años que folio cuenta (1970 a 2099)",
                                            fix: "Use una fecha entre 1970-01-01 y 2099-12-31, como AAAA-MM-DD.")
        }
        self.day = day
        self.date = date
    }
}
