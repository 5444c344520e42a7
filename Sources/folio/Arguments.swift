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

/// `--today AAAA-MM-DD`: a day of the department's calendar, as a moment of the clock.
struct DayArgument: ExpressibleByArgument {
    let day: Day
    let date: Date

    init?(argument: String) {
        guard let day = Day(iso: argument), let date = Clock.parse(argument) else { return nil }
        self.day = day
        self.date = date
    }
}
