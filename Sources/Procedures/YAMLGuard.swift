import CYaml
import Foundation

/// Refuses YAML that could make a reader crash or stall before anything builds values from it.
///
/// Anchors (`&a`) and aliases (`*a`, including merge keys `<<: *a`) have no use in folio's
/// files and are how an 815-byte "alias bomb" expands to gigabytes; nesting and size are capped
/// too. The check reads libyaml's events one by one (the same parser Yams uses), so it follows
/// YAML's own grammar (an `&` inside a quoted or plain text is not an anchor) and never expands
/// anything: memory stays bounded by the depth cap whatever the input.
public enum YAMLGuard {
    /// Largest YAML text accepted (front matter, roles.yaml, folio.yaml, schemas).
    public static let maximumBytes = 1 << 20
    /// Deepest nesting of lists and maps accepted.
    public static let maximumDepth = 64
    /// Most values (events) accepted in one text.
    public static let maximumNodes = 200_000

    /// Nil when `text` is safe to load; otherwise the Spanish reason, with the line.
    public static func problem(in text: String) -> String? {
        if case .problem(let reason) = scan(text[...]) { return reason }
        return nil
    }

    /// What one reading of libyaml's events can say of a YAML text, without building any value.
    public enum Verdict: Equatable, Sendable {
        /// Unsafe to load (an anchor, an alias, too deep, too large): the Spanish reason, with the line.
        case problem(String)
        /// Loads, as Yams would, to a mapping whose top-level keys are all text (or to nothing):
        /// one document, well formed, no explicit tag, no repeated key in any mapping, every
        /// top-level key a plain word (`titulo`, `vigencia_desde`) that YAML reads as text.
        case plainMapping
        /// Safe, but only loading it says whether it is a mapping of text keys (malformed YAML,
        /// a tag, a quoted or numeric key, a repeated key, another document...).
        case undecided
    }

    /// What one reading of the events says of a top-level key's value, when the text is a
    /// `.plainMapping` (otherwise it says nothing).
    public enum Captured: Equatable, Sendable {
        /// The mapping has no such key.
        case absent
        /// Text, as the loader gives it: a quoted or block scalar, or a plain word YAML reads as text.
        case text(String)
        /// A list of such texts.
        case list([String])
        /// Anything else (a number, a date, null, a map, a nested list...): only loading says.
        case undecided
    }

    /// Reads `text`'s events once: the checks of `problem(in:)`, and whether a loader would give
    /// a mapping of text keys (`.plainMapping`), so that a content check need not load it.
    public static func scan(_ text: Substring) -> Verdict {
        scan(text, capturing: nil).verdict
    }

    /// `scan`, and the value of the top-level key `key` as the loader would give it, when these
    /// events decide it (a key the loader would read differently leaves the verdict `.undecided`).
    public static func scan(_ text: Substring, capturing key: String?) -> (verdict: Verdict, captured: Captured) {
        let captureKey = key.map { Array($0.utf8) }
        /// Where the capture is: not begun, the key seen, inside its list, or decided.
        enum Capture { case waiting, value, list([String]), done(Captured) }
        var capture = Capture.waiting
        /// A scalar the loader gives as text: quoted or block (no tag), or a plain word.
        func textValue(_ event: yaml_event_t) -> String? {
            let scalar = event.data.scalar
            guard scalar.tag == nil else { return nil }
            let value = Array(UnsafeBufferPointer(start: scalar.value, count: Int(scalar.length)))
            guard scalar.style == YAML_PLAIN_SCALAR_STYLE else { return String(decoding: value, as: UTF8.self) }
            return isWord(value) ? String(decoding: value, as: UTF8.self) : nil
        }
        let verdict: Verdict = scanEvents(text) { event, depth in
            // Seen before the event is counted: `depth` is the open collections around it.
            switch (event.type, capture) {
            case (YAML_SCALAR_EVENT, .value):
                capture = .done(textValue(event).map { .text($0) } ?? .undecided)
            case (YAML_SCALAR_EVENT, .list(let items)) where depth == 2:
                capture = textValue(event).map { .list(items + [$0]) } ?? .done(.undecided)
            case (YAML_SEQUENCE_START_EVENT, .value):
                capture = .list([])
            case (YAML_SEQUENCE_END_EVENT, .list(let items)) where depth == 2:
                capture = .done(.list(items))
            case (YAML_SEQUENCE_START_EVENT, .list), (YAML_MAPPING_START_EVENT, .list), (YAML_MAPPING_START_EVENT, .value):
                capture = .done(.undecided)
            default:
                break
            }
        } topKey: { scalar in
            if case .waiting = capture, let captureKey, scalar == captureKey { capture = .value }
        }
        guard verdict == .plainMapping, captureKey != nil else { return (verdict, .undecided) }
        switch capture {
        case .waiting: return (verdict, .absent)
        case .done(let captured): return (verdict, captured)
        case .value, .list: return (verdict, .undecided)
        }
    }

    /// The events of `text`, judged (`scan`); `visit` sees each before it is counted, with the
    /// depth of open collections, and `topKey` each key of the top-level mapping.
    private static func scanEvents(_ text: Substring, visit: (yaml_event_t, Int) -> Void, topKey: ([UInt8]) -> Void) -> Verdict {
        let bytes = Array(text.utf8)
        if bytes.count > maximumBytes {
            return .problem("el YAML pesa \(bytes.count / 1024) KB, más que el límite de \(maximumBytes / 1024) KB")
        }
        if bytes.isEmpty { return .plainMapping }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return .problem("no se pudo preparar la lectura del YAML") }
        defer { yaml_parser_delete(&parser) }
        // As Yams reads it (`Parser.Encoding.utf8`): a byte-order mark is a character, not a marker.
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        return bytes.withUnsafeBufferPointer { buffer -> Verdict in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var depth = 0, nodes = 0, documents = 0
            var plain = true
            // One frame per open collection: for a mapping, the keys seen so far and whether the
            // next node is a key.
            var frames: [(isMapping: Bool, keys: Set<[UInt8]>, expectsKey: Bool)] = []
            var collectionKey = false
            /// A node starts: as a mapping's key, it must be a new text (plain and a word at the top).
            func node(scalar: [UInt8]?, isPlain: Bool) {
                guard var frame = frames.last else {
                    // The document's root: a mapping, or nothing at all.
                    if scalar != nil { plain = false }
                    return
                }
                guard frame.isMapping else { return }
                if frame.expectsKey {
                    if frames.count == 1, let scalar { topKey(scalar) }
                    // Keys are compared byte by byte here and as Unicode text by the loader: a
                    // non-ASCII key (é composed or not) is left to the loader.
                    if scalar == nil { collectionKey = true }
                    if let scalar, scalar.allSatisfy({ $0 < 0x80 }), frame.keys.insert(scalar).inserted {
                        if frames.count == 1 && !(isPlain && isWord(scalar)) { plain = false }
                    } else {
                        plain = false
                    }
                }
                frame.expectsKey.toggle()
                frames[frames.count - 1] = frame
            }
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    // Malformed YAML: the loader reports it with its own words and line.
                    return .undecided
                }
                defer { yaml_event_delete(&event) }
                visit(event, depth)
                let line = Int(event.start_mark.line) + 1
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return plain ? .plainMapping : .undecided
                case YAML_DOCUMENT_START_EVENT:
                    documents += 1
                    if documents > 1 { plain = false }
                case YAML_ALIAS_EVENT:
                    return .problem("la línea \(line) usa un alias YAML ('*'), que folio no admite (una 'bomba de alias' puede agotar la memoria)")
                case YAML_SCALAR_EVENT where event.data.scalar.anchor != nil,
                     YAML_SEQUENCE_START_EVENT where event.data.sequence_start.anchor != nil,
                     YAML_MAPPING_START_EVENT where event.data.mapping_start.anchor != nil:
                    return .problem("la línea \(line) define un ancla YAML ('&'), que folio no admite")
                case YAML_SCALAR_EVENT:
                    let scalar = event.data.scalar
                    if scalar.tag != nil { plain = false }
                    let value = Array(UnsafeBufferPointer(start: scalar.value, count: Int(scalar.length)))
                    if scalar.tag == nil, scalar.style == YAML_PLAIN_SCALAR_STYLE, overflowsBase60(value) {
                        return .problem("la línea \(line) escribe un número en base 60 (con ':') demasiado grande para leerlo; "
                            + "si es un texto, póngalo entre comillas")
                    }
                    node(scalar: value, isPlain: scalar.style == YAML_PLAIN_SCALAR_STYLE)
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    let isMapping = event.type == YAML_MAPPING_START_EVENT
                    let tag = isMapping ? event.data.mapping_start.tag : event.data.sequence_start.tag
                    if tag != nil || (frames.isEmpty && !isMapping) { plain = false }
                    node(scalar: nil, isPlain: false)
                    if collectionKey {
                        return .problem("la línea \(line) usa una lista o un mapa como clave; las claves de folio son palabras")
                    }
                    frames.append((isMapping, [], true))
                    depth += 1
                    if depth > maximumDepth {
                        return .problem("la línea \(line) anida más de \(maximumDepth) niveles de listas o mapas")
                    }
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    _ = frames.popLast()
                    depth -= 1
                default:
                    break
                }
                nodes += 1
                if nodes > maximumNodes { return .problem("tiene más de \(maximumNodes) valores") }
            }
        }
    }

    /// Whether a plain scalar is an integer in base 60 (`1:30`, as YAML 1.1 and Yams read it) whose
    /// value, or the power of 60 Yams computes past its last digit, does not fit in 64 bits:
    /// Yams would stop the program with an overflow instead of reporting it.
    static func overflowsBase60(_ bytes: [UInt8]) -> Bool {
        guard bytes.contains(UInt8(ascii: ":")) else { return false }
        var text = String(decoding: bytes.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)
        if text.hasPrefix("-") || text.hasPrefix("+") { text.removeFirst() }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard let first = parts.first, let lead = first.first, lead != "0", ("1"..."9").contains(lead),
              parts.dropFirst().allSatisfy({ !$0.isEmpty && $0.count <= 2 && $0.allSatisfy(\.isASCII) && Int($0).map { $0 < 60 } == true }),
              first.allSatisfy(\.isASCII), first.allSatisfy(\.isNumber) else { return false }
        // A part that is no Int makes Yams read the text as text (no crash).
        let digits = parts.compactMap { Int($0) }
        guard digits.count == parts.count else { return false }
        var base = 1, value = 0
        for digit in digits.reversed() {
            let (term, o1) = digit.multipliedReportingOverflow(by: base)
            let (sum, o2) = value.addingReportingOverflow(term)
            let (next, o3) = base.multipliedReportingOverflow(by: 60)
            if o1 || o2 || o3 { return true }
            (value, base) = (sum, next)
        }
        return false
    }

    /// A plain key YAML's core schema reads as text: a letter or '_', then letters, digits, '_'
    /// or '-', and not a word it reads as true, false or null.
    static func isWord(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first, isLetter(first) || first == UInt8(ascii: "_") else { return false }
        guard bytes.allSatisfy({ isLetter($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || (0x30...0x39).contains($0) })
        else { return false }
        let lower = String(decoding: bytes, as: UTF8.self).lowercased()
        return !["y", "n", "yes", "no", "true", "false", "on", "off", "null"].contains(lower)
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    /// The fix to show with a refusal of `problem(in:)`.
    public static let fix = "Escriba cada valor completo, sin anclas '&' ni alias '*' (y sin '<<:'), con menos anidación."
}
