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
    public static func parse(_ text: String, timeZone: TimeZone = guatemala) -> Date? {
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
}
