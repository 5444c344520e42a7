import Foundation
import Casebook
import Procedures

/// A procedure's flowchart drawn from its definition as the manual draws it: a swimlane per role,
/// INICIO and FIN, decision diamonds with their Sí/No branches, loops back, the "sale del
/// procedimiento" exits and the waits, as inline SVG (no script). On a case's page the same chart
/// marks the steps done, where the case is now (per dependency where the part is per dependency)
/// and the path it took (how many times each loop was gone round).
struct Flowchart {
    /// What a case adds to the chart.
    struct Marks {
        /// Steps recorded at least once.
        var done: Set<String> = []
        /// Steps that may be recorded now, with the dependencies waiting there ("" for the case).
        var current: [String: [String]] = [:]
        /// How many times the case went from one step to another (the SEGEPLAN rounds of P4).
        var taken: [Edge: Int] = [:]
    }

    struct Edge: Hashable {
        var from: String
        var to: String
    }

    let definition: ProcedureDefinition
    var marks: Marks? = nil

    static let laneWidth = 200.0, rowHeight = 74.0, top = 56.0, nodeWidth = 160.0, nodeHeight = 46.0

    /// The roles in the order the procedure first names them: one lane each.
    var lanes: [Role] {
        var seen: [Role] = []
        for step in definition.steps where !seen.contains(step.role) { seen.append(step.role) }
        return seen
    }

    func laneX(_ role: Role) -> Double {
        Double(lanes.firstIndex(of: role) ?? 0) * Self.laneWidth + Self.laneWidth / 2
    }

    func rowY(_ row: Int) -> Double { Self.top + Double(row) * Self.rowHeight + Self.rowHeight / 2 }

    /// The targets of a step: (label, transition).
    func exits(of step: StepDefinition) -> [(String?, Transition)] {
        if let d = step.decision {
            // Both answers continue to the same step (P3-04): one arrow, both labels.
            if d.yes.transition == d.no.transition { return [("Sí / No", d.yes.transition)] }
            return [("Sí", d.yes.transition), ("No", d.no.transition)]
        }
        return [(nil, definition.transition(after: step, decision: nil))]
    }

    var svg: String {
        let steps = definition.steps
        let rows = steps.count + 2
        let exitsColumn = Double(lanes.count) * Self.laneWidth
        let leaves = steps.contains { exits(of: $0).contains { if case .leave = $0.1 { return true } else { return false } } }
        let width = exitsColumn + (leaves ? Self.laneWidth : 0) + 60
        let height = Self.top + Double(rows) * Self.rowHeight + 20
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"flujo\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"Diagrama del procedimiento \(definition.number)\" font-family=\"DejaVu Sans, Arial, sans-serif\">"
        out += "<defs><marker id=\"f\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" fill=\"#444\"/></marker>"
        out += "<marker id=\"t\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" fill=\"#1b6e20\"/></marker></defs>"
        // Swimlanes.
        for (i, role) in lanes.enumerated() {
            let x = Double(i) * Self.laneWidth
            out += "<rect x=\"\(Int(x))\" y=\"0\" width=\"\(Int(Self.laneWidth))\" height=\"\(Int(height))\" fill=\"\(i % 2 == 0 ? "#f7f9fc" : "#ffffff")\" stroke=\"#c8d3e0\"/>"
            out += "<rect x=\"\(Int(x))\" y=\"0\" width=\"\(Int(Self.laneWidth))\" height=\"40\" fill=\"#0b4f8a\"/>"
            let title = Self.wrap(role.title, width: 26, lines: 2)
            for (k, line) in title.enumerated() {
                let y = title.count == 1 ? 25.0 : 17.0 + Double(k) * 14
                out += "<text x=\"\(Int(x + Self.laneWidth / 2))\" y=\"\(Int(y))\" font-size=\"11\" fill=\"#fff\" text-anchor=\"middle\">\(HTML.escape(line))</text>"
            }
        }
        if leaves {
            out += "<rect x=\"\(Int(exitsColumn))\" y=\"0\" width=\"\(Int(Self.laneWidth))\" height=\"40\" fill=\"#6b6b6b\"/>"
            out += "<text x=\"\(Int(exitsColumn + Self.laneWidth / 2))\" y=\"25\" font-size=\"12\" fill=\"#fff\" text-anchor=\"middle\">Salidas</text>"
        }
        // Positions.
        var position: [String: (x: Double, y: Double)] = [:]
        for (i, step) in steps.enumerated() { position[step.number] = (laneX(step.role), rowY(i + 1)) }
        let start = (x: laneX(steps[0].role), y: rowY(0))
        let lastFinishing = steps.last { exits(of: $0).contains { if case .finish = $0.1 { return true } else { return false } } } ?? steps[steps.count - 1]
        let end = (x: laneX(lastFinishing.role), y: rowY(rows - 1))
        // Edges first, under the nodes.
        out += arrow(from: (start.x, start.y + 14), to: (position[steps[0].number]!.x, position[steps[0].number]!.y - Self.nodeHeight / 2), label: nil, taken: marks?.done.contains(steps[0].number) == true, back: 0)
        var backLoops = 0
        for (i, step) in steps.enumerated() {
            let from = position[step.number]!
            for (label, transition) in exits(of: step) {
                let bottom = (from.x, from.y + (step.decision == nil ? Self.nodeHeight / 2 : 28))
                switch transition {
                case .step(let target):
                    guard let to = position[target], let j = steps.firstIndex(where: { $0.number == target }) else { continue }
                    let count = marks?.taken[Edge(from: step.number, to: target)] ?? 0
                    let taken = count > 0 || (j > i && marks?.done.contains(step.number) == true && marks?.done.contains(target) == true
                                              && (label == nil || count > 0))
                    if j <= i {
                        backLoops += 1
                        out += loop(from: from, to: to, label: label, count: count, index: backLoops, right: exitsColumn)
                    } else {
                        out += arrow(from: bottom, to: (to.x, to.y - Self.nodeHeight / 2), label: label, taken: taken, back: 0,
                                     note: count > 1 ? "×\(count)" : nil)
                    }
                case .finish:
                    let taken = marks?.done.contains(step.number) == true && marks?.current.isEmpty == true && step.number == lastFinishing.number
                    out += arrow(from: bottom, to: (end.x, end.y - 14), label: label, taken: taken, back: 0)
                case .leave:
                    let exit = (x: exitsColumn + Self.laneWidth / 2, y: from.y)
                    let taken = marks?.taken[Edge(from: step.number, to: "SALE")] ?? 0 > 0
                    out += arrow(from: (from.x + Self.nodeWidth / 2, from.y), to: (exit.x - 70, exit.y), label: label, taken: taken, back: 0)
                    out += "<rect x=\"\(Int(exit.x - 70))\" y=\"\(Int(exit.y - 20))\" width=\"140\" height=\"40\" rx=\"20\" fill=\"\(taken ? "#f6d5d5" : "#eeeeee")\" stroke=\"#6b6b6b\"/>"
                    out += "<text x=\"\(Int(exit.x))\" y=\"\(Int(exit.y - 3))\" font-size=\"11\" text-anchor=\"middle\">Sale del</text><text x=\"\(Int(exit.x))\" y=\"\(Int(exit.y + 11))\" font-size=\"11\" text-anchor=\"middle\">procedimiento</text>"
                }
            }
        }
        // INICIO and FIN.
        out += "<ellipse cx=\"\(Int(start.x))\" cy=\"\(Int(start.y))\" rx=\"46\" ry=\"14\" fill=\"#0b4f8a\"/><text x=\"\(Int(start.x))\" y=\"\(Int(start.y + 4))\" font-size=\"11\" fill=\"#fff\" text-anchor=\"middle\">INICIO</text>"
        out += "<ellipse cx=\"\(Int(end.x))\" cy=\"\(Int(end.y))\" rx=\"46\" ry=\"14\" fill=\"#0b4f8a\"/><text x=\"\(Int(end.x))\" y=\"\(Int(end.y + 4))\" font-size=\"11\" fill=\"#fff\" text-anchor=\"middle\">FIN</text>"
        // Nodes.
        for step in steps { out += node(step, at: position[step.number]!) }
        return out + "</svg>"
    }

    private func node(_ step: StepDefinition, at p: (x: Double, y: Double)) -> String {
        let done = marks?.done.contains(step.number) == true
        let here = marks?.current[step.number]
        var fill = done ? "#d9f0d9" : "#ffffff"
        if here != nil { fill = "#fff1cc" }
        let stroke = here != nil ? "#d27d00" : (done ? "#1b6e20" : "#44576b")
        let strokeWidth = here != nil ? 3 : 1.5
        let dash = step.waits ? " stroke-dasharray=\"6 3\"" : ""
        var out = "<g class=\"paso\(done ? " hecho" : "")\(here != nil ? " actual" : "")\"><title>\(HTML.escape("\(step.number) (\(step.roles.map(\.rawValue).joined(separator: " o "))): \(step.activity)"))</title>"
        if let decision = step.decision {
            let w = Self.nodeWidth / 2 + 6, h = 30.0
            out += "<polygon points=\"\(Int(p.x)),\(Int(p.y - h)) \(Int(p.x + w)),\(Int(p.y)) \(Int(p.x)),\(Int(p.y + h)) \(Int(p.x - w)),\(Int(p.y))\" fill=\"\(fill)\" stroke=\"\(stroke)\" stroke-width=\"\(strokeWidth)\"\(dash)/>"
            out += "<text x=\"\(Int(p.x))\" y=\"\(Int(p.y - 4))\" font-size=\"11\" font-weight=\"bold\" text-anchor=\"middle\">\(step.number)</text>"
            out += "<text x=\"\(Int(p.x))\" y=\"\(Int(p.y + 10))\" font-size=\"9\" text-anchor=\"middle\">\(HTML.escape(Self.shorten(decision.question, 26)))</text>"
        } else {
            out += "<rect x=\"\(Int(p.x - Self.nodeWidth / 2))\" y=\"\(Int(p.y - Self.nodeHeight / 2))\" width=\"\(Int(Self.nodeWidth))\" height=\"\(Int(Self.nodeHeight))\" rx=\"5\" fill=\"\(fill)\" stroke=\"\(stroke)\" stroke-width=\"\(strokeWidth)\"\(dash)/>"
            if step.perDependency {
                out += "<rect x=\"\(Int(p.x - Self.nodeWidth / 2 + 3))\" y=\"\(Int(p.y - Self.nodeHeight / 2 + 3))\" width=\"\(Int(Self.nodeWidth - 6))\" height=\"\(Int(Self.nodeHeight - 6))\" rx=\"4\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"0.8\"/>"
            }
            let lines = Self.wrap(step.activity, width: 30, lines: 2)
            out += "<text x=\"\(Int(p.x - Self.nodeWidth / 2 + 8))\" y=\"\(Int(p.y - 7))\" font-size=\"11\" font-weight=\"bold\">\(step.number)\(step.waits ? " · espera" : "")\(step.perDependency ? " · por dependencia" : "")</text>"
            for (k, line) in lines.enumerated() {
                out += "<text x=\"\(Int(p.x - Self.nodeWidth / 2 + 8))\" y=\"\(Int(p.y + 6 + Double(k) * 11))\" font-size=\"9\">\(HTML.escape(line))</text>"
            }
        }
        if let here, !here.isEmpty {
            let tags = here.filter { !$0.isEmpty }
            let label = tags.isEmpty ? "aquí" : "aquí: " + tags.prefix(6).joined(separator: ", ") + (tags.count > 6 ? " +\(tags.count - 6)" : "")
            out += "<text x=\"\(Int(p.x + Self.nodeWidth / 2 + 4))\" y=\"\(Int(p.y - Self.nodeHeight / 2 + 2))\" font-size=\"10\" fill=\"#d27d00\" font-weight=\"bold\">\(HTML.escape(label))</text>"
        } else if here != nil {
            out += "<text x=\"\(Int(p.x + Self.nodeWidth / 2 + 4))\" y=\"\(Int(p.y - Self.nodeHeight / 2 + 2))\" font-size=\"10\" fill=\"#d27d00\" font-weight=\"bold\">aquí</text>"
        }
        return out + "</g>"
    }

    private func arrow(from a: (Double, Double), to b: (Double, Double), label: String?, taken: Bool, back: Int, note: String? = nil) -> String {
        let color = taken ? "#1b6e20" : "#555"
        let width = taken ? 2.6 : 1.2
        let midY = b.1 - 14
        let path = a.0 == b.0 ? "M\(Int(a.0)),\(Int(a.1)) L\(Int(b.0)),\(Int(b.1))"
            : "M\(Int(a.0)),\(Int(a.1)) L\(Int(a.0)),\(Int(midY)) L\(Int(b.0)),\(Int(midY)) L\(Int(b.0)),\(Int(b.1))"
        var out = "<path d=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(width)\" marker-end=\"url(#\(taken ? "t" : "f"))\"/>"
        if let label {
            let x = a.0 == b.0 ? a.0 + 6 : (a.0 + b.0) / 2
            let y = a.0 == b.0 ? (a.1 + b.1) / 2 : midY - 3
            out += "<text x=\"\(Int(x))\" y=\"\(Int(y))\" font-size=\"10\" font-weight=\"bold\" fill=\"\(label == "No" ? "#a40000" : "#1b6e20")\">\(label)</text>"
        }
        if let note { out += "<text x=\"\(Int(b.0 + 6))\" y=\"\(Int(midY - 3))\" font-size=\"10\" fill=\"#1b6e20\">\(HTML.escape(note))</text>" }
        return out
    }

    /// A branch back to an earlier step (P4's 10 to 02), routed along the right edge of the lanes.
    private func loop(from a: (x: Double, y: Double), to b: (x: Double, y: Double), label: String?, count: Int, index: Int, right: Double) -> String {
        let x = right - 12 - Double(index) * 10
        let color = count > 0 ? "#1b6e20" : "#555"
        var out = "<path d=\"M\(Int(a.x + Self.nodeWidth / 2 - 4)),\(Int(a.y)) L\(Int(x)),\(Int(a.y)) L\(Int(x)),\(Int(b.y)) L\(Int(b.x + Self.nodeWidth / 2)),\(Int(b.y))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(count > 0 ? 2.6 : 1.2)\" stroke-dasharray=\"5 3\" marker-end=\"url(#\(count > 0 ? "t" : "f"))\"/>"
        let text = [label, count > 0 ? "\(count) \(count == 1 ? "vuelta" : "vueltas")" : nil].compactMap { $0 }.joined(separator: " · ")
        if !text.isEmpty {
            out += "<text x=\"\(Int(x - 4))\" y=\"\(Int((a.y + b.y) / 2))\" font-size=\"10\" font-weight=\"bold\" text-anchor=\"end\" fill=\"\(color)\">\(HTML.escape(text))</text>"
        }
        return out
    }

    static func shorten(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n - 1)) + "…" }

    static func wrap(_ text: String, width: Int, lines: Int) -> [String] {
        var out: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if line.count + word.count + 1 > width, !line.isEmpty {
                out.append(line)
                line = ""
                if out.count == lines { break }
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if out.count < lines, !line.isEmpty { out.append(line) }
        if out.count == lines, text.count > out.joined(separator: " ").count, let last = out.popLast() { out.append(shorten(last, width - 1) + (last.hasSuffix("…") ? "" : "…")) }
        return out
    }
}

extension Flowchart.Marks {
    /// What a case's history says: steps done, where it is, the transitions taken in order.
    init(status: CaseStatus) {
        var marks = Flowchart.Marks()
        marks.done = Set(status.history.compactMap(\.step))
        for next in status.next { marks.current[next.step, default: []].append(next.perDependency ? "nueva dependencia" : "") }
        for dep in status.dependencies ?? [] {
            for next in dep.next { marks.current[next.step, default: []].append(dep.code) }
        }
        // Transitions in order, the case's own steps and each dependency's apart.
        var sequences: [String: [HistoryEntry]] = [:]
        for entry in status.history { sequences[entry.dependency ?? "", default: []].append(entry) }
        for (_, entries) in sequences {
            for (a, b) in zip(entries, entries.dropFirst()) {
                guard let from = a.step, let to = b.step else { continue }
                marks.taken[Flowchart.Edge(from: from, to: to), default: 0] += 1
            }
        }
        if status.state == .returned, let last = status.history.last?.step {
            marks.taken[Flowchart.Edge(from: last, to: "SALE")] = 1
        }
        self = marks
    }
}
