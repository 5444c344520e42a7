import ArgumentParser
import Casebook
import Procedures
import Foundation
import GitStore

extension Folio {
    struct ArchiveDocuments: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "archive",
            abstract: "Archiva los documentos del POA de una dependencia y registra el paso 12 del procedimiento 2.",
            discussion: "Ejemplo: folio archive POA-2026-0001 --dependency HGE poa-2027.pdf anexos.xlsx --as alopez")
        @OptionGroup var repository: RepositoryOptions
        @Argument(help: ArgumentHelp("ID del expediente.", valueName: "expediente")) var id: String
        @Argument(help: ArgumentHelp("Los archivos a archivar.", valueName: "archivo")) var files: [String]
        @Option(help: ArgumentHelp("Código de la dependencia.", valueName: "código")) var dependency: String
        @Option(help: ArgumentHelp("Título de los documentos (por omisión, el nombre del archivo).", valueName: "título")) var title: String?
        @Option(name: .customLong("as"), help: ArgumentHelp("Quien archiva: id o correo de roles.yaml.", valueName: "persona")) var persona: String?
        @Option(name: .customShort("m"), parsing: .unconditional, help: ArgumentHelp("Texto del commit.", valueName: "texto"), transform: Folio.recordText) var message: String?

        func run() throws {
            try Folio.perform {
                let recorded = try repository.open().recordStep(StepRequest(
                    caseID: id, step: "12", persona: persona, dependency: dependency, text: message,
                    archive: ArchiveRequest(files: files.map(Folio.absolute), title: title)))
                print(recorded.subject)
                print("Registrado en el commit \(recorded.commit.short); índice: \(recorded.path)/indice.md")
                for notice in recorded.notices { print(notice) }
            }
        }
    }

    struct Attach: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "attach",
            abstract: "Incorpora documentos al índice de un expediente (con folio y SHA-256), sin avanzar el procedimiento.",
            discussion: "Ejemplos: folio attach PI-2026-0001 dictamen.pdf --as rgarcia; folio attach PI-2026-0001 dictamen.pdf --replaces 3 --as rgarcia")
        @OptionGroup var repository: RepositoryOptions
        @Argument(help: ArgumentHelp("ID del expediente.", valueName: "expediente")) var id: String
        @Argument(help: ArgumentHelp("Los archivos.", valueName: "archivo")) var files: [String]
        @Option(help: ArgumentHelp("Código de la dependencia (los guarda en dependencias/CODIGO/).", valueName: "código")) var dependency: String?
        @Option(help: ArgumentHelp("Título de los documentos.", valueName: "título")) var title: String?
        @Option(help: ArgumentHelp("Folio que este documento reemplaza (una versión nueva).", valueName: "folio")) var replaces: Int?
        @Option(name: .customLong("as"), help: ArgumentHelp("Quien los incorpora: id o correo de roles.yaml.", valueName: "persona")) var persona: String?
        @Option(name: .customShort("m"), parsing: .unconditional, help: ArgumentHelp("Texto del commit.", valueName: "texto"), transform: Folio.recordText) var message: String?

        func run() throws {
            try Folio.perform {
                // Without -m, the log and the routing slip say which documents, as stored (Casebook.attachmentText).
                let recorded = try repository.open().recordNote(
                    caseID: id, persona: persona, text: message,
                    archive: ArchiveRequest(files: files.map(Folio.absolute), title: title, replaces: replaces), dependency: dependency)
                print(recorded.subject)
                print("Registrado en el commit \(recorded.commit.short); índice: \(recorded.path)/indice.md")
                for notice in recorded.notices { print(notice) }
            }
        }
    }

    struct VerifyExport: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify-export",
            abstract: "Comprueba un expediente exportado (ZIP): firma, sello, manifiesto e índice.",
            discussion: """
                La firma se comprueba con claves que no vienen del ZIP: las de roles.yaml del repositorio (-C), que además \
                compara cada documento con el commit del que se exportó, o un archivo de firmantes autorizados de OpenSSH \
                (--firmantes). Sin ninguno, solo se detectan cambios accidentales.
                Ejemplos:
                  folio verify-export POA-2026-0001.zip -C ~/expedientes
                  folio verify-export POA-2026-0001.zip --firmantes planificacion.firmantes
                """)
        @Argument(help: ArgumentHelp("El archivo ZIP.", valueName: "archivo.zip")) var file: String
        @Option(name: .customShort("C"), help: ArgumentHelp("Repositorio de expedientes cuyas claves (roles.yaml) y commits son la referencia.", valueName: "carpeta"))
        var directory: String?
        @Option(help: ArgumentHelp("Archivo de firmantes autorizados (formato allowed_signers de ssh-keygen).", valueName: "archivo")) var firmantes: String?
        @Flag(help: "Salida JSON.") var json = false

        func run() throws {
            try Folio.perform {
                let report: DossierReport
                if let directory {
                    report = try Casebook.open(at: directory, clock: Folio.clock()).verifyDossier(file)
                } else if let firmantes {
                    guard FileManager.default.isReadableFile(atPath: firmantes) else {
                        throw CasebookError.invalidFile(file: firmantes, reason: "no existe o no se puede leer",
                                                        fix: "Indique el archivo de firmantes autorizados (una línea por clave: correo namespaces=\"folio-expediente\" ssh-ed25519 AAAA...).")
                    }
                    report = Dossier.verify(file, trust: .allowedSigners(file: firmantes))
                } else {
                    report = Dossier.verify(file)
                }
                if json {
                    try printJSON(report)
                } else {
                    for p in report.problems { print(SafeText.terminal("✗ \(p)")) }
                    for n in report.notes { print(SafeText.terminal(n)) }
                    print(report.ok ? "\(file): expediente \(report.caseID ?? "") íntegro (\(Spanish.count(report.files, "archivo")), manifiesto y SHA-256 coinciden)."
                        : "\(file): \(Spanish.count(report.problems.count, "problema")); no se puede confiar en que sea el expediente que folio exportó.")
                }
                if !report.ok { throw ExitCode(1) }
            }
        }
    }
}

extension Folio {
    /// A path given on the command line, made absolute against the current folder.
    static func absolute(_ path: String) -> String {
        GitPath.isAbsolute(path) ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
