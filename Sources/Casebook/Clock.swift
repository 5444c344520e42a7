import Foundation
import Procedures

/// The department's calendar: America/Guatemala unless `folio.yaml` says otherwise.
public struct Clock: Sendable {
    public var now: Date
    public var timeZone: TimeZone

    public init(now: Date, timeZone: TimeZone = Clock.guatemala) {
        self.now = now
        self.timeZone = timeZone
    }

    public static let guatemala = TimeZone(identifier: "America/Guatemala") ?? TimeZone(secondsFromGMT: -6 * 3600)!

    /// The moments a commit records faithfully, 1970-01-01 to the end of 2099 (libgit2 writes
    /// commit times as unsigned 32-bit numbers: 2106-02-07T06:28:16Z is stored as 1970).
    public static let recordable = Date(timeIntervalSince1970: 0)..<Date(timeIntervalSince1970: 4_102_444_800)

    /// Offset from UTC in minutes at `date`, as git records it.
    public func offsetMinutes(at date: Date) -> Int { timeZone.secondsFromGMT(for: date) / 60 }

    /// Calendar fields of `date` in the department's time zone, by arithmetic on the zone's
    /// offset: a `DateFormatter` per date costs more than replaying the whole history.
    func fields(_ date: Date) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, offset: Int) {
        let offset = timeZone.secondsFromGMT(for: date)
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down)) + time_t(offset)
        var t = tm()
        gmtime_r(&seconds, &t)
        return (Int(t.tm_year) + 1900, Int(t.tm_mon) + 1, Int(t.tm_mday), Int(t.tm_hour), Int(t.tm_min), Int(t.tm_sec), offset)
    }

    /// The year of `now` in the department's time zone.
    public var year: Int { calendar.component(.year, from: now) }

    /// `AAAA-MM-DD` of `now`.
    public var today: String { day(now).description }

    /// The calendar day of `date` in the department's time zone.
    public func day(_ date: Date) -> Day {
        let f = fields(date)
        return Day(f.year, f.month, f.day)
    }

    /// `date` in the department's time zone with `pattern`.
    public func format(_ date: Date, _ pattern: String) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "es_GT")
        f.timeZone = timeZone
        f.dateFormat = pattern
        return f.string(from: date)
    }

    /// ISO 8601 with the offset, as the JSON output carries dates (`2026-11-26T10:00:00-06:00`).
    public func iso(_ date: Date) -> String {
        let f = fields(date)
        let sign = f.offset < 0 ? "-" : "+"
        let off = abs(f.offset) / 60
        return Day(f.year, f.month, f.day).description + "T" + Day.pad(f.hour, 2) + ":" + Day.pad(f.minute, 2) + ":"
            + Day.pad(f.second, 2) + sign + Day.pad(off / 60, 2) + ":" + Day.pad(off % 60, 2)
    }

    var calendar: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = timeZone
        return c
    }

    /// Parses `FOLIO_DATE`-style text: ISO 8601 with or without time (`2026-03-02`, `2026-03-02T09:15:00-06:00`).
    /// A day, hour or offset that does not exist is refused (the formatters roll 2026-11-31T10:00
    /// into December and take offsets of 99 hours).
    public static func parse(_ text: String, timeZone: TimeZone = guatemala) -> Date? {
        let b = Array(text.utf8)
        guard fieldsExist(b) else { return nil }
        if let d = instant(b) { return d }
        let iso = ISO8601DateFormatter()
        if let d = iso.date(from: text) { return d }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = timeZone
        for pattern in ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd"] {
            f.dateFormat = pattern
            if let d = f.date(from: text) { return pattern == "yyyy-MM-dd" ? d.addingTimeInterval(9 * 3600) : d }
        }
        return nil
    }

    /// The number written in `count` digits of `b` from `from`; nil when they are not all digits.
    private static func digits(_ b: [UInt8], _ from: Int, _ count: Int) -> Int? {
        guard from >= 0, from + count <= b.count else { return nil }
        var n = 0
        for i in from..<(from + count) {
            guard (48...57).contains(b[i]) else { return nil }
            n = n * 10 + Int(b[i] - 48)
        }
        return n
    }

    /// Whether the day, hour, minute, second and offset written in `b` (`AAAA-MM-DD`, then
    /// optionally `THH:MM`, `:SS`, fractions, and `Z`, `±HH`, `±HHMM` or `±HH:MM`) exist; true for
    /// a text of another shape, which the formatters then refuse or read.
    private static func fieldsExist(_ b: [UInt8]) -> Bool {
        guard b.count >= 10, b[4] == 45, b[7] == 45, let year = digits(b, 0, 4), let month = digits(b, 5, 2), let day = digits(b, 8, 2)
        else { return true }
        guard (1...12).contains(month), (1...Day.daysIn(year: year, month: month)).contains(day) else { return false }
        guard b.count > 10, b[10] == 84 || b[10] == 116 else { return true }  // T, t
        guard let hour = digits(b, 11, 2), hour < 24, b.count > 13, b[13] == 58, let minute = digits(b, 14, 2), minute < 60 else { return false }
        var i = 16
        if i < b.count, b[i] == 58 {
            guard let second = digits(b, i + 1, 2), second < 60 else { return false }
            i += 3
        }
        if i < b.count, b[i] == 46 || b[i] == 44 { i += 1; while i < b.count, (48...57).contains(b[i]) { i += 1 } }  // fractions
        guard i < b.count, b[i] == 43 || b[i] == 45 else { return true }  // no offset, or Z: the formatters decide
        guard let h = digits(b, i + 1, 2), h < 24 else { return false }
        let rest = b.count - (i + 3)
        if rest == 0 { return true }
        let m = rest == 2 ? digits(b, i + 3, 2) : (rest == 3 && b[i + 3] == 58 ? digits(b, i + 4, 2) : nil)
        return m.map { $0 < 60 } ?? false
    }

    /// `AAAA-MM-DDTHH:MM:SS` followed by `Z` or `±HH:MM`, the form folio writes, by arithmetic
    /// (its fields already known to exist); nil for another form, or a year before 1583, which the
    /// formatters count in the Julian calendar. `ISO8601DateFormatter` starts ICU, a few
    /// milliseconds of every command run with `FOLIO_DATE`.
    private static func instant(_ b: [UInt8]) -> Date? {
        guard b.count == 20 || b.count == 25, b[4] == 45, b[7] == 45, b[10] == 84, b[13] == 58, b[16] == 58,
              let year = digits(b, 0, 4), year >= 1583,
              let month = digits(b, 5, 2), let day = digits(b, 8, 2), let hour = digits(b, 11, 2), let minute = digits(b, 14, 2),
              let second = digits(b, 17, 2) else { return nil }
        var offset = 0
        if b.count == 20 {
            guard b[19] == 90 else { return nil }  // Z
        } else {
            guard b[19] == 43 || b[19] == 45, b[22] == 58, let h = digits(b, 20, 2), let m = digits(b, 23, 2) else { return nil }
            offset = (b[19] == 45 ? -1 : 1) * (h * 3600 + m * 60)
        }
        let days = Day(1970, 1, 1).days(to: Day(year, month, day))
        return Date(timeIntervalSince1970: TimeInterval(days * 86400 + hour * 3600 + minute * 60 + second - offset))
    }
}
