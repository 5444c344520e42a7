import Procedures
import Testing

/// The due day of `step` in `procedure`, as the schema's norm computes it.
func due(_ procedure: Int, _ step: String, opened: Day = Day(2026, 1, 1), month: Day? = nil, steps: [String: Day] = [:]) -> Day? {
    definition(procedure).deadline(for: step)?.deadline.due.resolve(CaseCalendar(opened: opened, month: month, stepDays: steps))
}

func opens(_ procedure: Int, _ step: String, month: Day) -> Day? {
    definition(procedure).deadline(for: step)?.deadline.opens?.resolve(CaseCalendar(opened: month, month: month, stepDays: [:]))
}

@Suite("Deadlines from the norms in schemas/")
struct DeadlineTests {
    @Test("P3 norm 1: each dependency registers from the 26th to the month's last day",
          arguments: [(Day(2026, 11, 1), Day(2026, 11, 30)), (Day(2026, 12, 1), Day(2026, 12, 31)),
                      (Day(2026, 2, 1), Day(2026, 2, 28)), (Day(2028, 2, 1), Day(2028, 2, 29)), (Day(2026, 4, 1), Day(2026, 4, 30))])
    func p3Registration(month: Day, last: Day) {
        #expect(opens(3, "01", month: month) == Day(month.year, month.month, 26))
        #expect(due(3, "01", month: month) == last)
    }

    @Test("P3 norms 2-4: the 5th, 8th and 10th of the next month, December into January",
          arguments: [(Day(2026, 11, 1), 2026, 12), (Day(2026, 12, 1), 2027, 1), (Day(2027, 1, 1), 2027, 2)])
    func p3NextMonth(month: Day, year: Int, next: Int) {
        for step in ["02", "03", "04"] { #expect(due(3, step, month: month) == Day(year, next, 5), "step \(step)") }
        for step in ["05", "06"] { #expect(due(3, step, month: month) == Day(year, next, 8), "step \(step)") }
        #expect(due(3, "07", month: month) == Day(year, next, 10))
    }

    @Test("P3 norm 2: approval (04) opens after the cut-off, on the 1st of the next month; 02 and 03 have no opening")
    func p3ApprovalWindow() {
        let month = Day(2026, 11, 1)
        #expect(opens(3, "04", month: month) == Day(2026, 12, 1))
        #expect(opens(3, "03", month: month) == nil && opens(3, "02", month: month) == nil)
        let calendar = CaseCalendar(opened: month, month: month, stepDays: [:])
        #expect(definition(3).timing(of: "04", on: Day(2026, 11, 30), calendar: calendar)?.kind == .early)
        #expect(definition(3).timing(of: "04", on: Day(2026, 12, 1), calendar: calendar)?.kind == .onTime)
        let late = definition(3).timing(of: "04", on: Day(2026, 12, 7), calendar: calendar)
        #expect(late?.kind == .late && late?.days == 2 && late?.norm.number == "2")
    }

    @Test("P5 norm 1 sets no dates: the monthly rhythm is a department criterion, applied only once a jefe adopts it")
    func p5Rhythm() {
        let month = Day(2026, 12, 1)
        #expect(definition(5).deadline(for: "01") == nil && definition(5).deadline(for: "05") == nil, "not a norm of the manual")
        let rhythm = definition(5).norms.first { $0.number == "ritmo-mensual" }
        #expect(rhythm?.kind == .criterion && rhythm?.label == "criterio del departamento «ritmo-mensual»")
        let manualDeadlines = definition(5).norms.filter { $0.kind == .manual }.flatMap(\.deadlines)
        #expect(manualDeadlines.isEmpty)
        let adopted = definition(5).applying(DepartmentRegister(criteria: [.init(procedure: 5, key: "ritmo-mensual",
                                                                                adoption: Adoption(by: "mrodriguez", on: "2026-11-02"))]))
        func due(_ step: String) -> Day? {
            adopted.deadline(for: step)?.deadline.due.resolve(CaseCalendar(opened: month, month: month, stepDays: [:]))
        }
        #expect(adopted.deadline(for: "01")?.norm.kind == .criterion)
        #expect(adopted.deadline(for: "01")?.deadline == definition(3).deadline(for: "01")?.deadline, "the same rhythm as P3")
        #expect(adopted.deadline(for: "01")?.deadline.opens?.resolve(CaseCalendar(opened: month, month: month, stepDays: [:])) == Day(2026, 12, 26))
        #expect(due("01") == Day(2026, 12, 31))
        #expect(due("02") == Day(2027, 1, 5))
        #expect(due("03") == Day(2027, 1, 8) && due("04") == Day(2027, 1, 8))
        #expect(due("05") == Day(2027, 1, 10) && due("06") == Day(2027, 1, 10))
    }

    @Test("P1 norm 3: the proposal (07) within three calendar months of step 01, clamped to short months",
          arguments: [(Day(2026, 11, 30), Day(2027, 2, 28)), (Day(2027, 11, 30), Day(2028, 2, 29)), (Day(2026, 2, 2), Day(2026, 5, 2)),
                      (Day(2026, 10, 31), Day(2027, 1, 31)), (Day(2026, 12, 31), Day(2027, 3, 31))])
    func p1Proposal(stepOne: Day, expected: Day) {
        for step in ["02", "04", "07"] { #expect(due(1, step, steps: ["01": stepOne]) == expected) }
        #expect(due(1, "07") == nil, "no deadline before step 01 is recorded")
        #expect(due(1, "08", steps: ["01": stepOne]) == nil, "the wait has no deadline")
    }

    @Test("P1 norm 5: the progress report in the January after the follow-up was assigned (step 10)",
          arguments: [(Day(2026, 5, 20), Day(2027, 1, 31)), (Day(2027, 1, 10), Day(2027, 1, 31)), (Day(2027, 1, 31), Day(2027, 1, 31)),
                      (Day(2027, 2, 1), Day(2028, 1, 31)), (Day(2026, 12, 31), Day(2027, 1, 31))])
    func p1January(stepTen: Day, expected: Day) {
        for step in ["11", "12", "13", "14"] { #expect(due(1, step, steps: ["10": stepTen]) == expected) }
        // "durante el mes de enero": presenting (12), endorsing (13) and sending (14) open on January 1st.
        for step in ["12", "13", "14"] {
            #expect(definition(1).deadline(for: step)?.deadline.opens?.resolve(CaseCalendar(opened: stepTen, month: nil, stepDays: ["10": stepTen]))
                    == Day(expected.year, 1, 1))
        }
        #expect(definition(1).deadline(for: "11")?.deadline.opens == nil, "the follow-up (11) runs all year")
    }

    @Test("P1 norm 5, 'de cada año': each later round is due a year later; the plan's last year sets how many rounds")
    func p1Yearly() {
        let p1 = definition(1)
        let stepTen = Day(2026, 5, 20)
        for round in 0..<4 {
            let calendar = CaseCalendar(opened: Day(2026, 1, 5), month: nil, stepDays: ["10": stepTen], round: round)
            #expect(p1.deadline(for: "13")?.deadline.due.resolve(calendar) == Day(2027 + round, 1, 31))
            #expect(p1.cycleYear(calendar: calendar, today: Day(2026, 6, 1)) == 2027 + round)
        }
        let calendar = CaseCalendar(opened: Day(2026, 1, 5), month: nil, stepDays: ["10": stepTen])
        // Reports in January 2027 (the first after step 10) up to the January after the last year in force.
        #expect(p1.cycleRounds(lastYear: 2030, calendar: calendar) == 5)
        #expect(p1.cycleRounds(lastYear: 2026, calendar: calendar) == 1)
        #expect(p1.cycleRounds(lastYear: 2020, calendar: calendar) == 1, "always at least the one report")
        #expect(p1.cycleRounds(lastYear: 2030, calendar: CaseCalendar(opened: Day(2026, 1, 5), month: nil, stepDays: [:])) == nil)
        // Step 10 in January: that same January's report is the first.
        #expect(p1.cycleRounds(lastYear: 2030, calendar: CaseCalendar(opened: Day(2026, 1, 5), month: nil, stepDays: ["10": Day(2027, 1, 10)])) == 5)
        // A plan in force from 2028: its first report gives account of 2028, in January 2029.
        var later = calendar
        later.firstReportYear = 2029
        #expect(p1.deadline(for: "12")?.deadline.opens?.resolve(later) == Day(2029, 1, 1))
        #expect(p1.cycleRounds(lastYear: 2030, calendar: later) == 3, "January 2029, 2030 and 2031")
        // Before step 10, the round a report written today belongs to.
        #expect(p1.cycleYear(calendar: CaseCalendar(opened: Day(2026, 1, 5), month: nil, stepDays: [:]), today: Day(2026, 3, 1)) == 2027)
        #expect(definition(2).cycleYear(calendar: calendar, today: Day(2026, 3, 1)) == nil, "no cycle outside P1")
    }

    @Test("the machine: after P1-14 back to 11 while rounds remain, then FIN; without the plan's years, one round")
    func p1Machine() throws {
        var machine = CaseMachine(definition: definition(1))
        for step in (1...13).map({ String(format: "%02d", $0) }) { try machine.apply(step: step, decision: nil, dependency: nil) }
        var once = machine
        try once.apply(step: "14", decision: nil, dependency: nil)
        #expect(once.state == .closed, "no rounds given: the flowchart's one report, then FIN")
        machine.cycleRounds = 2
        try machine.apply(step: "14", decision: nil, dependency: nil)
        #expect(machine.state == .open && machine.completedRounds == 1)
        #expect(machine.allowedNext.map(\.step.number) == ["11"])
        #expect(throws: ProcedureError.self) { try machine.apply(step: "12", decision: nil, dependency: nil) }
        for step in ["11", "12", "13", "14"] { try machine.apply(step: step, decision: nil, dependency: nil) }
        #expect(machine.state == .closed && machine.completedRounds == 2)
        #expect(throws: ProcedureError.self) { try machine.apply(step: "11", decision: nil, dependency: nil) }
    }

    @Test("P2 norm 1: the proposal by the end of the first semester after the instruction (step 01)")
    func p2Semester() {
        #expect(due(2, "04", opened: Day(2026, 3, 2), steps: ["01": Day(2026, 3, 2)]) == Day(2026, 6, 30))
        #expect(due(2, "03", opened: Day(2026, 12, 15), steps: ["01": Day(2026, 12, 15)]) == Day(2027, 6, 30), "instructed in the second semester: the next first semester")
        #expect(due(2, "10", opened: Day(2026, 3, 2)) == nil)
    }

    @Test("calendar arithmetic: days across months and years, leap days")
    func days() {
        #expect(Day(2026, 12, 30).adding(days: 3) == Day(2027, 1, 2))
        #expect(Day(2028, 2, 28).adding(days: 1) == Day(2028, 2, 29))
        #expect(Day(2026, 2, 28).adding(days: 1) == Day(2026, 3, 1))
        #expect(Day(2026, 11, 27).days(to: Day(2026, 12, 5)) == 8)
        #expect(Day(2026, 12, 5).days(to: Day(2026, 11, 27)) == -8)
        #expect(Day(2024, 1, 1).days(to: Day(2025, 1, 1)) == 366)
        #expect(Day(iso: "2026-02-29") == nil && Day(iso: "2028-02-29") == Day(2028, 2, 29))
        #expect(Day(2026, 1, 31).adding(months: 1) == Day(2026, 2, 28))
    }

    @Test("every norm of every procedure is a deadline, a requirement or a check, and quotes the manual", arguments: 1...7)
    func everyNormApplied(procedure: Int) {
        let norms = definition(procedure).norms
        #expect(!norms.isEmpty)
        for n in norms {
            #expect(!n.deadlines.isEmpty || !n.requirements.isEmpty || n.check != nil || n.notApplied != nil, "P\(procedure) norm \(n.number)")
            if n.kind == .manual {
                #expect(n.text.hasPrefix(n.number + ".") || n.text.hasPrefix(n.number + " "), "P\(procedure) norm \(n.number) quotes the manual")
            }
        }
    }

    @Test("a norm that is neither deadline, requirement nor check is refused")
    func inertNorm() {
        let yaml = """
            numero: 9
            codigo: X
            nombre: X
            version: "1"
            normas:
              - {norma: "1", texto: "1. Algo."}
            pasos:
              - {paso: "01", roles: [jefe], actividad: x}
            """
        #expect { try ProcedureDefinition.load(yaml: yaml, source: "x.yaml") } throws: { "\($0)".contains("norma 1") }
    }
}
