import Casebook
import Foundation
import GitStore
import Testing
import TestSupport

@Suite("Verification as rules")
struct RuleCatalogTests {
    @Test("every rule has a distinct stable code, a severity and a Spanish sentence of what it checks")
    func catalog() {
        let codes = VerifyRule.allCases.map(\.code)
        #expect(Set(codes).count == codes.count, "duplicate codes: \(codes)")
        for rule in VerifyRule.allCases {
            #expect(rule.code.allSatisfy { $0.isLowercase || $0 == "-" }, "\(rule.code)")
            #expect(rule.summary.hasSuffix(".") && rule.summary.first?.isUppercase == true, "\(rule.code): \(rule.summary)")
            #expect(VerifyRule(rawValue: rule.code) == rule)
        }
        // The codes printed since before the catalog are the codes.
        for printed in ["lineal", "raiz", "signature", "plazo", "registro", "tarde", "sello", "fecha-futura", "referencias",
                        "reescritura", "routing-slip", "archive", "outside-folio", "step-order"] {
            #expect(codes.contains(printed), "\(printed)")
        }
        #expect(VerifyRule.late.severity == .warning && VerifyRule.stamp.severity == .warning && VerifyRule.signature.severity == .error)
    }

    @Test("a finding's JSON carries its rule's code and severity, and reads back to the same rule")
    func findingJSON() throws {
        let finding = Violation(commit: "abc", caseID: "PI-2026-0001", step: "03", rule: .outsideFolio, message: "m", fix: "f",
                                severity: .warning)
        let data = try JSONEncoder().encode(finding)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["rule"] as? String == "outside-folio" && object["severity"] as? String == "warning")
        let back = try JSONDecoder().decode(Violation.self, from: data)
        #expect(back == finding && back.kind == .outsideFolio && !back.isError)
        #expect(Violation(commit: "", caseID: nil, step: nil, rule: .late, message: "", fix: "").level == .warning)
    }

    @Test("the shared repository's hook answers with structured findings: each refusal its rule's code, none read from Spanish text")
    func receiveFindings() throws {
        let repo = try CaseRepo()
        let head = try #require(try repo.book.repository.headCommit())
        let book = try Casebook.openForReading(at: repo.path, clock: repo.book.clock)
        let tag = try #require(RefUpdate(line: "\(String(repeating: "0", count: 40)) \(head.hex) refs/tags/v1"))
        let delete = try #require(RefUpdate(line: "\(head.hex) \(String(repeating: "0", count: 40)) refs/heads/main"))
        let report = try book.receive([tag, delete])
        #expect(!report.accepted)
        #expect(report.findings.map(\.kind) == [.references, .references])
        #expect(report.findings.allSatisfy { $0.isError })
        #expect(report.lines.contains { $0.contains("[referencias].") }, "\(report.lines)")
        let ok = try book.receive([try #require(RefUpdate(line: "\(head.hex) \(head.hex) refs/heads/main"))])
        #expect(ok.accepted && ok.findings.isEmpty, "\(ok.lines)")
    }

    @Test("a casebook opened to read is refused by every write, and writes nothing")
    func readerRefusesWrites() throws {
        let repo = try CaseRepo()
        let id = try repo.book.openCase(NewCaseRequest(procedure: "7", title: "Beca", persona: "mrodriguez")).caseID
        let reader = try Casebook.openReader(at: repo.path, clock: repo.book.clock)
        #expect(reader.access == .read && repo.book.access == .write)
        try repo.expectRefusal(["se abrió solo para leer"]) {
            _ = try reader.recordNote(caseID: id, persona: "mrodriguez", text: "Nota")
        }
        try repo.expectRefusal(["se abrió solo para leer"]) {
            _ = try reader.recordStep(StepRequest(caseID: id, step: "02", persona: "mrodriguez"))
        }
        #expect(try reader.statusOfAll().map(\.id) == [id])
    }
}
