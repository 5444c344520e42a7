import Foundation
import GitStore

/// libgit2's failures said in Spanish: what happened, on which file, and what to do. libgit2's own
/// (English) text is kept only as a trailing `detalle`, for whoever has to look deeper.
public enum GitErrorText {
    /// libgit2 message fragments (lowercase) and what they mean.
    static let catalogue: [(String, String)] = [
        ("quedó registrado, pero el índice", "el commit quedó registrado, pero git no dejó poner al día su índice"),
        ("no están en el orden en que git", "el índice de git (.git/index) está dañado: sus entradas no están en orden"),
        ("failed to resolve address", "no se encuentra el servidor del remoto (revise la red y la dirección con 'git remote -v')"),
        ("could not resolve host", "no se encuentra el servidor del remoto (revise la red y la dirección con 'git remote -v')"),
        ("failed to connect", "no se pudo conectar con el servidor del remoto; revise la red"),
        ("connection refused", "el servidor del remoto rechazó la conexión; revise la red"),
        ("timed out", "el servidor del remoto no respondió a tiempo; vuelva a intentarlo"),
        ("authentication", "el remoto pide credenciales; configure su clave SSH o su acceso y vuelva a intentarlo"),
        ("certificate", "el certificado del servidor del remoto no es válido"),
        ("unsupported url protocol", "la dirección del remoto no es una carpeta que exista ni usa un protocolo admitido (ssh, https); revísela con 'git remote -v'"),
        ("could not find repository", "el remoto no existe o no es un repositorio git; revise su dirección con 'git remote -v'"),
        ("not a git repository", "el remoto no es un repositorio git; revise su dirección con 'git remote -v'"),
        ("failed to lock", "otro proceso de git tiene bloqueado el archivo; espere a que termine o, si no hay otro git abierto, borre el archivo .lock"),
        ("conflict", "hay archivos modificados en la carpeta que el cambio sobrescribiría; regístrelos o descártelos primero"),
        ("permission denied", "no hay permiso para leer o escribir en el repositorio; revise los permisos de la carpeta"),
        ("no space left", "el disco está lleno; libere espacio y vuelva a intentarlo"),
        ("read-only file system", "el repositorio está en un disco de solo lectura"),
        ("object not found", "falta un objeto de git: el repositorio puede estar incompleto o dañado; 'git fsck' lo revisa"),
        ("corrupt", "el repositorio parece dañado; 'git fsck' lo revisa"),
        ("reference", "una referencia de git (rama o etiqueta) no es la esperada; revise 'git status'"),
        ("invalid path", "git no admite esa ruta en el expediente: es una carpeta con un repositorio git propio (una carpeta .git dentro) o un nombre que git no acepta; quite esa carpeta .git (o saque la carpeta del expediente) y registre de nuevo"),
    ]

    /// The Spanish explanation of `error` (no detail).
    public static func reason(_ error: GitError) -> String {
        let lower = error.message.lowercased()
        var text = catalogue.first { lower.contains($0.0) }?.1
        if text == nil {
            if error.isLocked { text = catalogue.first { $0.0 == "failed to lock" }?.1 }
        }
        var said = text ?? "git no pudo completar la operación"
        if let file = quotedPath(in: error.message) { said += " (archivo: \(file))" }
        return said
    }

    /// The explanation with libgit2's words kept as a `detalle`.
    public static func describe(_ error: GitError) -> String {
        "\(reason(error)). detalle: \(error.function): \(error.message)"
    }

    /// Any error as the Spanish line a person reads.
    public static func message(for error: Error) -> String {
        if let git = error as? GitError { return "Error de git: " + describe(git) }
        return "\(error)"
    }

    /// The first '...' quoted text that looks like a path.
    static func quotedPath(in message: String) -> String? {
        let parts = message.components(separatedBy: "'")
        guard parts.count >= 3 else { return nil }
        return stride(from: 1, to: parts.count - 1, by: 2).map { parts[$0] }.first { $0.contains("/") }
    }
}
