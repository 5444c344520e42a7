import Procedures
import Testing

/// Applies `steps` ("04", "04:si", "03@HGE", "04:no@HGE") and returns the machine.
func replay(_ procedure: Int, _ steps: [String]) throws -> CaseMachine {
    var machine = CaseMachine(definition: definition(procedure))
    for item in steps { try apply(&machine, item) }
    return machine
}

func apply(_ machine: inout CaseMachine, _ item: String) throws {
    var rest = Substring(item)
    var dependency: String? = nil
    if let at = rest.firstIndex(of: "@") {
        dependency = String(rest[rest.index(after: at)...])
        rest = rest[..<at]
    }
    var decision: Bool? = nil
    if let colon = rest.firstIndex(of: ":") {
        decision = rest[rest.index(after: colon)...] == "si"
        rest = rest[..<colon]
    }
    try machine.apply(step: String(rest), decision: decision, dependency: dependency)
}

func range(_ from: Int, _ to: Int, _ suffix: String = "") -> [String] {
    (from...to).map { String(format: "%02d", $0) + suffix }
}

@Suite("Replaying the seven procedures")
struct CaseMachineTests {
    /// Answers used to walk every procedure to FIN.
    static let answers: [String: Bool] = ["3-04": true, "4-04": true, "4-10": false, "6-04": true]

    @Test("every procedure can be walked from its first step to FIN, touching every step", arguments: 1...7)
    func walkToEnd(procedure: Int) throws {
        let d = definition(procedure)
        var machine = CaseMachine(definition: d)
        var seen = Set<String>()
        let dependencies = ["HGE", "HRO"]
        var guardCount = 0
        while machine.state != .closed {
            guardCount += 1
            try #require(guardCount < 200, "P\(procedure) does not reach FIN")
            let allowed = machine.allowedNext
            try #require(!allowed.isEmpty)
            let started = machine.threads.map(\.code)
            let pick: NextStep
            let dependency: String?
            // Start both dependencies first: P2 closes as soon as every started one is done.
            if let start = allowed.first(where: \.startsDependency), started.count < dependencies.count {
                pick = start
                dependency = dependencies[started.count]
            } else if let cont = allowed.first(where: { $0.dependency != nil }) {
                pick = cont
                dependency = cont.dependency
            } else {
                pick = try #require(allowed.first { !$0.startsDependency })
                dependency = nil
            }
            let answer = pick.step.decision == nil ? nil : Self.answers["\(procedure)-\(pick.step.number)"]
            try machine.apply(step: pick.step.number, decision: answer, dependency: dependency)
            seen.insert(pick.step.number)
        }
        #expect(seen == Set(d.steps.map(\.number)))
        #expect(machine.allowedNext.filter { !$0.startsDependency }.isEmpty)
        if d.dependencyBlock != nil { #expect(machine.threads.map(\.code) == dependencies) }
    }

    /// Every (procedure, decision step, answer) found in schemas/.
    static let branches: [(Int, String, Bool)] = (1...7).flatMap { p in
        definition(p).steps.filter { $0.decision != nil }.flatMap { [(p, $0.number, true), (p, $0.number, false)] }
    }

    @Test("every decision branch of every schema leads where the schema says", arguments: branches)
    func everyBranch(procedure: Int, step number: String, answer: Bool) throws {
        let d = definition(procedure)
        let step = try #require(d.step(number))
        var m = CaseMachine(definition: d)
        // Walk the default path (first branch that continues) until the decision step is allowed.
        var guardCount = 0
        while !m.allowedNext.contains(where: { $0.step.number == number }) {
            guardCount += 1
            try #require(guardCount < 50)
            let next = try #require(m.allowedNext.first { $0.dependency != nil } ?? m.allowedNext.first)
            try m.apply(step: next.step.number, decision: next.step.decision.map { _ in true },
                        dependency: next.step.perDependency ? (next.dependency ?? "HGE") : nil)
        }
        try m.apply(step: number, decision: answer, dependency: step.perDependency ? "HGE" : nil)
        switch step.decision!.branch(answer).transition {
        case .leave:
            #expect(m.state == .returned)
        case .finish:
            #expect(m.state == .closed)
        case .step(let target):
            #expect(m.allowedNext.contains { $0.step.number == target }, "P\(procedure)-\(number) \(answer) -> \(target)")
            #expect(m.state == .open)
        }
    }

    @Test("P4: SEGEPLAN observations (10: si) go back to step 02, then on to FIN")
    func segeplanLoop() throws {
        var m = try replay(4, range(1, 3) + ["04:si"] + range(5, 9) + ["10:si"])
        #expect(m.allowedNext.map(\.step.number) == ["02"])
        #expect(m.state == .open)
        #expect(throws: ProcedureError.self) { try m.apply(step: "11", decision: nil, dependency: nil) }
        for s in ["02", "03", "04:si", "05", "06", "07", "08", "09", "10:no", "11", "12", "13"] { try apply(&m, s) }
        #expect(m.state == .open)
        try apply(&m, "14")
        #expect(m.state == .closed)
    }

    @Test("P4-04 and P6-04 'no' leave the procedure: state returned, nothing more allowed",
          arguments: [(4, range(1, 3) + ["04:no"]), (6, range(1, 3) + ["04:no"])])
    func returned(procedure: Int, steps: [String]) throws {
        var m = try replay(procedure, steps)
        #expect(m.state == .returned)
        #expect(m.allowedNext.isEmpty)
        #expect(throws: ProcedureError.caseEnded(step: "05", state: .returned)) {
            try m.apply(step: "05", decision: nil, dependency: nil)
        }
    }

    @Test("P3-04 'no' (contact the dependency) still continues to 05")
    func p3DecisionBothWays() throws {
        let m = try replay(3, ["01@HGE", "02@HGE", "03@HGE", "04:no@HGE"])
        #expect(m.allowedNext.filter { $0.dependency == "HGE" }.map(\.step.number) == ["05"])
    }

    @Test("the Espera steps leave the case waiting until the next step", arguments: [(1, "08"), (4, "08")])
    func waits(procedure: Int, wait: String) throws {
        let steps = procedure == 1 ? range(1, 8) : range(1, 3) + ["04:si"] + range(5, 8)
        var m = try replay(procedure, steps)
        #expect(m.lastStep == wait)
        #expect(m.state == .waiting)
        try m.apply(step: "09", decision: nil, dependency: nil)
        #expect(m.state == .open)
    }

    @Test("a step out of order is refused, names the allowed step, and changes nothing")
    func outOfOrder() throws {
        var m = try replay(1, range(1, 2))
        #expect {
            try m.apply(step: "05", decision: nil, dependency: nil)
        } throws: { error in
            "\(error)".contains("El paso 05") && "\(error)".contains("03 (jefe)")
        }
        #expect(m.lastStep == "02")
        #expect(m.allowedNext.map(\.step.number) == ["03"])
        #expect(throws: ProcedureError.self) { try m.apply(step: "99", decision: nil, dependency: nil) }
    }

    @Test("decisions and dependencies are demanded where the manual has them, refused elsewhere")
    func flags() throws {
        var p4 = try replay(4, range(1, 3))
        #expect(throws: ProcedureError.decisionRequired(step: "04", question: "¿Documentación y registro es adecuado?")) {
            try p4.apply(step: "04", decision: nil, dependency: nil)
        }
        var p1 = CaseMachine(definition: definition(1))
        #expect(throws: ProcedureError.decisionNotAllowed(step: "01")) { try p1.apply(step: "01", decision: true, dependency: nil) }
        #expect(throws: ProcedureError.dependencyNotAllowed(step: "01")) { try p1.apply(step: "01", decision: nil, dependency: "HGE") }
        var p3 = CaseMachine(definition: definition(3))
        #expect(throws: ProcedureError.dependencyRequired(step: "01")) { try p3.apply(step: "01", decision: nil, dependency: nil) }
    }

    @Test("P3: step 06 waits for every started dependency to reach 05; no dependency starts after it")
    func p3Threads() throws {
        var m = try replay(3, ["01@HGE", "01@HRO"] + range(2, 3, "@HGE"))
        #expect(m.threads.map(\.code) == ["HGE", "HRO"])
        #expect(throws: ProcedureError.self) { try m.apply(step: "06", decision: nil, dependency: nil) }
        #expect(throws: ProcedureError.self) { try m.apply(step: "03", decision: nil, dependency: "HRO") }
        for s in ["04:si@HGE", "05@HGE", "02@HRO", "03@HRO", "04:no@HRO"] { try apply(&m, s) }
        #expect {
            try m.apply(step: "06", decision: nil, dependency: nil)
        } throws: { "\($0)".contains("HRO (le falta el paso 05)") }
        try apply(&m, "05@HRO")
        #expect(m.allowedNext.contains { $0.step.number == "06" && $0.dependency == nil && !$0.startsDependency })
        try apply(&m, "06")
        #expect(throws: ProcedureError.self) { try m.apply(step: "01", decision: nil, dependency: "IGS") }
        try apply(&m, "07")
        #expect(m.state == .closed)
    }

    @Test("P3 and P5: the monthly step needs at least one dependency")
    func monthlyNeedsOne() throws {
        var p3 = CaseMachine(definition: definition(3))
        #expect(throws: ProcedureError.dependenciesPending(step: "06", pending: [], firstStep: "01")) {
            try p3.apply(step: "06", decision: nil, dependency: nil)
        }
        var p5 = CaseMachine(definition: definition(5))
        #expect(throws: ProcedureError.self) { try p5.apply(step: "02", decision: nil, dependency: nil) }
        try apply(&p5, "01@DIP")
        try apply(&p5, "01@UEH")
        #expect(throws: ProcedureError.self) { try p5.apply(step: "01", decision: nil, dependency: "DIP") }
        try apply(&p5, "02")
        #expect(p5.threads.count == 2)
    }

    @Test("P2 closes when every started dependency has archived its POA (12), and reopens for a new one")
    func p2Closes() throws {
        var m = try replay(2, range(1, 9) + ["10@HGE", "10@HRO", "11@HGE", "12@HGE"])
        #expect(m.state == .open)
        try apply(&m, "11@HRO")
        try apply(&m, "12@HRO")
        #expect(m.state == .closed)
        try apply(&m, "10@IGS")
        #expect(m.state == .open)
        #expect(throws: ProcedureError.self) { try m.apply(step: "11", decision: nil, dependency: "HGE") }
        try apply(&m, "11@IGS")
        try apply(&m, "12@IGS")
        #expect(m.state == .closed)
    }

    @Test("per-dependency steps cannot start before the case reaches them")
    func threadsNotYet() throws {
        var m = try replay(2, range(1, 8))
        #expect(throws: ProcedureError.self) { try m.apply(step: "10", decision: nil, dependency: "HGE") }
    }
}
