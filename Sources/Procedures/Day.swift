/// A calendar day, with no time and no time zone: deadlines are whole days of the department's
/// calendar (America/Guatemala), as the manual counts them.
public struct Day: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(_ year: Int, _ month: Int, _ day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The day `days` after 1970-01-01 in the proleptic Gregorian calendar (the inverse of
    /// `ordinal`: H. Hinnant's civil_from_days).
    public init(daysSince1970 days: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let month = mp < 10 ? mp + 3 : mp - 9
        self.init(yoe + era * 400 + (month <= 2 ? 1 : 0), month, doy - (153 * mp + 2) / 5 + 1)
    }

    /// Parses `AAAA-MM-DD`.
    public init?(iso text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), (1...Day.daysIn(year: y, month: m)).contains(d) else { return nil }
        self.init(y, m, d)
    }

    /// `AAAA-MM-DD`.
    public var description: String {
        Day.pad(year, 4) + "-" + Day.pad(month, 2) + "-" + Day.pad(day, 2)
    }

    /// `n` with leading zeros to `width` digits (no `String(format:)`, which is slow in hot paths).
    public static func pad(_ n: Int, _ width: Int) -> String {
        let digits = String(n)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    public static func < (a: Day, b: Day) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    public static func isLeap(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    public static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The first day of the month `months` after this day's month.
    public func monthStart(adding months: Int) -> Day {
        let index = year * 12 + (month - 1) + months
        return Day(index / 12, index % 12 + 1, 1)
    }

    /// The same day `months` later, or the month's last day when it is shorter (30 November plus
    /// three months is 28 or 29 February), as calendar months are counted.
    public func adding(months: Int) -> Day {
        let start = monthStart(adding: months)
        return Day(start.year, start.month, min(day, Day.daysIn(year: start.year, month: start.month)))
    }

    /// `days` calendar days later.
    public func adding(days: Int) -> Day {
        var result = self
        var left = days
        while left > 0 {
            let remaining = Day.daysIn(year: result.year, month: result.month) - result.day
            if left <= remaining { result.day += left; break }
            left -= remaining + 1
            result = result.monthStart(adding: 1)
        }
        return result
    }

    /// Calendar days from this day to `other` (negative when `other` is earlier).
    public func days(to other: Day) -> Int { other.ordinal - ordinal }

    private var ordinal: Int {
        // Days since 0000-03-01 in the proleptic Gregorian calendar.
        let y = month <= 2 ? year - 1 : year
        let m = month <= 2 ? month + 9 : month - 3
        return 365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + day - 1
    }
}
