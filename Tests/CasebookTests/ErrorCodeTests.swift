@testable import Casebook
import Foundation
@testable import GitStore
import Procedures
import Testing

@Suite("Errors with codes and causes")
struct ErrorCodeTests {
    /// One refusal of every kind (`hinted` and `several` carry others' codes and are checked apart).
    static var samples: [CasebookError] {
        let norm = Norm(number: "2", text: "Se remite en cinco días hábiles.", deadlines: [])
        let failure = RequirementFailure(file: "dictamen.md", problem: "falta el campo 'conclusion'", fix: "Escríbalo en el encabezado")
        let timing = StepTiming(kind: .late, days: 3, due: Day(iso: "2026-12-05"), opens: nil, norm: norm)
        let git = GitError(function: "git_remote_fetch", code: -1, message: "failed to resolve address for servidor: Name or service not known")
        return [
            .notARepository("/tmp/x"), .bareRepository("/srv/x.git"), .readOnly("/srv/x.git"), .operationInProgress("rebase"),
            .detachedHead, .emptyRepository, .notACaseRepository("/tmp/x"), .directoryNotEmpty("/tmp/x"),
            .invalidFile(file: "roles.yaml", reason: "falta 'personas'", fix: "Un jefe corrige roles.yaml."),
            .invalidYAML(file: "folio.yaml", reason: "línea 3 mal sangrada", fix: "Corrija la sangría.", parser: "mapping values"),
            .unknownProcedure("X"), .unknownPersona("zz", known: ["alopez"]), .noPersona,
            .roleNotHeld(persona: "alopez", step: "06", roles: [.jefe], holders: ["mrodriguez"]),
            .notJefe(persona: "alopez", action: "cambiar roles"), .wrongDependency(persona: "hge", registered: "HGE", given: "HRO"),
            .contactWithoutCode(persona: "hge"),
            .monthNotEnded(caseID: "PROD-2026-11", step: "06", month: "2026-11", from: "2026-12-01"),
            .roundIncomplete(caseID: "PROD-2026-11", step: "06", noun: "dependencias", missing: ["HRO"], firstCode: "HRO", jefes: ["mrodriguez"]),
            .invalidID("../x"), .invalidDependency("a/b"), .caseExists("PI-2026-0001", path: "cases/2026/PI-2026-0001"),
            .unknownCase("PI-2026-0009"), .ambiguousStep("PROD-2026-11", options: ["01 para HGE", "01 para HRO"]),
            .dirtyOutside(paths: ["roles.yaml"], scope: "cases/2026/PI-2026-0001"), .conflicted(["roles.yaml"]),
            .invalidCase([CaseProblem(file: "cases/2026/PI-2026-0001/expediente.md", message: "falta 'titulo'")]),
            .requirementNotMet(step: "03", casePath: "cases/2026/PI-2026-0001", failures: [failure], norm: norm),
            .requirementsNotMet(step: "03", casePath: "cases/2026/PI-2026-0001", results: [(norm: norm, failures: [failure])]),
            .outOfWindow(step: "04", timing: timing), .registerEntry("El criterio 'x' ya está adoptado: nada que registrar; revise 'folio criterios'."),
            .missingDocument(file: "cases/2026/PI-2026-0001/expediente.md"),
            .frontMatterMismatch(file: "expediente.md", key: "id", expected: "PI-2026-0001", found: "PI-2026-0002"),
            .attachmentMissing("plano.pdf"), .invalidSet("Clave=x"), .monthRequired(3), .monthNotAllowed(4), .invalidMonth("2026-13"),
            .nothingToRecord("cases/2026/PI-2026-0001"), .personaExists("alopez"), .signatureFailed(reason: "clave cifrada"),
            .signingKeyMissing(persona: "alopez", configured: nil), .signatureRequired(persona: "alopez"), .invalidKey("ssh-rsa"),
            .concurrentUpdate, .dateBeforeParent(date: "2026-11-01", parent: "2026-11-02", commit: "abc1234"),
            .remoteInvalid(findings: ["abc1234: firma no válida"]), .indexLocked, .shallowClone("/tmp/x"), .busy(owner: "proceso 1"),
            .noProductionData("PI-2026-0001"), .missingProductionFile(file: "produccion/HGE.csv", dependency: "HGE"),
            .noRemote("origin"), .noRemoteBranch(remote: "origin", branch: "main"), .unrelatedHistories(remote: "origin"),
            .remoteFailed(remote: "origin", action: "traer", cause: git), .pushRejected(reason: "pre-receive", messages: "folio: ✗ ..."),
            .syncConflict(findings: ["PI-2026-0001 paso 03"], backup: "refs/folio/respaldo"),
            .checkoutBlocked(cause: GitError(function: "git_checkout_tree", code: -13, message: "1 conflict prevents checkout")),
            .procedure(.decisionRequired(step: "04", question: "¿Procede?")), .git("no se pudo leer el objeto"),
            .invalidValue(option: "--today", reason: "'2026-13-01' no es una fecha", fix: "Use AAAA-MM-DD."),
            .missingProgram(name: "ssh-keygen", package: "openssh-client"),
            .fileSystem(path: "cases/2026/PI-2026-0001/expediente.md", action: "escribir", reason: "no queda espacio en el disco"),
            .caseNotCounted("PI-2026-0001", path: "cases/2026/PI-2026-0001"),
            .caseFolderGone("PI-2026-0001", folder: "cases/2026/PI-2026-0001", fix: "restáurela donde estaba con 'git checkout abc1234 -- cases/2026/PI-2026-0001'"),
            .foreignOwner("/srv/expedientes", owner: "git"),
            .caseFileGone("PI-2026-0001", file: "cases/2026/PI-2026-0001/expediente.md", fix: "restáurelo donde estaba con 'git checkout abc1234 -- cases/2026/PI-2026-0001/expediente.md'"),
            .folioFolderNotOwn("/srv/expedientes/.git/folio", found: "un enlace simbólico a /tmp/otra"),
            .hiddenFromGit([HiddenEntry(path: "cases/2026/PI-2026-0001/expediente.md", kind: .skipWorktree)]),
            .foreignIndexFile("/tmp/otro-indice", own: "/srv/expedientes/.git/index"),
            .unreadableIndex("/srv/expedientes/.git/index", extension: "link"),
            .unknownDependency("HGX", known: ["HGE", "HRO"], noun: "dependencia"),
            .editorFiles(["cases/2026/PI-2026-0001/expediente.md~"]),
            .gitDirElsewhere(variable: "GIT_DIR", named: "/srv/a/.git", folder: "/tmp", folderRepository: nil),
            .gitDirMissing("/srv/nada"),
        ]
    }

    /// Words with which a Spanish message tells what to do.
    static let fixWords = ["use", "registre", "corrija", "indique", "quite", "revise", "espere", "instál", "folio ", "git ",
                           "jefe", "elija", "agregue", "vuelva", "resuélvalos", "termínelo", "cree", "complete", "edite",
                           "traiga", "trabaje", "publique", "avise", "configure", "escríbalo", "clone", "necesita", "libere", "corríj",
                           "ábralo", "agrég", "restáur", "dé la razón", "bórrelo"]

    @Test("every kind of refusal has its own stable code, and a Spanish text that names the fix")
    func table() {
        let samples = Self.samples
        let codes = samples.map(\.code)
        // A person added in another clone is brought by a sync (helper113).
        #expect(CasebookError.unknownPersona("zz", known: ["alopez"]).description.contains("'folio sync'"))
        #expect(Set(codes).count == codes.count, "repeated codes: \(Dictionary(grouping: codes, by: { $0 }).filter { $1.count > 1 }.keys)")
        #expect(codes.allSatisfy { $0.range(of: "^FOLIO-(E[0-9]{3}|P[0-9]{2})$", options: .regularExpression) != nil })
        // Every refusal of the manual's order has its own code too.
        let order: [ProcedureError] = [.invalidDefinition(file: "f", reason: "r"), .unknownStep(procedure: 1, step: "99", known: ["01"]),
                                       .outOfOrder(procedure: 1, step: "03", dependency: nil, allowed: []),
                                       .caseEnded(step: "03", state: .closed), .decisionRequired(step: "04", question: "¿?"),
                                       .decisionNotAllowed(step: "03"), .dependencyRequired(step: "01"), .dependencyNotAllowed(step: "06"),
                                       .dependenciesPending(step: "06", pending: [], firstStep: "01")]
        #expect(Set(order.map(\.code)).count == order.count)
        #expect(CasebookError.procedure(.caseEnded(step: "03", state: .closed)).code == "FOLIO-P04")
        for error in samples {
            let text = error.description.lowercased()
            #expect(!text.isEmpty && !text.contains("error:") && Self.fixWords.contains { text.contains($0) },
                    "\(error.code): «\(error.description)» names no fix")
        }
        // The codes of a refusal with advice, or of several, are those of the refusals they carry.
        #expect(CasebookError.hinted(.noPersona, "Pida a un jefe que lo registre.").code == CasebookError.noPersona.code)
        #expect(CasebookError.several([.detachedHead, .noPersona]).code == CasebookError.detachedHead.code)
        // Codes are stable: a few pinned, so that renumbering breaks this test.
        #expect(CasebookError.notARepository("x").code == "FOLIO-E001")
        #expect(CasebookError.readOnly("x").code == "FOLIO-E003")
        #expect(CasebookError.fileSystem(path: "", action: "", reason: "").code == "FOLIO-E066")
        #expect(CasebookError.caseFolderGone("x", folder: "y", fix: "z").code == "FOLIO-E068")
        #expect(CasebookError.foreignOwner("x", owner: "y").code == "FOLIO-E069")
        #expect(CasebookError.caseFileGone("x", file: "y", fix: "z").code == "FOLIO-E070")
        #expect(CasebookError.folioFolderNotOwn("x", found: "y").code == "FOLIO-E071")
        #expect(CasebookError.hiddenFromGit([]).code == "FOLIO-E072")
        #expect(CasebookError.foreignIndexFile("x", own: "y").code == "FOLIO-E073")
        #expect(CasebookError.unreadableIndex("x", extension: "sdir").code == "FOLIO-E074")
        #expect(CasebookError.unknownDependency("X", known: [], noun: "dependencia").code == "FOLIO-E075")
        #expect(CasebookError.editorFiles([]).code == "FOLIO-E076")
    }

    @Test("each index libgit2 cannot read has its own fix: a split one, a sparse one, another extension")
    func unreadableIndexTexts() {
        #expect(CasebookError.unreadableIndex("i", extension: "link").description.contains("git update-index --no-split-index"))
        #expect(CasebookError.unreadableIndex("i", extension: "sdir").description.contains("git sparse-checkout disable"))
        let other = CasebookError.unreadableIndex("i", extension: "zzzz").description
        #expect(other.contains("'zzzz'") && other.contains("--no-split-index") && other.contains("git sparse-checkout disable") && !other.contains("reapply"))
    }

    @Test("an unknown dependency code names the known ones, or, among many, the nearest")
    func unknownDependencyTexts() {
        let many = (1...30).map { String(format: "D%02d", $0) } + ["HGE", "HGA", "HRO"]
        let unknown = CasebookError.unknownDependency("HGX", known: many, noun: "dependencia").description
        #expect(unknown.contains("las más parecidas son HGA, HGE, HRO") && unknown.contains("de 33") && !unknown.contains("D30"), "\(unknown)")
        let unit = CasebookError.unknownDependency("XYZ", known: [], noun: "unidad ejecutora").description
        #expect(unit.contains("no hay ninguna registrada") && unit.contains("--role unidad-ejecutora --dependency XYZ"), "\(unit)")
        #expect(unit.contains("folio roles add ID --name \"NOMBRE\" --email CORREO --role unidad-ejecutora"), "\(unit)")
        // Where the round starts with the contact's own step (P3, P5), listing the code is no way in.
        let contact = CasebookError.unknownDependency("HSM", known: ["HGE"], noun: "dependencia", caseID: "PROD-2026-11", contactOnly: true).description
        #expect(contact.contains("registra su enlace") && contact.contains("no basta") && !contact.contains("folio note"), "\(contact)")
        // Two letters swapped are one slip: HEG's nearest is HGE (one), before HGA (two; staff33).
        let swapped = CasebookError.unknownDependency("HEG", known: many, noun: "dependencia").description
        #expect(swapped.contains("las más parecidas son HGE,"), "\(swapped)")
        #expect(CasebookError.nearest("", in: ["A", "BB"]) == ["A", "BB"] && CasebookError.nearest("AB", in: ["BA", "AC", "ABC"]) == ["ABC", "AC", "BA"])
    }

    @Test("a missing program is not an invalid file; a file-system failure names its path and why, never 'Error de git'")
    func meanings() {
        let missing = CasebookError.missingProgram(name: "ssh-keygen", package: "openssh-client")
        #expect(missing.description.contains("ssh-keygen: no está instalado") && missing.description.contains("apt-get install openssh-client"))
        let disk = CasebookError.fileSystem(path: "cases/2026/X/a.md", action: "escribir", reason: "no queda espacio en el disco")
        #expect(disk.description.hasPrefix("No se pudo escribir cases/2026/X/a.md: no queda espacio en el disco."))
        #expect(!disk.description.contains("git"))
    }

    @Test("libgit2's failure at sync is kept as the cause, not flattened into a string; its text is still said in Spanish")
    func cause() throws {
        let git = GitError(function: "git_remote_fetch", code: -1, message: "failed to resolve address for servidor")
        let error = CasebookError.remoteFailed(remote: "origin", action: "traer", cause: git)
        let kept = try #require(error.cause as? GitError)
        #expect(kept.function == "git_remote_fetch" && kept.message == git.message)
        #expect(error.description.contains("no se encuentra el servidor del remoto") && error.description.contains("detalle: git_remote_fetch"))
    }

    @Test("a domain refusal speaks of the rule; the command line's option comes from its hint")
    func hints() {
        let decision = CasebookError.procedure(.decisionRequired(step: "04", question: "¿Procede?"))
        #expect(decision.hint == .giveDecision)
        #expect(!decision.domainText.contains("--") && decision.domainText.contains("sí o no"))
        #expect(decision.description.contains("--decision si o --decision no"))
        #expect(CasebookError.noPersona.hint == .givePersona && !CasebookError.noPersona.domainText.contains("--as"))
        #expect(CasebookError.noPersona.description.contains("--as PERSONA"))
        #expect(CasebookError.ambiguousStep("X", options: ["01"]).description.hasSuffix(CommandHint.giveStep.commandLine))
        for hint in CommandHint.allCases { #expect(hint.commandLine.contains("--") || hint.commandLine.contains("PASO")) }
        #expect(CasebookError.detachedHead.hint == nil && CasebookError.detachedHead.domainText == CasebookError.detachedHead.description)
    }
}
