import Foundation

/// JSON written as `JSONEncoder` writes it with `[.prettyPrinted, .sortedKeys,
/// .withoutEscapingSlashes]`, byte for byte, for the status of every case (`jsonArrayElement`):
/// at 10k cases Foundation's encoder took 14 % of deriving them, this writer 9 % (`perf`, the
/// derive phase of a cold status). Any `Encodable` is taken: its
/// `encode(to:)` fills a tree of `JSONWriter.Node`s, which is then written in one pass. The
/// coding path is not followed (only an error would read it: a number that is not an integer).
/// `JSONWriterTests` holds it to `JSONEncoder` on the statuses of a repository and on hostile
/// values.
enum JSONWriter {
    /// `value` as pretty, key-sorted JSON, every line after the first indented by `indent` more
    /// spaces (an element inside an array printed whole: the bytes `printJSON` writes for the
    /// array, blank lines of empty lists left blank).
    static func write<T: Encodable>(_ value: T, indent: Int = 0) throws -> [UInt8] {
        let encoder = TreeEncoder()
        try value.encode(to: encoder)
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        serialize(encoder.root.node, depth: 0, extra: indent, into: &out)
        return out
    }

    /// One value of the tree. Objects and arrays are references, so that a container handed to
    /// `encode(to:)` is filled in place.
    final class Node {
        enum Value {
            case null
            case bool(Bool)
            /// A number as it is written.
            case number(String)
            case string(String)
            case array([Node])
            /// Fields in the order they were encoded; sorted when written, the last of a key kept.
            case object([(String, Node)])
        }
        var value: Value

        init(_ value: Value) { self.value = value }
    }

    // MARK: Writing

    private static func serialize(_ node: Node, depth: Int, extra: Int, into out: inout [UInt8]) {
        func newline(_ level: Int) {
            out.append(10)
            out.append(contentsOf: repeatElement(32, count: extra + 2 * level))
        }
        switch node.value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let text): out.append(contentsOf: text.utf8)
        case .string(let text): string(text, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            if items.isEmpty { out.append(10) }  // a blank line, as JSONEncoder writes an empty list
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                newline(depth + 1)
                serialize(item, depth: depth + 1, extra: extra, into: &out)
            }
            newline(depth)
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            if fields.isEmpty { out.append(10) }
            // Sorted by key, stable: of a key encoded twice the last stays, as in JSONEncoder.
            let sorted = fields.enumerated().sorted { a, b in
                keyOrder(a.element.0, b.element.0) || (a.element.0 == b.element.0 && a.offset < b.offset)
            }
            var written = 0
            for (index, field) in sorted.enumerated() {
                if index + 1 < sorted.count, sorted[index + 1].element.0 == field.element.0 { continue }
                if written > 0 { out.append(UInt8(ascii: ",")) }
                written += 1
                newline(depth + 1)
                string(field.element.0, into: &out)
                out.append(contentsOf: " : ".utf8)
                serialize(field.element.1, depth: depth + 1, extra: extra, into: &out)
            }
            newline(depth)
            out.append(UInt8(ascii: "}"))
        }
    }

    /// The order `.sortedKeys` gives: by UTF-8 bytes (the same as Unicode scalars').
    private static func keyOrder(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// A JSON string: quote and backslash escaped, control characters as JSONEncoder writes them,
    /// everything else (slashes, non-ASCII) as it is.
    private static func string(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
            case 0x08: out.append(contentsOf: "\\b".utf8)
            case 0x0C: out.append(contentsOf: "\\f".utf8)
            case 0x0A: out.append(contentsOf: "\\n".utf8)
            case 0x0D: out.append(contentsOf: "\\r".utf8)
            case 0x09: out.append(contentsOf: "\\t".utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: "\\u00".utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 15)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

// MARK: The encoder that fills the tree

/// Where an encoder puts its value: an empty object until a container says otherwise (as in
/// `JSONEncoder`, a second keyed container adds to the same object).
private final class Slot {
    var node = JSONWriter.Node(.object([]))
}

/// Numbers other than integers are not written (`JSONEncoder` has its own way with them, and
/// no status holds one): said, not guessed.
private func unsupported(_ value: Any, _ codingPath: [any CodingKey]) -> EncodingError {
    EncodingError.invalidValue(value, .init(codingPath: codingPath, debugDescription: "JSONWriter escribe enteros, no \(type(of: value))"))
}

private final class TreeEncoder: Encoder {
    let root: Slot
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(into slot: Slot = Slot(), codingPath: [any CodingKey] = []) {
        root = slot
        self.codingPath = codingPath
    }

    func container<Key: CodingKey>(keyedBy _: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = root.node.value {} else { root.node.value = .object([]) }
        return KeyedEncodingContainer(KeyedContainer<Key>(object: root.node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = root.node.value {} else { root.node.value = .array([]) }
        return UnkeyedContainer(array: root.node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleContainer(slot: root, codingPath: codingPath)
    }

    /// The node of `value`: scalars directly, anything else through its own `encode(to:)`.
    static func node<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws -> JSONWriter.Node {
        switch value {
        case let text as String: return JSONWriter.Node(.string(text))
        case let flag as Bool: return JSONWriter.Node(.bool(flag))
        case let number as Int: return JSONWriter.Node(.number(String(number)))
        case is Double, is Float: throw unsupported(value, codingPath)
        default:
            let slot = Slot()
            try value.encode(to: TreeEncoder(into: slot, codingPath: codingPath))
            return slot.node
        }
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let object: JSONWriter.Node
    var codingPath: [any CodingKey]

    private func set(_ node: JSONWriter.Node, _ key: Key) {
        guard case .object(var fields) = object.value else { return }
        object.value = .null  // the list held once, changed in place
        fields.append((key.stringValue, node))
        object.value = .object(fields)
    }

    mutating func encodeNil(forKey key: Key) throws { set(JSONWriter.Node(.null), key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(JSONWriter.Node(.bool(value)), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(JSONWriter.Node(.string(value)), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(JSONWriter.Node(.number(String(value))), key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        set(try TreeEncoder.node(value, codingPath: codingPath), key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy _: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let node = JSONWriter.Node(.object([]))
        set(node, key)
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(object: node, codingPath: codingPath))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let node = JSONWriter.Node(.array([]))
        set(node, key)
        return UnkeyedContainer(array: node, codingPath: codingPath)
    }

    mutating func superEncoder() -> any Encoder { superEncoder(forKey: Key(stringValue: "super")!) }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let slot = Slot()
        set(slot.node, key)
        return TreeEncoder(into: slot, codingPath: codingPath)
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let array: JSONWriter.Node
    var codingPath: [any CodingKey]
    var count: Int {
        guard case .array(let items) = array.value else { return 0 }
        return items.count
    }

    private func append(_ node: JSONWriter.Node) {
        guard case .array(var items) = array.value else { return }
        array.value = .null  // the array held once, changed in place
        items.append(node)
        array.value = .array(items)
    }

    mutating func encodeNil() throws { append(JSONWriter.Node(.null)) }
    mutating func encode(_ value: Bool) throws { append(JSONWriter.Node(.bool(value))) }
    mutating func encode(_ value: String) throws { append(JSONWriter.Node(.string(value))) }
    mutating func encode(_ value: Int) throws { append(JSONWriter.Node(.number(String(value)))) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        append(try TreeEncoder.node(value, codingPath: codingPath))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy _: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let node = JSONWriter.Node(.object([]))
        append(node)
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(object: node, codingPath: codingPath))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let node = JSONWriter.Node(.array([]))
        append(node)
        return UnkeyedContainer(array: node, codingPath: codingPath)
    }

    mutating func superEncoder() -> any Encoder {
        let slot = Slot()
        append(slot.node)
        return TreeEncoder(into: slot, codingPath: codingPath)
    }
}

private struct SingleContainer: SingleValueEncodingContainer {
    let slot: Slot
    var codingPath: [any CodingKey]

    mutating func encodeNil() throws { slot.node.value = .null }
    mutating func encode(_ value: Bool) throws { slot.node.value = .bool(value) }
    mutating func encode(_ value: String) throws { slot.node.value = .string(value) }
    mutating func encode(_ value: Int) throws { slot.node.value = .number(String(value)) }
    mutating func encode(_ value: Int8) throws { slot.node.value = .number(String(value)) }
    mutating func encode(_ value: Int16) throws { slot.node.value = .number(String(value)) }
    mutating func encode(_ value: Int32) throws { slot.node.value = .number(String(value)) }
    mutating func encode(_ value: Int64) throws { slot.node.value = .number(String(value)) }
    mutating func encode(_ value: UInt) throws { slot.node.value = .number(String(value)) }
    mutating func encode(_ value: UInt8) throws { slot.node.value = .number(String(value)) }
    mutating func encode(_ value: UInt16) throws { slot.node.value = .number(String(value)) }
    mutating func encode(_ value: UInt32) throws { slot.node.value = .number(String(value)) }
    mutating func encode(_ value: UInt64) throws { slot.node.value = .number(String(value)) }
    mutating func encode(_ value: Double) throws { throw unsupported(value, codingPath) }
    mutating func encode(_ value: Float) throws { throw unsupported(value, codingPath) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        slot.node.value = try TreeEncoder.node(value, codingPath: codingPath).value
    }
}
