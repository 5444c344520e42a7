import Foundation
import Testing
import TestSupport

/// Everything a person reads is Spanish: the help of every command, usage errors, YAML and git errors.
@Suite("Spanish all the way")
struct SpanishTests {
    /// Words of swift-argument-parser, libyaml/Yams and libgit2 that must never reach a person.
    static let english = try! NSRegularExpression(pattern: [
        "OVERVIEW", "USAGE", "OPTIONS", "ARGUMENTS", "SUBCOMMANDS", "Show", "help information", "default", "See",
        "Usage", "Help", "Error:", "Missing", "Unknown", "Unexpected", "invalid", "Please", "expected", "mapping",
        "values", "Parser", "parser", "scanner", "found", "not allowed", "unique", "line", "column", "subcommand",
        "the", "is", "of", "for", "and", "failed", "could not", "unsupported", "Context",
    ].map { "\\b\($0)\\b" }.joined(separator: "|"))

    /// The English words in `text`, outside a `detalle:` (libgit2's own words kept for the curious).
    static func englishWords(_ text: String) -> [String] {
        text.components(separatedBy: "\n").flatMap { line -> [String] in
            let said = line.components(separatedBy: "detalle:").first ?? line
            let range = NSRange(said.startIndex..., in: said)
            return english.matches(in: said, range: range).compactMap { Range($0.range, in: said).map { String(said[$0]) } }
        }
    }

    /// The subcommand names listed in a help text's SUBCOMANDOS section.
    static func subcommands(in help: String) -> [String] {
        guard let start = help.range(of: "SUBCOMANDOS:\n") else { return [] }
        return help[start.upperBound...].components(separatedBy: "\n").compactMap { line in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let word = line.split(separator: " ").first else { return nil }
            return String(word).trimmingCharacters(in: CharacterSet(charactersIn: ","))
        }.filter { !$0.hasPrefix("Vea") }
    }

    /// Lines of a help text's description that end where its wrapping would not have ended them:
    /// the next line's first word would have fitted (a line break written into the text in the
    /// middle of a sentence, which the terminal shows as a ragged paragraph; staff38).
    static func brokenSentences(_ help: String) -> [String] {
        guard let start = help.range(of: "DESCRIPCIÓN:") else { return [] }
        let lines = help[start.lowerBound...].components(separatedBy: "\n").prefix { !$0.hasPrefix("USO:") }
        // ArgumentParser wraps help at 80 columns, a line holding at most 79 characters.
        let width = 79
        func indent(_ line: String) -> Int { line.prefix { $0 == " " }.count }
        return zip(lines, lines.dropFirst()).compactMap { a, b in
            let next = b.trimmingCharacters(in: .whitespaces)
            // Indented lines are examples and lists, a line each.
            guard !a.trimmingCharacters(in: .whitespaces).isEmpty, !next.isEmpty, indent(a) == 0, indent(b) == 0,
                  !a.hasSuffix(":"), !a.hasSuffix("."), !next.hasPrefix("folio "),
                  let word = next.split(separator: " ").first, a.count + 1 + word.count <= width else { return nil }
            return a + " / " + b
        }
    }

    @Test("every command's --help, and folio help, is Spanish with Spanish value names")
    func help() throws {
        let cli = CLI()
        var queue: [[String]] = [[]]
        var seen = 0
        while let path = queue.first {
            queue.removeFirst()
            let r = try cli.folio(path + ["--help"], in: cli.box.path)
            #expect(r.ok, "\(path): \(r.err)")
            #expect(r.out.contains("DESCRIPCIÓN:") || r.out.contains("USO:"), "\(path)")
            #expect(Self.englishWords(r.out).isEmpty, "folio \(path.joined(separator: " ")) --help: \(Self.englishWords(r.out))\n\(r.out)")
            #expect(!r.out.contains("<m>") && !r.out.contains("<as>") && !r.out.contains("<id>"), "\(path)")
            #expect(Self.brokenSentences(r.out).isEmpty, "folio \(path.joined(separator: " ")) --help: \(Self.brokenSentences(r.out))")
            seen += 1
            queue += Self.subcommands(in: r.out).map { path + [$0] }
            if !path.isEmpty {
                let viaHelp = try cli.folio(["help"] + path, in: cli.box.path)
                #expect(Self.englishWords(viaHelp.out).isEmpty, "folio help \(path): \(viaHelp.out)")
            }
        }
        #expect(seen > 20)
        let version = try cli.folio("--version", in: cli.box.path)
        #expect(version.ok && version.out.hasPrefix("folio "))
    }

    @Test("usage errors, YAML errors, git errors and an empty repository are said in Spanish")
    func errors() throws {
        let cli = CLI()
        try cli.setUp()
        let id = try cli.folio("new", "4", "--title", "Hospital", "--as", "mrodriguez").out.trimmingCharacters(in: .whitespacesAndNewlines)
        let file = cli.repo + "/cases/2026/\(id)/expediente.md"
        let original = try String(contentsOfFile: file, encoding: .utf8)
        var said: [(String, Run)] = []
        for args in [["step"], ["step", id, "--bogus"], ["attach", id, "x", "--replaces", "abc"], ["sync", "--remote"],
                     ["roles", "frob"], ["stepp"], ["roles", "add"], ["new"]] {
            said.append((args.joined(separator: " "), try cli.folio(args)))
        }
        // YAML: a ':' in a value, a repeated key, a tab, an unclosed bracket.
        for (label, edit) in [("dos puntos", original.replacingOccurrences(of: "titulo: Hospital", with: "titulo: Hospital: Escuintla")),
                              ("clave repetida", original.replacingOccurrences(of: "titulo: Hospital", with: "titulo: Hospital\ntitulo: Otro")),
                              ("tabulación", original.replacingOccurrences(of: "titulo: Hospital", with: "titulo:\n\t- Hospital")),
                              ("corchete", original.replacingOccurrences(of: "titulo: Hospital", with: "titulo: [Hospital"))] {
            try edit.write(toFile: file, atomically: true, encoding: .utf8)
            let check = try cli.folio("check", id)
            #expect(!check.ok, "\(label)")
            #expect(check.out.contains("línea"), "\(label): \(check.out)")
            said.append(("check (\(label))", check))
            said.append(("step (\(label))", try cli.folio("step", id, "--as", "alopez")))
        }
        // The parser's own words only in --json, as "detail".
        let json = try cli.folio("check", id, "--json")
        #expect(json.out.contains("línea") && json.out.contains("\"detail\"") && json.out.contains("error: parser"), "\(json.out)")
        try original.write(toFile: file, atomically: true, encoding: .utf8)
        // Advice that fits: an edited folio.yaml is not for 'folio note'; a repeated month is not for '--id'.
        let settings = cli.repo + "/folio.yaml"
        let kept = try String(contentsOfFile: settings, encoding: .utf8)
        try (kept + "\n# editado\n").write(toFile: settings, atomically: true, encoding: .utf8)
        let edited = try cli.folio("step", id, "--as", "mrodriguez")
        #expect(edited.err.contains("git commit") && !edited.err.contains("folio note"), "\(edited.err)")
        said.append(("step (folio.yaml editado)", edited))
        try kept.write(toFile: settings, atomically: true, encoding: .utf8)
        #expect(try cli.folio("new", "3", "--month", "2026-11", "--as", "alopez").ok)
        let month = try cli.folio("new", "3", "--month", "2026-11", "--as", "alopez")
        #expect(month.err.contains("cada mes tiene un solo expediente") && !month.err.contains("--id"), "\(month.err)")
        said.append(("new (mes repetido)", month))
        // libgit2: a remote that does not exist.
        _ = try cli.git("remote", "add", "origin", cli.box.path + "/no-existe")
        let sync = try cli.folio("sync")
        #expect(!sync.ok)
        said.append(("sync", sync))
        // An empty git repository is not a case repository.
        let empty = cli.box.path + "/vacio"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        _ = try Sandbox.gitOut(["init", "-q"], in: empty)
        let status = try cli.folio("status", in: empty)
        #expect(!status.ok && status.err.contains("folio init"))
        said.append(("status (vacío)", status))
        for (label, run) in said {
            #expect(!run.ok, "\(label)")
            let words = Self.englishWords(run.err + run.out)
            #expect(words.isEmpty, "\(label): \(words)\n\(run.err)\(run.out)")
        }
    }

    @Test("-C before or after the subcommand")
    func directoryFirst() throws {
        let cli = CLI()
        try cli.setUp()
        let before = try cli.folio("-C", cli.repo, "roles", in: cli.box.path)
        let after = try cli.folio("roles", "-C", cli.repo, in: cli.box.path)
        #expect(before.ok && before.out == after.out && before.out.contains("alopez"))
        let relative = try cli.folio("-C", "expedientes", "status", in: cli.box.path)
        #expect(relative.ok, "\(relative.err)")
    }
}
