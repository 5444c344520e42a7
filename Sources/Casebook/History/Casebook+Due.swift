import Foundation
import GitStore
import Procedures

extension Casebook {
    /// Everything pending in the open expedientes, soonest due first (items without a deadline
    /// last), counted against the clock's today.
    ///
    /// A step that starts a dependency's part and belongs to an external actor (P3-01, P5-01)
    /// becomes one item per registered contact code that has not started, so each contact sees
    /// their own; other steps are one item each.
    ///
    /// Through a case index of its own (each case's items, keyed by the day like the others): after
    /// new commits only the cases they touch are derived again. The cases found damaged are in
    /// `damagedCases`.
    public func pending() throws -> [DueItem] {
        guard let head = try repository.headCommit() else { return [] }
        let roster = readableRoster(at: head)
        let today = clock.day(clock.now)
        var items: [DueItem] = []
        var damaged: [CaseStatus] = []
        try statusOfAll(form: "pendiente", encode: { status in
            let entry = PendingEntry(items: Self.pendingItems(of: status, roster: roster, today: today),
                                     damaged: status.damage == nil ? nil : status)
            return entry.items.isEmpty && entry.damaged == nil ? Data() : try JSONEncoder().encode(entry)
        }) { data in
            let entry = try JSONDecoder().decode(PendingEntry.self, from: data)
            items += entry.items
            if let status = entry.damaged { damaged.append(status) }
        }
        damagedCases = damaged
        return Self.soonestFirst(items)
    }

    /// What the case index of pending work keeps of a case: its items, and its status when damaged.
    struct PendingEntry: Codable {
        var items: [DueItem]
        var damaged: CaseStatus?
    }

    /// What `pending()` lists, from statuses already derived (the dashboard keeps them per HEAD).
    public func pending(in statuses: [CaseStatus]) throws -> [DueItem] {
        guard let head = try repository.headCommit() else { return [] }
        let roster = readableRoster(at: head)
        let today = clock.day(clock.now)
        return Self.soonestFirst(statuses.flatMap { Self.pendingItems(of: $0, roster: roster, today: today) })
    }

    /// The pending items of one case, in the order of its next steps.
    static func pendingItems(of status: CaseStatus, roster: Roster, today: Day) -> [DueItem] {
        guard status.state == .open || status.state == .waiting else { return [] }
        var items: [DueItem] = []
        let started = Set((status.dependencies ?? []).map(\.code))
        // A round's start is pending for the dependencies it expects, not for one the jefe left out
        // of dependencias_esperadas or excused (staff21: HGA stayed 'VENCIDO' in due and inbox).
        let expected = status.expected.map(Set.init), excused = Set((status.excused ?? []).map(\.code))
        // Figures sent back at 04 "no": their contact's correction comes first (step 05 waits for it).
        let returned = Set((status.dependencies ?? []).filter { $0.returned == true }.map(\.code))
        for next in status.next + (status.dependencies ?? []).flatMap(\.next) {
            func item(dependency: String?, holders: [String]) -> DueItem {
                DueItem(id: status.id, title: status.title, procedure: status.procedure, step: next.step,
                        activity: next.activity, role: next.role, roles: next.roles, holders: holders,
                        dependency: dependency, due: next.due, opens: next.opens, overdue: next.overdue,
                        daysLeft: next.due.flatMap(Day.init(iso:)).map { today.days(to: $0) },
                        normNumber: next.normNumber, norm: next.norm, criterion: next.criterion, assigned: next.assigned)
            }
            let roles = next.roles.compactMap(Role.init(rawValue:))
            if next.perDependency, next.dependency == nil, roles.allSatisfy(\.isExternal) {
                let contacts = roster.personas.filter { p in roles.contains(where: p.holds) && p.dependency != nil }
                let codes = Array(Set(contacts.compactMap { $0.dependency?.uppercased() })).sorted()
                    .filter { !started.contains($0) && !excused.contains($0) && expected?.contains($0) != false }
                if !contacts.isEmpty {
                    items += codes.map { code in
                        item(dependency: code, holders: contacts.filter { $0.dependency?.uppercased() == code }.map(\.id))
                    }
                    continue
                }
            }
            if let code = next.dependency, returned.contains(code) {
                let contacts = roster.personas.filter { $0.isContact(of: code) }
                var correction = item(dependency: code, holders: contacts.map(\.id))
                correction.step = "nota"
                correction.activity = "Corregir las cifras devueltas en el paso 04: 'folio note \(status.id) -m \"Corrige cifras\"' "
                    + "(después sigue el paso \(next.step))"
                correction.role = contacts.first?.roles.first(where: \.isExternal)?.rawValue ?? Role.dependencia.rawValue
                correction.roles = [correction.role]
                correction.assigned = nil
                items.append(correction)
                continue
            }
            // Work assigned to a person (`--assign`) is in their inbox only.
            items.append(item(dependency: next.dependency, holders: next.assigned.map { [$0] } ?? next.holders))
        }
        return items
    }

    /// Soonest due first, items without a deadline last.
    static func soonestFirst(_ items: [DueItem]) -> [DueItem] {
        items.sorted { a, b in
            switch (a.due, b.due) {
            case let (x?, y?) where x != y: return x < y
            case (nil, _?): return false
            case (_?, nil): return true
            default: return (a.id, a.step, a.dependency ?? "") < (b.id, b.step, b.dependency ?? "")
            }
        }
    }

    /// The persona named by `key` (or git's `user.email`), for commands that filter by person.
    public func findPersona(_ key: String?) throws -> Persona {
        try persona(key, in: try roster(at: try head()))
    }
}
