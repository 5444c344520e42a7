import ArgumentParser
import Casebook
import Foundation
import GitStore

extension Folio {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Crea un repositorio de expedientes con su primer commit.",
            discussion: """
                Ejemplo:
                  folio init expedientes --jefe "María Rodríguez <mrodriguez@igss.gob.gt>"
                """)

        @Argument(help: ArgumentHelp("Carpeta nueva (o vacía) del repositorio.", valueName: "carpeta"))
        var directory: String

        @Option(help: ArgumentHelp("El Jefe de Departamento: \"Nombre Apellido <correo>\".", valueName: "nombre <correo>"))
        var jefe: String

        func run() throws {
            try Folio.perform {
                let schemas = SchemaLibrary.canonicalDirectory(executable: CommandLine.arguments[0])
                guard let schemas else {
                    throw CasebookError.invalidFile(file: "schemas/", reason: "no se encuentran las definiciones de los procedimientos",
                                                    fix: "Indique la carpeta schemas/ de folio con FOLIO_SCHEMAS=RUTA.")
                }
                let folder = GitPath.isAbsolute(directory) ? directory : RepositoryOptions.leadingDirectory.map { $0 + "/" + directory } ?? directory
                let book = try Casebook.create(at: folder, jefe: jefe, schemas: schemas, clock: Folio.clock())
                let jefe = try book.currentRoster().personas[0]
                print("Repositorio de expedientes creado en \(book.root).")
                print("Jefe de Departamento: \(jefe.name) (\(jefe.id)). Agregue al personal con 'folio roles add'.")
            }
        }
    }
}
