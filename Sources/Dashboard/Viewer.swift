import Casebook
import GitStore
import Procedures

/// Who is reading a page: anyone on this machine (the dashboard bound to loopback), or a persona of
/// `roles.yaml` named by the institution's reverse proxy.
enum Viewer: Sendable {
    case local
    case persona(Persona)

    /// Who, for the page cache: pages differ by viewer.
    var key: String {
        switch self {
        case .local: return "-"
        case .persona(let p): return p.id
        }
    }

    /// A dependency's or executing unit's contact who holds no staff role: sees only the cases and
    /// files of their code.
    var restrictedCode: String? {
        guard case .persona(let p) = self, p.roles.allSatisfy(\.isExternal) else { return nil }
        return (p.dependency ?? "").uppercased()
    }

    /// Whether the viewer may see a case at all.
    func maySee(_ status: CaseStatus) -> Bool {
        guard let code = restrictedCode, case .persona(let p) = self else { return true }
        guard !code.isEmpty else { return false }
        if status.dependencies?.contains(where: { $0.code == code }) == true { return true }
        // A month or POA round the contact has not started yet still waits on them, if their role
        // is the one that starts it (a dependency's contact for P3, an executing unit's for P5).
        return status.dependencies != nil && status.state != .closed
            && status.next.contains { $0.perDependency && $0.roles.contains { r in p.roles.map(\.rawValue).contains(r) } }
    }

    /// The case as this viewer may see it: a contact sees only their own thread, their own steps
    /// and themselves among the holders of a part not started yet; others see it whole.
    func redact(_ status: CaseStatus) -> CaseStatus {
        guard let code = restrictedCode, case .persona(let p) = self else { return status }
        var copy = status
        copy.dependencies = status.dependencies?.filter { $0.code == code }
        copy.history = status.history.filter { $0.dependency?.uppercased() == code }
        copy.next = status.next.map { next in
            var n = next
            if n.perDependency { n.holders = n.holders.filter { $0 == p.id } }
            return n
        }
        return copy
    }

    /// The snapshot's cases this viewer may see, as they may see them.
    func cases(_ s: Snapshot) -> [CaseStatus] {
        s.statuses.filter(maySee).map(redact)
    }

    /// Whether the viewer may see a file of a case (path inside the case folder).
    func maySee(file path: String) -> Bool {
        guard let code = restrictedCode else { return true }
        let parts = GitPath.components(path)
        guard parts.count >= 2 else { return false }
        let name = parts.last!.uppercased()
        switch parts[0] {
        case "produccion", "avance": return name == "\(code).CSV" || name == "\(code)-REVISION.MD"
        case "dependencias": return parts[1].uppercased() == code
        default: return false
        }
    }

    /// Whether the viewer may see one step or movement (its dependency, when restricted).
    func maySee(dependency: String?) -> Bool {
        guard let code = restrictedCode else { return true }
        return dependency?.uppercased() == code
    }
}
