import ArgumentParser
import Casebook
import Foundation
import Procedures

extension Folio {
    struct Procedures: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "procedures",
            abstract: "Los procedimientos vigentes: pasos, roles, decisiones y ramas.",
            discussion: """
                Ejemplos:
                  folio procedures
                  folio procedures 4 --json
                  folio procedures --normas            # cada norma del manual, inciso por inciso, y cómo la aplica folio
                  folio procedures --interpretaciones  # el registro de interpretaciones y criterios (Artículo 3)
                """)
        @OptionGroup var repository: RepositoryOptions
        @Argument(help: ArgumentHelp("Procedimiento: número o código (sin él, todos).", valueName: "procedimiento")) var procedure: String?
        @Flag(help: "Salida JSON.") var json = false
        @Flag(help: "La tabla de normas del manual, inciso por inciso, con cómo las aplica folio (Markdown).") var normas = false
        @Flag(help: "El registro del departamento: interpretaciones y criterios, con quién los resolvió o adoptó.")
        var interpretaciones = false

        func run() throws {
            try Folio.perform {
                var all = try definitions()
                if let procedure {
                    all = all.filter { String($0.number) == procedure || $0.code.caseInsensitiveCompare(procedure) == .orderedSame }
                    if all.isEmpty { throw CasebookError.unknownProcedure(procedure) }
                }
                if normas { return print(NormTable.markdown(all), terminator: "") }
                if interpretaciones {
                    return print(RegisterText.markdown(try repository.openReader().registerItems()))
                }
                if json { return try printJSON(all.map(ProcedureJSON.init)) }
                print(all.map(ProcedureText.render).joined(separator: "\n\n"))
            }
        }

        /// In a case repository, the definitions in force at HEAD; elsewhere, folio's own. On a
        /// branch that begins at another root, or before the root is known, nothing is in force (helper110: its schemas were shown).
        private func definitions() throws -> [ProcedureDefinition] {
            do {
                let defs = try repository.openReader().proceduresInForce()
                if !defs.isEmpty { return defs }
            } catch let error as CasebookError where error.isRootRefusal {
                throw error
            } catch {
            }
            guard let dir = SchemaLibrary.canonicalDirectory(executable: CommandLine.arguments[0]) else {
                throw CasebookError.notARepository(repository.folder)
            }
            return try SchemaLibrary.load(directory: dir)
        }
    }
}
