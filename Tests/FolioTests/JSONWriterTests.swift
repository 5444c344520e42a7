import Casebook
import Foundation
import Testing
@testable import folio

/// `folio status --json` writes each case with `JSONWriter`, which must give the bytes
/// `JSONEncoder` gives (DESIGN.md's contract, and the output cache written by the version before).
@Suite("The JSON of every case, written by folio's own writer")
struct JSONWriterTests {
    /// Foundation's encoder for an element of an array printed whole: pretty, key-sorted, slashes
    /// as they are, every line after the first indented two more spaces (a blank line stays blank).
    static func foundation<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let bytes = Array(try encoder.encode(value))
        var out: [UInt8] = []
        for (index, byte) in bytes.enumerated() {
            out.append(byte)
            if byte == 10, index + 1 < bytes.count, bytes[index + 1] != 10 { out += [32, 32] }
        }
        return out
    }

    struct Inner: Codable, Equatable {
        var name: String
        var count: Int?
        var flags: [Bool]
    }

    enum Kind: String, Codable { case step, note = "nota/paso" }

    /// Keys in every order question: case, accents, prefixes, digits, underscores, symbols.
    struct Hostile: Codable {
        var text: String
        var optional: String?
        var absent: Int?
        var number: Int
        var negative: Int64
        var unsigned: UInt8
        var kind: Kind
        var list: [String]
        var empty: [Int]
        var emptyObject: [String: String]
        var map: [String: Int]
        var nested: [Inner]
        var nestedEmpty: [[Inner]]

        func encode(to encoder: Encoder) throws {
            // As the status types do: every key, nulls written (`encodeNil` through Optional).
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(text, forKey: .text)
            try c.encode(optional, forKey: .optional)
            try c.encodeIfPresent(absent, forKey: .absent)
            try c.encode(number, forKey: .number)
            try c.encode(negative, forKey: .negative)
            try c.encode(unsigned, forKey: .unsigned)
            try c.encode(kind, forKey: .kind)
            try c.encode(list, forKey: .list)
            try c.encode(empty, forKey: .empty)
            try c.encode(emptyObject, forKey: .emptyObject)
            try c.encode(map, forKey: .map)
            try c.encode(nested, forKey: .nested)
            try c.encode(nestedEmpty, forKey: .nestedEmpty)
        }
    }

    @Test("any text, key and shape is written as JSONEncoder writes it: every control character, quotes, backslashes, slashes, non-ASCII, empty lists and objects, nulls")
    func hostileValues() throws {
        var generator = Seeded(20261130)
        let controls = (0..<32).map { String(UnicodeScalar(UInt8($0))) }
        let pieces = controls + ["\"", "\\", "/", "</script>", "\u{7F}", "\u{2028}", "\u{2029}", "é", "Ñ", "👍🏽", "e\u{301}", "漢字", "\u{FEFF}",
                                 "a", "Z", " ", "\\u0000", "null", "[]", "{}", ":", ","]
        func text() -> String {
            (0..<Int.random(in: 0...8, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
        }
        let keys = ["a", "A", "b", "B", "aa", "aB", "a_b", "a-b", "a1", "a10", "a2", "é", "e", "E", "z", "Z", "_", "-", "1", "10", "2",
                    "ñ", "n", "commit", "committer", "committerEmail", "key with space", ""] + controls.prefix(3)
        for round in 0..<400 {
            var map: [String: Int] = [:]
            for _ in 0..<Int.random(in: 0...12, using: &generator) {
                map[Bool.random(using: &generator) ? keys.randomElement(using: &generator)! : text()] = Int.random(in: -1000...1000, using: &generator)
            }
            let value = Hostile(
                text: text(), optional: Bool.random(using: &generator) ? text() : nil, absent: round % 3 == 0 ? round : nil,
                number: Int.random(in: Int.min...Int.max, using: &generator), negative: Int64.min + Int64(round), unsigned: UInt8(round % 256),
                kind: round % 2 == 0 ? .step : .note, list: (0..<(round % 4)).map { _ in text() }, empty: [],
                emptyObject: [:], map: map,
                nested: (0..<(round % 3)).map { _ in Inner(name: text(), count: Bool.random(using: &generator) ? round : nil, flags: [true, false].shuffled(using: &generator)) },
                nestedEmpty: round % 2 == 0 ? [] : [[]])
            let ours = try JSONWriter.write(value, indent: 2)
            let theirs = try Self.foundation(value)
            #expect(ours == theirs, "round \(round):\n\(String(decoding: ours, as: UTF8.self))\n---\n\(String(decoding: theirs, as: UTF8.self))")
            if ours != theirs { break }
        }
        // A top-level list and a bare value, with no extra indentation.
        let list = [["x": [1, 2]], [:]]
        #expect(try JSONWriter.write(list) == Array(try { () throws -> Data in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return try encoder.encode(list)
        }()))
        // A key encoded twice: the last value stays, in the first one's place in the order.
        struct Twice: Encodable {
            enum Key: String, CodingKey { case b, a }
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: Key.self)
                try c.encode("first", forKey: .a)
                try c.encode(1, forKey: .b)
                try c.encode(["last"], forKey: .a)
            }
        }
        #expect(try JSONWriter.write([Twice()], indent: 2) == (try Self.foundation([Twice()])))
        // Numbers that are not integers are refused, not guessed.
        #expect(throws: EncodingError.self) { try JSONWriter.write(["x": 1.5]) }
    }

    @Test("the status of every case of a repository with hostile titles is written as JSONEncoder writes it, and folio status --json prints it")
    func statusesOfARepository() throws {
        let cli = CLI()
        try cli.setUp()
        let titles = ["Ampliación \"Escuintla\" / fase 2", "B", "C", "👍🏽 e\u{301} 漢字 </script>"]
        for (index, title) in titles.enumerated() {
            let made = try cli.folio("new", "4", "--title", title, "--set", "snip=24578\(index)", "--set", "unidad_ejecutora=DIP")
            #expect(made.ok, "\(made.err)")
        }
        #expect(try cli.folio("step", "PI-2026-0001", "--assign", "alopez", "-m", "Revisar \"ya\"\ncon prioridad").ok)
        #expect(try cli.folio("new", "3", "--month", "2026-10", "--as", "alopez").ok)
        // Titles folio refuses to write (control characters), edited by hand and committed with plain git.
        for (id, title) in [("PI-2026-0002", "Tab\\there, back\\\\slash \\u0001"), ("PI-2026-0003", "L\\u001Fínea \\b\\f\\r\\u007F")] {
            let file = cli.repo + "/cases/2026/\(id)/expediente.md"
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let edited = text.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.hasPrefix("titulo:") ? "titulo: \"\(title)\"" : String($0) }.joined(separator: "\n")
            try edited.write(toFile: file, atomically: true, encoding: .utf8)
        }
        _ = try cli.git("commit", "-qam", "Títulos a mano")
        let book = try Casebook.openForReading(at: cli.repo, clock: Clock(now: Clock.parse("2026-11-02T09:00:00-06:00")!))
        let statuses = try book.statusOfAll()
        #expect(statuses.count == titles.count + 1)
        #expect(statuses.contains { $0.title.contains("\t") } && statuses.contains { $0.title.contains("\u{1F}") })
        for status in statuses {
            #expect(try JSONWriter.write(status, indent: 2) == (try Self.foundation(status)), "\(status.id)")
        }
        // The command's whole output: the array of those elements, as printJSON would print it.
        let printed = try cli.folio("status", "--json")
        #expect(printed.ok)
        let whole = try jsonText(statuses)
        #expect(printed.out == whole + "\n", "\(printed.out)\n---\n\(whole)")
    }
}
