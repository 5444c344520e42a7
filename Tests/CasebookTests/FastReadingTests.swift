@testable import Casebook
import Foundation
import GitStore
import Procedures
import Testing
import TestSupport
import Yams

/// The shortcuts a whole-history reading takes (issue "Speed II") give exactly what the full
/// reading gives: each is compared with it on hand-made traps and on thousands of mutations.
@Suite("Fast readings agree with the full ones")
struct FastReadingTests {
    static let expediente = "---\nid: PI-2026-0001\nprocedimiento: 4\ntitulo: \"Hospital: ampliación\"\nabierto: 2026-11-02\nsnip: \"0289347\"\nvigencia_desde: 2025\nmodificaciones:\n  - {meta: a, antes: 1, movimiento: 2, despues: 3}\n---\n\n# Texto\n"

    /// Whether the content check and the full parse agree on `text` (both accept, or both refuse).
    func agree(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let data = Data(text.utf8)
        let full = Result { try FrontMatterDocument.parse(data: data, file: "expediente.md") }
        let fast = Result { try FrontMatterDocument.check(data: data, file: "expediente.md") }
        switch (full, fast) {
        case (.success, .success): break
        case (.failure(let a), .failure(let b)): #expect("\(a)" == "\(b)", sourceLocation: sourceLocation)
        default: Issue.record("check and parse disagree on \(text.debugDescription)", sourceLocation: sourceLocation)
        }
    }

    @Test("The content check decides a plain expediente without loading it, and leaves every trap to the loader")
    func scanVerdicts() throws {
        let yaml = try #require(FrontMatterDocument.frontMatter(of: Self.expediente))
        #expect(YAMLGuard.scan(yaml) == .plainMapping)
        #expect(YAMLGuard.scan("") == .plainMapping)
        // Each of these loads differently from a mapping of text keys, or not at all: undecided.
        for trap in ["a: 1\na: 2", "a:\n  b: 1\n  b: 2", "1: x", "yes: x", "True: x", "null: x", "~: x", "'a': x", "\"a\": x",
                     "<<: {a: 1}", "a: !!binary aGk=", "!!map {a: 1}", "- a\n- b", "solo texto", "a: 1\n---\nb: 2",
                     "? [a]\n: b", "a: [b", "a: 'b", "\tb: 1", "é: 1", "x:\n  \u{E9}: 1\n  e\u{301}: 2", ".inf: 1", "0x1: a"] {
            #expect(YAMLGuard.scan(trap[...]) != .plainMapping, "\(trap.debugDescription)")
        }
        #expect(YAMLGuard.scan("a: &x 1\nb: *x") == .problem("la línea 1 define un ancla YAML ('&'), que folio no admite"))
    }

    @Test("The content check's memo keeps what is damaged, forgets the clean blobs and their lists past its limit, and never answers for a blob it forgot")
    func contentMemoBounded() throws {
        var memo = Casebook.ContentMemo(limit: 4)
        func key(_ n: Int, _ kind: Casebook.ParsedKind = .frontMatter) -> Casebook.ContentKey {
            .init(kind: kind, blob: OID.blob(of: Data("\(n)".utf8)))
        }
        let listed = ExpectedList((codes: ["HGE"], bad: nil))
        memo.record(key(0), problem: nil, list: listed)
        memo.record(key(1), problem: "dañado", list: nil)
        #expect(memo[key(0)] == .some(nil) && memo[key(1)] == .some("dañado") && memo[key(2)] == nil)
        #expect(memo.list(of: key(0).blob)?.codes == ["HGE"] && memo.list(of: key(2).blob) == nil)
        #expect(memo.list(of: key(1).blob).map { $0.codes == nil } == true, "a damaged version read lists none")
        // Read as another kind, the same bytes are another question.
        #expect(memo[key(0, .yaml)] == nil)
        for n in 2...4 { memo.record(key(n), problem: nil, list: nil) }
        #expect(memo[key(0)] == .some(nil) && memo.list(of: key(4).blob).map { $0.codes == nil } == true, "a clean version read lists none")
        // The fifth clean blob: the four before it are forgotten, with the list; the damaged one stays,
        // and the fifth keeps its own list.
        memo.record(key(5), problem: nil, list: listed)
        #expect(memo[key(0)] == nil && memo.list(of: key(0).blob) == nil, "forgotten: read again, not taken as listing none")
        #expect(memo[key(5)] == .some(nil) && memo.list(of: key(5).blob)?.codes == ["HGE"] && memo[key(1)] == .some("dañado"))
    }

    @Test("The front matter's resolver gives every scalar the type Yams's default resolver gives it")
    func resolverAgrees() throws {
        // Each pattern of the default resolver, what is near it, and text of every kind.
        let scalars = ["", "~", "null", "Null", "NULL", "nulls", "nul", "yes", "Yes", "YES", "yES", "no", "No", "NO", "on", "ON", "Off",
                       "off", "true", "True", "TRUE", "false", "False", "FALSE", "truee", "y", "n", "Y", "N", "nombre", "fecha", "titulo",
                       "organismo", "Noviembre", "onda", "offset", "yesterday", "0", "1", "-1", "+1", "007", "0b101", "-0b1", "0o17", "0x1F",
                       "0xG", "1_000", "1:30", "-1:30:15", "1.5", "-1.5e3", "1e5", ".5", "._5", "1.", ".inf", "-.Inf", "+.INF", ".nan", ".NaN",
                       "2024-01-05", "2024-1-5 10:00:00", "2024-01-05T10:00:00Z", "2024-01-05t10:00:00.5 -06:00", "2024-13-45", "20240105",
                       "<<", "<", "<<<", "=", "==", "-", "+", ".", "-a", "+a", ".a", "_x", "ñandú", "Ósmosis", "é", "e\u{301}", "#x",
                       "a b c", "PI-2026-0001", "COOP-2026-0155", "12 de noviembre", "2024-01-05 y más", "sí", "si", "NO aplica"]
        for scalar in scalars {
            let yaml = "k: \(scalar)"
            let expected = try? Yams.load(yaml: yaml, .default, .default, .utf8)
            let actual = try? Yams.load(yaml: yaml, FrontMatterDocument.resolver, .default, .utf8)
            // Printed, text is quoted and numbers, dates, booleans and null are not: the same print is the same type.
            #expect(String(describing: expected) == String(describing: actual), "\(scalar.debugDescription)")
            let types = [expected, actual].map { ($0 as? [AnyHashable: Any])?["k"].map { "\(type(of: $0))" } }
            #expect(types[0] == types[1], "\(scalar.debugDescription)")
            // As a key, too: a key read as a number or a date makes the mapping not one of text keys.
            let asKey = "\(scalar): v"
            #expect(String(describing: try? Yams.load(yaml: asKey, .default, .default, .utf8))
                    == String(describing: try? Yams.load(yaml: asKey, FrontMatterDocument.resolver, .default, .utf8)), "\(scalar.debugDescription)")
        }
        let document = try FrontMatterDocument.parse(Self.expediente, file: "expediente.md")
        #expect(document.fields["abierto"] is Date && document.fields["vigencia_desde"] as? Int == 2025 && document.fields["snip"] as? String == "0289347")
    }

    @Test("check(data:) refuses exactly what parse(data:) refuses, with the same message, on traps and 3,000 mutations")
    func checkAgreesWithParse() {
        let traps = [Self.expediente, "---\n---\n", "---\n", "", "sin encabezado\n", "---\na: 1\na: 2\n---\n", "---\n1: x\n---\n",
                     "---\r\na: 1\r\n---\r\n", "\u{FEFF}---\na: 1\n---\n", "---\na: 1\n\u{A0}---\nb: 'x\n---\n",
                     "  ---  \na: 1\n\t---\t\n", "---\n- a\n---\n", "---\na: [\n---\n", "---\na: 1\n--- \ncuerpo\n---\n",
                     "---\ntitulo: x\nx:\n  \u{E9}: 1\n  e\u{301}: 2\n---\n", "---\nyes: 1\n---\n", "---\n\"a\": 1\n---\n",
                     "---\n\u{FEFF}id: PI-2026-0001\ntitulo: x\n---\n", "---\n\u{FEFF}\nid: x\n---\n", "---\n# \u{FEFF}\nid: x\n---\n",
                     "---\nid: x\n\u{FEFF}---\n", "---\n[a, b]: 1\n---\n", "---\nx: 1:2:3:4:5:6:7:8:9:10:11:12:13:14:15\n---\n"]
        for trap in traps { agree(trap) }
        var rng = FuzzTests.Mutator(state: 0x5EED_0016)
        var accepted = 0
        for _ in 0..<3000 {
            let text = String(decoding: FuzzTests.mutate(Array(Self.expediente.utf8), &rng), as: UTF8.self)
            agree(text)
            if (try? FrontMatterDocument.parse(data: Data(text.utf8), file: "e")) != nil { accepted += 1 }
        }
        // The mutations must exercise both sides, or the agreement says little.
        #expect(accepted > 300 && accepted < 2900)
    }

    @Test("The codes a round expects, read from one reading of the events, are the loader's, on traps and 3,000 mutations")
    func expectedListAgrees() {
        /// What a load of the whole front matter lists (the reading before this shortcut).
        func loaded(_ data: Data) -> [String]? {
            guard data.range(of: Data(Casebook.expectedField.utf8)) != nil,
                  let fields = try? FrontMatterDocument.parse(data: data, file: "expediente.md").plainFields else { return nil }
            return Casebook.listedCodes(fields[Casebook.expectedField])
        }
        let round = "---\nid: AMF-2017-01\nprocedimiento: 5\ntitulo: Expediente AMF-2017-01\nabierto: 2017-01-15\nmes: 2017-01\ndependencias_esperadas: [OBRAS, EQUIPO]\n---\n\n# AMF\n"
        let head = "---\nid: AMF-2017-01\nprocedimiento: 5\n"
        var texts = [round, Self.expediente]
        // Each form the field can take, and what a loader reads differently from its words.
        for value in ["[OBRAS, EQUIPO]", "[]", "[ OBRAS ,EQUIPO ]", "['OBRAS', \"EQUIPO\"]", "[NO, ON, Off, y, n, Y, N, yes, null, '~', ~]",
                      "[true, false, 1, 0x1F, 1.5, 2024-01-05, .inf]", "[A-1, _B, c_d, hge]", "[[OBRAS], EQUIPO]", "[{a: b}, OBRAS]",
                      "[OBRAS, !!str 12]", "!!seq [OBRAS]", "\n  - OBRAS\n  - EQUIPO", "\n- OBRAS\n- 'EQUIPO'", "\n  - NO\n  - OBRAS",
                      "OBRAS, EQUIPO", "'OBRAS, EQUIPO'", "OBRAS", "NO", "", "~", "null", "[OBRAS,\n  EQUIPO]", "|\n  OBRAS\n  EQUIPO",
                      "[OBRAS] # comentario", "[OBRAS, ÉQUIPO]", "[\"OBRAS\\u0000\"]", "{OBRAS: 1}", "[OBRAS, EQUIPO]\ndependencias_esperadas: [X]",
                      "&a [OBRAS]", "[OBRAS]\notra: *a"] {
            texts.append(head + "dependencias_esperadas: \(value)\n---\n")
        }
        // The field's line inside another field's value, where a line-by-line reading would find it.
        texts += [head + "notas: [a,\ndependencias_esperadas: [X]]\n---\n", head + "notas: |\n dependencias_esperadas: [X]\n---\n",
                  head + "notas:\n  dependencias_esperadas: [X]\n---\n", head + "# dependencias_esperadas: [X]\n---\n",
                  head + "---\ndependencias_esperadas: [X]\n", "---\n\"dependencias_esperadas\": [X]\n---\n", "---\ndependencias_esperadas : [X]\n---\n",
                  "---\n? dependencias_esperadas\n: [X]\n---\n", "---\n<<: {dependencias_esperadas: [X]}\n---\n"]
        var rng = FuzzTests.Mutator(state: 0x5EED_0020)
        for _ in 0..<3000 { texts.append(String(decoding: FuzzTests.mutate(Array(round.utf8), &rng), as: UTF8.self)) }
        var listed = 0
        for text in texts {
            let data = Data(text.utf8)
            let expected = loaded(data)
            #expect(Casebook.listedCodes(in: data, file: "expediente.md") == expected, "\(text.debugDescription)")
            if expected != nil { listed += 1 }
        }
        // Both sides exercised: lists read, and files that list none or do not read.
        #expect(listed > 300 && listed < texts.count - 300)
        // The shortcut decides folio's own form without loading, and leaves the rest to the loader.
        let yaml = FrontMatterDocument.frontMatter(of: round)!
        #expect(YAMLGuard.scan(yaml, capturing: Casebook.expectedField).captured == .list(["OBRAS", "EQUIPO"]))
        #expect(YAMLGuard.scan(yaml, capturing: "otra").captured == .absent)
        #expect(YAMLGuard.scan("a: [NO]", capturing: "a").captured == .undecided)
        #expect(YAMLGuard.scan("a: [b, [c]]", capturing: "a").captured == .undecided)
        #expect(YAMLGuard.scan("a: 'x y'", capturing: "a").captured == .text("x y"))
    }

    /// The front matter's sections as parse found them before it split lines byte by byte.
    static func lineByLine(_ text: String) -> (yaml: String, body: String, crlf: Bool, bom: Bool)? {
        let crlf = text.contains("\r\n")
        var lines = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
        let bom = lines.first?.hasPrefix("\u{FEFF}") == true
        if bom { lines[0] = String(lines[0].dropFirst()) }
        guard lines.first?.trimmingCharacters(in: .whitespaces) == "---",
              let end = lines.dropFirst().firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "---" }) else { return nil }
        return (lines[1..<end].joined(separator: "\n"), lines[(end + 1)...].joined(separator: "\n"), crlf, bom)
    }

    @Test("The front matter's sections, found byte by byte, are those the line-by-line reading found, on traps and 3,000 mutations")
    func sectionsAgree() throws {
        let index = "---\nidentificador: PI-2026-0001\ndocumentos:\n- folio: 1\n  archivo: anexos/acta.pdf\n---\n\n# Índice\n\n| 1 | a |\n"
        var texts = [Self.expediente, index, "---\n---\n", "---\n---", "---\na: 1\n---", "\u{FEFF}---\na: 1\n---\nb\n", "---\r\na: 1\r\n---\r\nb\r\n",
                     "---\r\na: 1\n---\nb\r\n", "  ---\t\na: 1\n \t---  \nb", "---\na: 1\n\u{A0}---\u{3000}\nb\n", "\u{FEFF}\u{FEFF}---\n---\n",
                     "---\n\n\n---\n\n\n", "sin\n---\n", "", "\n---\n---\n", "---\ná: é\n---\ncuerpo ñ\n"]
        var rng = FuzzTests.Mutator(state: 0x5EED_0017)
        for _ in 0..<3000 { texts.append(String(decoding: FuzzTests.mutate(Array(index.utf8), &rng), as: UTF8.self)) }
        for text in texts {
            let expected = Self.lineByLine(text)
            let found = try? FrontMatterDocument.sections(of: text, file: "indice.md")
            if let expected, YAMLGuard.problem(in: expected.yaml) == nil {
                #expect(found?.yaml == expected.yaml && found?.body == expected.body && found?.crlf == expected.crlf && found?.bom == expected.bom,
                        "\(text.debugDescription)")
            } else {
                #expect(found == nil, "\(text.debugDescription)")
            }
        }
    }

    @Test("A fence line: the byte reading gives what Foundation's trimming gives")
    func fenceAgrees() {
        var lines = ["---", " --- ", "\t---\t", "----", "--", "- --", "-- -", "---\u{A0}", "\u{3000}---", "-\u{A0}--", "---x", "x---", "", " ",
                     "---\r", "\u{FEFF}---", "—-", "---\u{85}", "\u{2003}\t---  \u{202F}", "--- -", "\u{0B}---", "---\u{0C}"]
        var rng = FuzzTests.Mutator(state: 0x5EED_0019)
        for _ in 0..<3000 { lines.append(String(decoding: FuzzTests.mutate(Array(" \t---\u{A0} ".utf8), &rng), as: UTF8.self)) }
        for line in lines {
            #expect(FrontMatterDocument.isFence(line[...]) == (line.trimmingCharacters(in: .whitespaces) == "---"), "\(line.debugDescription)")
        }
    }

    @Test("A routing slip's cell: the shortcut for plain text and the one pass over Latin-1 text give what Foundation's escaping gives")
    func slipCellAgrees() {
        func escaped(_ text: String) -> String {
            text.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
                .replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "|", with: "\\|")
                .replacingOccurrences(of: "\n", with: "<br>").replacingOccurrences(of: "\r", with: "<br>")
                // A control character or invisible mark left (a tab is kept) is written as text.
                .unicodeScalars.map { SafeText.isControl($0) && $0 != "\t" ? "\\u{" + String($0.value, radix: 16, uppercase: true) + "}" : String($0) }
                .joined()
        }
        var texts = ["María Rodríguez", "a\u{1B}[2Kb", "x\u{202E}y", "\u{1B}", "a\u{7F}", "Ana\u{200B}", "a\u{E0041}", " a", "a ", "a\u{A0}", "\u{A0}a", "a\u{3000}", "a\u{85}", "a\u{2028}", "x|y", "a\r\nb", "a\rb", "1 < 2",
                     "\\", "&", "", "\t", "a\tb", "e\u{301}", "😀 x", "x\u{200B}", "\u{FEFF}a", "a\u{FEFF}", "2026-11-03 09:00"]
        var rng = FuzzTests.Mutator(state: 0x5EED_0018)
        for _ in 0..<3000 { texts.append(String(decoding: FuzzTests.mutate(Array("Revisión del POA | <b>x</b> & más\n".utf8), &rng), as: UTF8.self)) }
        // Texts of several lines (a step's or a note's), which the one pass over Latin-1 scalars escapes.
        texts += ["\r\r\n", "a\r\r\nb", "a\n\rb", "\r\na\r\n", "a\r", "\ra", "línea 1\nlínea 2\r\n\r\nlínea 3\n", "a\u{85}b", "a\u{A0}\nb",
                  "\u{0B}a\u{0C}", "ñ\\|&<>\n", "Ángel\t\r\n", "x\u{2FF}\n", "x\u{300}\n", "<\u{338}\n", "a\n\u{301}b"]
        for _ in 0..<3000 {
            texts.append(String(decoding: FuzzTests.mutate(Array("Observación:\r\n - meta <40>\\ | 50 & más\n\u{A0}fin\r".utf8), &rng), as: UTF8.self))
        }
        for text in texts { #expect(RoutingSlip.cell(text) == escaped(text), "\(text.debugDescription)") }
        #expect(RoutingSlip.cellThroughFoundation("a\nb") == escaped("a\nb"))
        #expect(RoutingSlip.cell("Sí\u{1B}[2K|\tx") == "Sí\\u{1B}[2K\\|\tx" && RoutingSlip.cell("a\u{202E}b") == "a\\u{202E}b")
    }

    @Test("A YAML date is written as the formatter wrote it, from 1583 to 9999 and around the edges")
    func isoDayAgrees() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        var rng = FuzzTests.Mutator(state: 0xDA7E)
        let edges: [TimeInterval] = [0, -1, 86_399, 86_400, -86_400, 951_782_400, 4_107_542_400, -12_212_553_600, -12_212_553_601,
                                     253_402_300_799, 253_402_300_800, 1_709_164_800, 1_709_251_199]
        let random = (0..<5000).map { _ in TimeInterval(Int64.random(in: -12_212_553_600...253_402_300_799, using: &rng)) }
        for seconds in edges + random {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(FrontMatterDocument.isoDay(date) == formatter.string(from: date), "\(seconds)")
        }
    }

    @Test("A commit message's text between subject and trailers: the shortcut gives what the paragraph reading gives")
    func bodyAgrees() {
        let messages = ["Paso 03\n\nExpediente: X\nPaso: 03", "Paso 03\n\nTexto libre\n\nExpediente: X", "Paso\r\n\r\nTexto\r\n\r\nExpediente: X",
                        "\n\nPaso", "Paso\n\n\nExpediente: X", "Paso\n\n\n\nTexto\n\nExpediente: X", "Paso", "", "\n", "\r", "a\n\nb\n\n",
                        "a\n\nb\n\nc\n\nd", "a\r\nb", "a\n\r\n\nb"]
        var rng = FuzzTests.Mutator(state: 0xB0D1)
        let mutated = (0..<3000).map { _ in String(decoding: FuzzTests.mutate(Array(messages[1].utf8), &rng), as: UTF8.self) }
        for message in messages + mutated {
            #expect(StepRecord.body(of: message) == StepRecord.paragraphBody(of: message), "\(message.debugDescription)")
        }
    }

    @Test("Whether a message names a case: the byte search finds 'Expediente:' where the string search does, on traps and 3,000 mutations")
    func mentionsCaseAgrees() {
        let messages = ["Expediente: X", "x\n\nExpediente: PI-2026-0001", "Expediente:", "Expediente", "EExpediente:", "Expedient:e",
                        "EEEExpediente: ", "ñ Expediente: á", "Expediente :", "expediente: x", "", "E", "Expediente\u{301}: x",
                        "Paso 03\n\nTexto\n\nProcedimiento: 4\nExpedienteExpediente:"]
        var rng = FuzzTests.Mutator(state: 0xCA5E)
        let mutated = (0..<3000).map { _ in String(decoding: FuzzTests.mutate(Array(messages[1].utf8), &rng), as: UTF8.self) }
        // A bridged string may not be contiguous UTF-8: the fallback answers the same.
        let bridged = messages.map { NSString(string: $0) as String }
        for message in messages + mutated + bridged {
            #expect(StepRecord.mentionsCase(message) == (message.utf8.firstRange(of: "Expediente:".utf8) != nil),
                    "\(message.debugDescription)")
        }
    }
}
