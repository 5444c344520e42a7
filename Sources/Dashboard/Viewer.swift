import Casebook
import Procedures

/// Who is reading a page: anyone on this machine (the dashboard bound to loopback), or a persona of
/// `roles.yaml` named by the institution's reverse proxy.
enum Viewer: Sendable {
    case local
    case persona(Persona)

    /// A dependency's or executing unit's contact who holds no staff role: sees only the cases and
    /// files of their code.
    var restrictedCode: String? {
        guard case .persona(let p) = self, p.roles.allSatisfy(\.isExternal) else { return nil }
        return (p.dependency ?? "").uppercased()
    }

    /// Whether the viewer may see a case at all.
    func maySee(_ status: CaseStatus) -> Bool {
        guard let code = restrictedCode else { return true }
        guard !code.isEmpty else { return false }
        if status.dependencies?.contains(where: { $0.code == code }) == true { return true }
        // A month or POA round the contact has not started yet still waits on them.
        return status.dependencies != nil && status.next.contains { $0.perDependency } && status.state != .closed
    }

    /// Whether the viewer may see a file of a case (path inside the case folder).
    func maySee(file path: String) -> Bool {
        guard let code = restrictedCode else { return true }
        let parts = path.split(separator: "/").map(String.init)
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
