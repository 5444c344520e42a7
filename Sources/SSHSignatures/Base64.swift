/// Strict base64 (RFC 4648 §4) as OpenSSH's `b64_pton` reads it, without its tolerance of
/// whitespace: a length that is a multiple of four, padding only at the end, and the unused
/// bits of the last character zero (otherwise two texts would decode to the same bytes).
enum Base64 {
    private static let table: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() { table[Int(c)] = Int8(i) }
        return table
    }()

    static func isAlphabet(_ c: UInt8) -> Bool { table[Int(c)] >= 0 || c == UInt8(ascii: "=") }

    /// The bytes `text` encodes; nil when it is not strict base64.
    static func decode(_ text: [UInt8]) -> [UInt8]? {
        guard text.count % 4 == 0 else { return nil }
        var padding = 0
        if text.last == UInt8(ascii: "=") { padding += 1 }
        if text.count >= 2, text[text.count - 2] == UInt8(ascii: "=") { padding += 1 }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 4 * 3)
        var index = 0
        while index < text.count {
            let last = index + 4 == text.count
            var values: [Int] = []
            for j in 0..<4 {
                let c = text[index + j]
                if last, j >= 4 - padding { break }
                let v = table[Int(c)]
                guard v >= 0 else { return nil }
                values.append(Int(v))
            }
            switch values.count {
            case 4:
                let n = values[0] << 18 | values[1] << 12 | values[2] << 6 | values[3]
                out += [UInt8(n >> 16), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)]
            case 3:
                guard values[2] & 0x3 == 0 else { return nil }
                let n = values[0] << 18 | values[1] << 12 | values[2] << 6
                out += [UInt8(n >> 16), UInt8(n >> 8 & 0xff)]
            case 2:
                guard values[1] & 0xf == 0 else { return nil }
                let n = values[0] << 18 | values[1] << 12
                out.append(UInt8(n >> 16))
            default:
                return nil
            }
            index += 4
        }
        return out
    }
}
