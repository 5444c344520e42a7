@testable import Casebook
import Foundation
import GitStore
import Testing
import TestSupport

/// The case index file (`estado.cache`) as `StatusIndex.load` reads it, field by field: a file
/// whose every checksum holds is still refused when a field breaks the format.
@Suite("The case index file read field by field")
struct StatusIndexFileTests {
    let box = Sandbox()
    let key = "clave de prueba"
    let tip = OID(hex: String(repeating: "c", count: 40))!
    let last = String(repeating: "a", count: 40)
    let tree = String(repeating: "b", count: 40) + ":cases/2026/PI-2026-0001"

    /// A summary line without its checksum (`C id last tree omitted reuse workTree bytes`).
    func line(_ id: String, omitted: String = "0", reuse: String = "1", workTree: String = "-", json: String, bytes: Int? = nil,
              last: String? = nil) -> (String, String) {
        ("C \(id) \(last ?? self.last) \(tree) \(omitted) \(reuse) \(workTree) \(bytes ?? json.utf8.count)", json)
    }

    /// A one-block index of `entries`, every checksum computed as the writer computes it
    /// (`uppercase`: the summaries' checksums written in capitals).
    func write(_ entries: [(String, String)], uppercase: Bool = false) throws -> String {
        var text = StatusIndex.header + "\n" + key + "\ntip \(tip.hex) -\n"
        var sums = ""
        for (line, json) in entries {
            let sum = Array(line.utf8).withUnsafeBytes { l in Array(json.utf8).withUnsafeBytes { StatusIndex.checksum(l, $0) } }
            sums += sum
            text += line + " " + (uppercase ? sum.uppercased() : sum) + "\n" + json + "\n"
        }
        let fold = Array(sums.utf8).withUnsafeBytes { CacheChecksum.hex(CacheChecksum.of($0)) }
        text += "fin \(tip.hex) \(fold)\n"
        let path = box.path + "/estado-\(UUID().uuidString).cache"
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    @Test("a well-formed index gives each case's fields, in order; a day in the reuse field is the day it holds for")
    func wellFormed() throws {
        let path = try write([line("PI-2026-0001", omitted: "2", json: "{\"a\":1}"),
                              line("PI-2026-0002", reuse: "2026-11-02", workTree: "1.2.3.4.5.6", json: "{\"b\":22}"),
                              line("PI-2026-0003", reuse: "0", json: "")])
        let index = try #require(StatusIndex.load(path, key: key))
        #expect(index.tip == tip && index.order == ["PI-2026-0001", "PI-2026-0002", "PI-2026-0003"])
        let first = try #require(index.summaries["PI-2026-0001"])
        #expect(first.omitted == 2 && first.reusable && first.day == nil && first.tree == tree && first.last.hex == last)
        #expect(String(decoding: first.json, as: UTF8.self) == "{\"a\":1}")
        let second = try #require(index.summaries["PI-2026-0002"])
        #expect(second.day == "2026-11-02" && second.workTree == "1.2.3.4.5.6" && second.reusable)
        #expect(index.summaries["PI-2026-0003"]?.reusable == false && index.summaries["PI-2026-0003"]?.json.isEmpty == true)
        #expect(StatusIndex.load(path, key: "otra clave") == nil)
    }

    @Test("a field that breaks the format makes the whole index unread, though every checksum holds", arguments: [
        "an empty field", "a reuse field that is neither 0, 1 nor a day", "a day that is no day", "a count of steps that is no number",
        "a negative count", "a length longer than the JSON", "a commit that is not hexadecimal", "a case twice in one block",
        "a checksum in capitals", "a tenth field",
    ])
    func brokenField(_ what: String) throws {
        let good = line("PI-2026-0001", json: "{\"a\":1}")
        var entries = [good, line("PI-2026-0002", json: "{\"b\":2}")]
        var uppercase = false
        switch what {
        case "an empty field": entries[1].0 = entries[1].0.replacingOccurrences(of: " - ", with: "  ")
        case "a reuse field that is neither 0, 1 nor a day": entries[1] = line("PI-2026-0002", reuse: "2", json: "{\"b\":2}")
        case "a day that is no day": entries[1] = line("PI-2026-0002", reuse: "2026-13-45", json: "{\"b\":2}")
        case "a count of steps that is no number": entries[1] = line("PI-2026-0002", omitted: "1a", json: "{\"b\":2}")
        case "a negative count": entries[1] = line("PI-2026-0002", omitted: "-1", json: "{\"b\":2}")
        case "a length longer than the JSON": entries[1] = line("PI-2026-0002", json: "{\"b\":2}", bytes: 8)
        case "a commit that is not hexadecimal": entries[1] = line("PI-2026-0002", json: "{\"b\":2}", last: String(repeating: "z", count: 40))
        case "a case twice in one block": entries[1] = line("PI-2026-0001", json: "{\"b\":2}")
        case "a checksum in capitals": uppercase = true
        default: entries[1].0 += " extra"
        }
        // The same file with the good entries only is read: the refusal is the field's.
        #expect(StatusIndex.load(try write([good, line("PI-2026-0002", json: "{\"b\":2}")]), key: key) != nil)
        #expect(StatusIndex.load(try write(entries, uppercase: uppercase), key: key) == nil, "\(what)")
    }
}
