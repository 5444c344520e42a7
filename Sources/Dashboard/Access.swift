import Casebook
import HTTPTypes
import Hummingbird

/// Who may read: on loopback, whoever uses this machine; beyond it, only a persona of `roles.yaml`
/// named in the header set by the institution's reverse proxy, and only on requests that come
/// from the proxy's own address.
enum Access {
    static func viewer(_ request: Request, _ context: DashboardContext, snapshot: Snapshot,
                       configuration: DashboardConfiguration) throws -> Viewer {
        guard let header = configuration.userHeader, let name = HTTPField.Name(header) else { return .local }
        guard let peer = context.remoteAddress, configuration.trustedProxies.contains(peer) else {
            throw Refusal(status: .forbidden, title: "Acceso solo por el proxy de la institución",
                          message: "Esta solicitud no llegó por el proxy autorizado (\(context.remoteAddress ?? "dirección desconocida")): el tablero no acepta la identidad que no pone el proxy.")
        }
        guard let who = request.headers[name]?.trimmingCharacters(in: .whitespaces), !who.isEmpty else {
            throw Refusal(status: .unauthorized, title: "Falta la identidad",
                          message: "El proxy no indicó quién consulta (cabecera \(header)). Inicie sesión en el portal de la institución.")
        }
        guard let persona = snapshot.roster.find(who) else {
            throw Refusal(status: .forbidden, title: "Sin acceso",
                          message: "\(who) no está en roles.yaml: solo el personal registrado consulta el tablero. Pida al jefe que lo registre.")
        }
        return .persona(persona)
    }
}
