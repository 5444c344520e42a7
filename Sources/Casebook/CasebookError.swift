import GitStore
import Procedures

/// A refusal or failure, with a Spanish message that names the file or rule and the fix.
public enum CasebookError: Error, CustomStringConvertible, Sendable {
    case notARepository(String)
    /// A repository that belongs to another user of the system (git's "dubious ownership").
    case foreignOwner(String, owner: String)
    /// `GIT_DIR` (or `GIT_WORK_TREE`) names one repository and the folder folio works in is inside
    /// another (or, for a command that records, in none): a reader would show the one and a writer
    /// record in the other.
    case gitDirElsewhere(variable: String, named: String, folder: String, folderRepository: String?)
    /// `GIT_DIR` names no git repository.
    case gitDirMissing(String)
    case bareRepository(String)
    /// A writing operation asked of a casebook opened only to read.
    case readOnly(String)
    case operationInProgress(String)
    case detachedHead
    case emptyRepository
    /// HEAD's branch has no commit, but a remote-tracking branch does (a clone of a shared
    /// repository whose HEAD names another branch): which one to switch to.
    case unbornBranch(branch: String?, remoteBranch: String)
    case notACaseRepository(String)
    case directoryNotEmpty(String)
    case invalidFile(file: String, reason: String, fix: String)
    /// A value given on the command line or in the environment (`--today`, `--decision`,
    /// `FOLIO_DATE`, a range) that is not what it must be: said as `option: reason. fix`.
    case invalidValue(option: String, reason: String, fix: String)
    /// A program folio needs besides libgit2 (`ssh-keygen`) is not installed.
    case missingProgram(name: String, package: String)
    /// A file or folder the system would not let folio write, create or remove: which and why.
    case fileSystem(path: String, action: String, reason: String)
    /// Something other than a real folder (a symbolic link, a file) where folio keeps its caches,
    /// its write lock and a step's scratch files (`.git/folio`, `FolioFolder`).
    case folioFolderNotOwn(String, found: String)
    /// The configuration at HEAD (`roles.yaml`, `folio.yaml`, `schemas/`: `files`) is not the one
    /// in force: `commit` changed it breaking a rule of verify, so the change grants nothing
    /// (`ConfigurationLedger`); `source` is the commit whose configuration is still in force.
    case configurationNotInForce(commits: [String], source: String, files: [String], absent: [String], reasons: [String])
    /// Files of a commit that git does not look at (assume-unchanged, skip-worktree) or
    /// submodules: the commit would take the index's copy, not what is in the folder.
    case hiddenFromGit([HiddenEntry])
    /// `GIT_INDEX_FILE` names another index than the repository's own (`own`), the only one folio
    /// reads and writes: a writer refuses while it is set.
    case foreignIndexFile(String, own: String)
    /// Files an editor leaves beside the ones it edits (`EditorLeftover`) among those a commit
    /// would record.
    case editorFiles([String])
    /// The repository's index (`path`) uses a mandatory extension libgit2 1.5 cannot read: `link`
    /// (a split index), `sdir` (a sparse index).
    case unreadableIndex(String, extension: String)
    /// A YAML file or header the parser refused: said in Spanish, the parser's own text kept in `parser`.
    case invalidYAML(file: String, reason: String, fix: String, parser: String)
    case unknownProcedure(String)
    case unknownPersona(String, known: [String])
    case noPersona
    case roleNotHeld(persona: String, step: String, roles: [Role], holders: [String])
    case notJefe(persona: String, action: String)
    case wrongDependency(persona: String, registered: String, given: String)
    case contactWithoutCode(persona: String)
    case monthNotEnded(caseID: String, step: String, month: String, from: String)
    case roundIncomplete(caseID: String, step: String, noun: String, missing: [String], firstCode: String, jefes: [String])
    case invalidID(String)
    case invalidDependency(String)
    /// A well-formed code that names no dependency the department knows for the case (`known`:
    /// roles.yaml's contacts, `dependencias_esperadas`, the case's own threads); `noun` is what the
    /// round calls them (dependencia, unidad ejecutora).
    /// `folder`: the case's `dependencias/<CODE>` a commit would add for that code (attack34).
    /// `caseID`: the case, for the command to type; `unrecorded`: the work tree's
    /// `dependencias_esperadas` lists the code, and no one recorded that change (staff34).
    /// `contactOnly`: the round's first step is the dependency's contact's own (P3-01, P5-01), so a
    /// new one needs its contact registered; listing it is not enough (staff34).
    case unknownDependency(String, known: [String], noun: String, folder: String? = nil, caseID: String? = nil, unrecorded: Bool = false,
                           contactOnly: Bool = false)
    case caseExists(String, path: String)
    case unknownCase(String)
    /// A case folder that no commit that counts opens (a forged or invalid opening, a folder added
    /// with plain git or by a merge): no case.
    case caseNotCounted(String, path: String)
    /// A case with a history whose folder is no longer at HEAD (deleted or moved outside folio).
    case caseFolderGone(String, folder: String, fix: String)
    /// A case whose `expediente.md` is no longer at HEAD (deleted outside folio).
    case caseFileGone(String, file: String, fix: String)
    case ambiguousStep(String, options: [String])
    case dirtyOutside(paths: [String], scope: String)
    case conflicted([String])
    case invalidCase([CaseProblem])
    case requirementNotMet(step: String, casePath: String, failures: [RequirementFailure], norm: Norm, templates: [String] = [])
    /// Several norms' requirements for one step, each with what it found missing.
    case requirementsNotMet(step: String, casePath: String, results: [(norm: Norm, failures: [RequirementFailure])], templates: [String] = [])
    /// A refusal with advice for this case.
    indirect case hinted(CasebookError, String)
    /// Several refusals of one command, said together.
    case several([CasebookError])
    /// A step outside its norm's window, recorded without a justification.
    case outOfWindow(step: String, timing: StepTiming)
    /// A criterion or interpretation that cannot be entered in the department's register.
    case registerEntry(String)
    case missingDocument(file: String)
    case frontMatterMismatch(file: String, key: String, expected: String, found: String)
    case attachmentMissing(String)
    case invalidSet(String)
    case monthRequired(Int)
    case monthNotAllowed(Int)
    case invalidMonth(String)
    case nothingToRecord(String)
    case personaExists(String)
    case signatureFailed(reason: String)
    case signingKeyMissing(persona: String, configured: String?)
    case signatureRequired(persona: String)
    case invalidKey(String)
    case concurrentUpdate
    case dateBeforeParent(date: String, parent: String, commit: String)
    case remoteInvalid(findings: [String])
    case indexLocked
    case shallowClone(String)
    /// HEAD's history begins at `root`, not at the root this clone pinned (`folio.raiz`, set by
    /// `folio init` or the clone's first folio command): its roles.yaml, folio.yaml and schemas/ are nobody's.
    case foreignRoot(root: String, pinned: String, branch: String?, advice: ForeignRootAdvice)
    case busy(owner: String)
    case noProductionData(String)
    case missingProductionFile(file: String, dependency: String)
    case noRemote(String)
    case noRemoteBranch(remote: String, branch: String)
    case unrelatedHistories(remote: String)
    /// The remote's branch begins at another root than the one this clone pinned (`folio.raiz`).
    case remoteForeignRoot(remote: String, url: String, branch: String, root: String, pinned: String)
    /// No root pinned yet, and HEAD and the remote-tracking branches begin at different roots (name, root).
    case rootUndecided(roots: [(name: String, root: String)])
    /// `folio sync` on a branch that is not the shared one (`rama` in folio.yaml).
    case branchNotShared(branch: String, shared: String)
    /// Fetching or pushing failed in libgit2: the error is kept as the cause.
    case remoteFailed(remote: String, action: String, cause: GitError)
    case pushRejected(reason: String, messages: String)
    /// `local`: the local commits not published (short id and subject), said so that nothing
    /// is dropped unseen.
    case syncConflict(findings: [String], backup: String, arrived: Bool = true, local: [String] = [])
    case checkoutBlocked(cause: GitError)
    case procedure(ProcedureError)
    case git(String)

    public var description: String {
        switch self {
        case .notARepository(let path):
            return "\(path) no está dentro de un repositorio de expedientes. Use 'folio init DIR --jefe \"Nombre <correo>\"' o vaya a la carpeta del repositorio."
        case .foreignOwner(let folder, let owner):
            return "\(folder) es un repositorio de otro usuario del sistema (\(owner)): git y folio no lo abren por seguridad "
                + "(\"dubious ownership\"). Trabaje en un clon suyo ('git clone \(folder)'), o, si confía en él, agréguelo como "
                + "excepción: 'git config --global --add safe.directory \(folder)'."
        case .gitDirElsewhere(let variable, let named, let folder, let folderRepository):
            let there = folderRepository.map { "está en otro repositorio, \(SafeText.visible($0)): folio mostraría uno y registraría en el otro" }
                ?? "no está en ningún repositorio: folio registra en el repositorio de la carpeta donde trabaja"
            return "\(variable) nombra \(SafeText.visible(named)), pero la carpeta donde trabaja folio (\(SafeText.visible(folder))) \(there). "
                + "Quite la variable ('unset \(variable)') o trabaje en la carpeta de ese repositorio ('folio -C CARPETA ...')."
        case .gitDirMissing(let named):
            return "GIT_DIR nombra \(SafeText.visible(named)), que no es un repositorio git. Quite la variable ('unset GIT_DIR') "
                + "o hágala nombrar la carpeta .git del repositorio de expedientes."
        case .bareRepository(let path):
            return "\(path) es un repositorio git sin árbol de trabajo (bare): folio necesita un clon con archivos. Use 'git clone \(path)' y trabaje en el clon."
        case .readOnly(let path):
            return "\(path) se abrió solo para leer (estado, historial, verificación): esta lectura no cambia el repositorio. "
                + "Registre los cambios con el comando que escribe (folio step, note, roles...) en un clon con archivos."
        case .operationInProgress(let op):
            return "El repositorio está en medio de un \(op) de git. Termínelo ('git \(op) --continue') o cancélelo ('git \(op) --abort') antes de usar folio."
        case .detachedHead:
            return "HEAD no apunta a una rama (detached HEAD). Vuelva a la rama de trabajo con 'git switch main'."
        case .emptyRepository:
            return "Este repositorio git está vacío (sin commits): no es un repositorio de expedientes de folio. Cree uno con 'folio init CARPETA --jefe \"Nombre <correo>\"' (una carpeta nueva), o clone el repositorio compartido con 'git clone'."
        case .unbornBranch(let branch, let remoteBranch):
            let local = remoteBranch.split(separator: "/", maxSplits: 1).last.map(String.init) ?? remoteBranch
            return "\(branch.map { "La rama '\(SafeText.visible($0))'" } ?? "HEAD") no tiene commits todavía, pero \(SafeText.visible(remoteBranch)) sí: "
                + "es la rama compartida que trajo el clon. Cámbiese a ella con 'git switch \(SafeText.visible(local))'. (El repositorio compartido "
                + "señala otra rama como la suya: su administrador lo corrige con 'git symbolic-ref HEAD refs/heads/\(SafeText.visible(local))'.)"
        case .notACaseRepository(let path):
            return "\(path) es un repositorio git pero no de expedientes: falta roles.yaml o folio.yaml. Créelo con 'folio init'."
        case .directoryNotEmpty(let path):
            return "\(path) ya existe y no está vacío: folio init necesita una carpeta nueva o vacía."
        case .invalidFile(let file, let reason, let fix), .invalidYAML(let file, let reason, let fix, _),
             .invalidValue(let file, let reason, let fix):
            return "\(file): \(reason). \(fix)"
        case .missingProgram(let name, let package):
            return "\(name): no está instalado, y folio lo necesita para firmar y comprobar firmas SSH. Instálelo (apt-get install \(package))."
        case .fileSystem(let path, let action, let reason):
            return "No se pudo \(action) \(path): \(reason). Revise los permisos de la carpeta y el espacio en disco, y vuelva a intentarlo."
        case .folioFolderNotOwn(let path, let found):
            return "\(path) no es una carpeta sino \(found): folio guarda ahí sus cachés, su bloqueo de escritura y los archivos"
                + " de un paso antes de ponerlos en su lugar, y no escribe a través de un enlace ni fuera de .git. Quítelo"
                + " (rm \(SafeText.shellWord(path))) y vuelva a intentarlo: folio crea de nuevo la carpeta, y lo que guardaba en ella es desechable."
        case .configurationNotInForce(let commits, let source, let files, let absent, let reasons):
            // (A history of forged changes is named by its first five.)
            let shorts = commits.prefix(5).map { String($0.prefix(7)) } + (commits.count > 5 ? ["\(commits.count - 5) más"] : [])
            // Removed, then checked out from the configuration in force where it has them: a file the
            // forged change added (anywhere in them) goes too (attack46: a checkout alone kept it, or failed).
            let present = files.filter { !absent.contains($0) }.map(SafeText.shellWord).joined(separator: " ")
            let restore = "'git rm -r -q \(files.map(SafeText.shellWord).joined(separator: " "))'"
                + (present.isEmpty ? "" : " y luego 'git checkout \(String(source.prefix(12))) -- \(present)'")
            let it = files.count == 1 ? "lo" : "los"
            let by = shorts.count == 1 ? "\(it) cambió el commit \(shorts[0]), que no" : "\(it) cambiaron los commits \(Spanish.list(shorts)), que no"
            return "\(Spanish.list(files)) en HEAD no \(files.count == 1 ? "es el vigente" : "son los vigentes"): \(by)"
                + " cumple\(shorts.count == 1 ? "" : "n") las reglas de verify ("
                + (reasons.isEmpty ? "solo un jefe cambia roles.yaml, folio.yaml y schemas/, en la rama lineal, con firma si folio.yaml la exige y con"
                    + " fecha no anterior a la de su padre; 'folio verify' dice cuál falta" : "\(shorts[0]): " + reasons.prefix(2).joined(separator: " "))
                + "), y ese cambio no da ni"
                + " quita autoridad: folio sigue juzgando con lo anterior y no registra nada mientras tanto."
                + " \(dropFix(commits.first ?? source))\(shorts.count > 1 ? " (y los demás)" : ""), o traiga lo publicado sin su trabajo local ('folio sync --drop-local'); si ya se publicó, un jefe"
                + " restaura lo vigente (\(restore)) y lo registra con un commit suyo"
                + " (firmado si folio.yaml exige firma), y repite después el cambio que quería (con 'folio roles' si es de roles.yaml)."
        case .hiddenFromGit(let entries):
            func list(_ kind: HiddenEntry.Kind) -> [String] { entries.filter { $0.kind == kind }.map(\.path) }
            func shown(_ paths: [String]) -> String { paths.map(SafeText.visible).joined(separator: ", ") }
            let marked = list(.assumeUnchanged) + list(.skipWorktree), submodules = list(.submodule)
            func words(_ paths: [String]) -> String { paths.map(SafeText.shellWord).joined(separator: " ") }
            var parts: [String] = []
            if !marked.isEmpty {
                parts.append("git tiene marcados para no mirarlos (assume-unchanged o skip-worktree) \(shown(marked)):"
                    + " el commit guardaría la copia del índice y no lo que hay en la carpeta. Quite la marca con"
                    + " 'git update-index --no-assume-unchanged --no-skip-worktree -- \(words(marked))'")
            }
            if !submodules.isEmpty {
                parts.append("el índice tiene un submódulo donde el expediente guarda archivos: \(shown(submodules))."
                    + " Quítelo con 'git rm --cached -- \(words(submodules))'")
            }
            return "No se registra: " + parts.joined(separator: "; ") + ". Después repita el comando; nada se ha registrado."
        case .foreignIndexFile(let value, let own):
            return "La variable de entorno GIT_INDEX_FILE está definida (GIT_INDEX_FILE=\(SafeText.shellWord(value))): git usa ese índice,"
                + " y folio solo el del repositorio (\(own)), así que lo preparado en aquel no entraría en el registro y aquel quedaría"
                + " desfasado. No se registra nada: quite la variable ('unset GIT_INDEX_FILE') y repita el comando."
        case .editorFiles(let paths):
            let each = paths.map { "\(SafeText.visible($0)) es \(EditorLeftover.kind(of: GitPath.name($0)) ?? "un archivo temporal del editor")" }
            return "No se registra: " + each.joined(separator: "; ") + ", un archivo temporal o de bloqueo que deja un editor"
                + " junto al que edita, no un documento del expediente. Ciérrelo en el editor o bórrelo"
                + " (desde la carpeta principal del repositorio: \(paths.map { "rm \(SafeText.shellWord($0))" }.joined(separator: "; ")))"
                + " y repita el comando; nada se ha registrado."
        case .unreadableIndex(let path, let ext):
            let split = "'git update-index --no-split-index' (y, si core.splitIndex está activado, 'git config core.splitIndex false')"
            // Only the whole work tree: a partial copy keeps folders out that folio's commands
            // read and write (attack33: 'reapply --no-sparse-index' left every writer refused).
            let sparse = "'git sparse-checkout disable' (folio trabaja con la copia de trabajo completa)"
            let (kind, fix): (String, String)
            switch ext {
            case "link": (kind, fix) = ("está dividido (split index: 'git update-index --split-index' o core.splitIndex)",
                                        "Vuelva al índice de un solo archivo con \(split)")
            case "sdir": (kind, fix) = ("es disperso (sparse index: 'git sparse-checkout --sparse-index' o index.sparse)",
                                        "Vuelva al índice completo con \(sparse)")
            default: (kind, fix) = ("usa la extensión obligatoria '\(SafeText.visible(ext))'",
                                    "Vuelva al índice completo: si está dividido, con \(split); si es disperso, con \(sparse)")
            }
            return "El índice de git de este clon (\(path)) \(kind), un formato que la libgit2 de folio no sabe leer:"
                + " no se registra nada. \(fix), y repita el comando."
        case .unknownProcedure(let text):
            return "Procedimiento '\(text)' desconocido: use un número del 1 al 7 o su código (PEI, POA, PROD, PI, AMF, MMF, COOP). 'folio procedures' los lista."
        case .unknownPersona(let who, let known):
            return "roles.yaml: no hay ninguna persona con id o correo '\(who)'. Personas registradas: \(known.joined(separator: ", ")). Un jefe la agrega con 'folio roles add'; si ya la agregó en otro clon, traiga su cambio con 'folio sync'."
        case .noPersona:
            return domainText + " " + CommandHint.givePersona.commandLine
        case .roleNotHeld(let persona, let step, let roles, let holders):
            let names = roles.map { "\($0.rawValue) (\($0.title))" }.joined(separator: " o ")
            let who = holders.isEmpty
                ? "nadie lo tiene en roles.yaml: un jefe se lo asigna a alguien con 'folio roles set PERSONA --role \(roles.first?.rawValue ?? "ROL") ... --as JEFE', con todos los roles que ya tiene"
                : "lo tiene: \(holders.joined(separator: ", "))"
            return "Según el manual, el paso \(step) lo realiza el rol \(names), y \(persona) no tiene ese rol en roles.yaml (\(who))."
        case .notJefe(let persona, let action):
            return "Solo el jefe de departamento puede \(action); \(persona) no tiene el rol jefe en roles.yaml: pídaselo a un jefe ('folio roles' dice quiénes)."
        case .monthNotEnded(let caseID, let step, let month, let from):
            return "El paso \(step) de \(caseID) cierra el mes \(month), que aún no ha terminado: se registra desde el \(from), cuando todas las dependencias pudieron informar. Vuelva a registrarlo desde esa fecha."
        case .roundIncomplete(let caseID, let step, let noun, let missing, let firstCode, let jefes):
            return "El paso \(step) de \(caseID) cierra la ronda, y faltan \(noun) esperadas (registradas en roles.yaml o en 'dependencias_esperadas'): \(missing.joined(separator: ", ")). "
                + "Espere a que terminen, o que un jefe (\(jefes.joined(separator: ", "))) cierre sin ellas diciendo por qué: 'folio excusar \(caseID) \(firstCode) -m \"MOTIVO\" --as JEFE'; el informe lo dirá."
        case .contactWithoutCode(let persona):
            return "\(persona) tiene el rol dependencia o unidad-ejecutora en roles.yaml sin el código de la que representa, y así podría actuar por cualquiera. Un jefe registra el código: 'dependencia: CODIGO' en roles.yaml (y 'nombre_dependencia'), o 'folio roles add' con --dependency."
        case .wrongDependency(let persona, let registered, let given):
            return "\(persona) es el contacto registrado de \(registered), no de \(given): registre el paso con el contacto de \(given)."
        case .invalidID(let id):
            return "'\(id)' no es un identificador de expediente válido: use letras mayúsculas, dígitos y guiones (p. ej. PI-2026-0003), sin '/', '..' ni espacios."
        case .invalidDependency(let code):
            return "'\(code)' no es un código de dependencia válido: use de 1 a 20 letras, dígitos, '-' o '_' (p. ej. HGE), sin '/' ni '..'."
        case .unknownDependency(let code, let known, let noun, let folder, let caseID, let unrecorded, let contactOnly):
            let which: String
            if known.isEmpty {
                which = "no hay ninguna registrada en roles.yaml ni en 'dependencias_esperadas' del expediente"
            } else if known.count <= 12 {
                which = "las que conoce son \(known.joined(separator: ", ")) (enlaces de roles.yaml, 'dependencias_esperadas' registrado y las que ya tienen pasos)"
            } else {
                which = "las más parecidas son \(Self.nearest(code, in: known).joined(separator: ", ")), de \(known.count) ('folio roles' lista los enlaces)"
            }
            let guess = Self.closest(code, in: known).map { " ¿Quiso decir \($0)?" } ?? ""
            let role = noun == "unidad ejecutora" ? "unidad-ejecutora" : "dependencia"
            let subject = folder.map { "\(SafeText.visible($0)) es la carpeta de '\(code)', y '\(code)'" } ?? "'\(code)'"
            let check = folder == nil ? "Revise el código de --dependency" : "Mueva esos documentos a la carpeta de la \(noun) que corresponde"
            let note = "'folio note \(caseID ?? "ID") -m \"Se espera también \(code)\" --as JEFE'"
            let head = "\(subject) no es ninguna \(noun) que el departamento conozca para este expediente: \(which).\(guess) \(check);"
            if unrecorded {
                return head + " si es una \(noun) nueva: 'dependencias_esperadas' del expediente la lista en su copia de trabajo, pero ese cambio"
                    + " no está registrado (ni cuenta hasta que lo esté): un jefe lo registra con \(note) (si el cambio viene de otra copia,"
                    + " tráigalo con 'folio sync'), y vuelva a intentarlo."
            }
            let register = "un jefe registra su enlace ('folio roles add ID --name \"NOMBRE\" --email CORREO --role \(role) --dependency \(code) --as JEFE')"
            if contactOnly {
                return head + " si es una \(noun) nueva, \(register): su primer paso lo registra ese enlace, así que incluirla en"
                    + " 'dependencias_esperadas' no basta. Luego vuelva a intentarlo."
            }
            return head + " si es una \(noun) nueva, \(register)"
                + " o la agrega a 'dependencias_esperadas' del expediente (si el expediente aún no tiene esa lista, con todas las que se esperan:"
                + " la lista reemplaza a los enlaces de roles.yaml) y la registra con \(note), y vuelva a intentarlo."
        case .caseExists(let id, let path):
            if id.range(of: "-[0-9]{4}-[0-9]{2}$", options: .regularExpression) != nil {
                return "El expediente del mes \(id.suffix(7)) ya existe en \(path): cada mes tiene un solo expediente. Registre sus pasos en él ('folio step \(id) ...'); 'folio status \(id)' muestra lo que sigue."
            }
            return "El expediente \(id) ya existe en \(path): elija otro --id o deje que folio asigne uno."
        case .unknownCase(let id):
            return "No existe el expediente \(id) en cases/ (en el último commit). 'folio status' lista los expedientes."
        case .caseFolderGone(let id, let folder, let fix):
            return "La carpeta del expediente \(id) ya no está en cases/ (estaba en \(folder)): se borró o se movió fuera de folio, "
                + "y nadie puede registrar pasos en él hasta que se restaure: \(fix)"
        case .caseFileGone(let id, let file, let fix):
            return "\(file) ya no está: se borró fuera de folio, y nadie puede registrar pasos en \(id) hasta que se restaure: \(fix)"
        case .caseNotCounted(let id, let path):
            return "\(path) está en el repositorio, pero ningún commit que cuente abre \(id) (su apertura no cumple las reglas del manual, "
                + "o la carpeta llegó con git a mano o por un merge): no hay expediente que consultar. 'folio verify' dice qué regla se rompe; "
                + "un jefe abre el expediente con 'folio new'."
        case .ambiguousStep(let id, let options):
            return "El expediente \(id) admite más de un paso ahora: \(options.joined(separator: "; ")). " + CommandHint.giveStep.commandLine
        case .dirtyOutside(let paths, let scope):
            let list = Spanish.list(paths)
            let cases = paths.filter(CaseID.isInCaseFolder)
            let others = paths.filter { !CaseID.isInCaseFolder($0) }
            var advice: [String] = []
            if !cases.isEmpty { advice.append("los cambios de un expediente se registran con 'folio note ID -m TEXTO'") }
            if others.contains(where: { $0 == "roles.yaml" }) {
                advice.append("las personas se cambian con 'folio roles add/set/remove' (descarte la edición con 'git restore roles.yaml')")
            }
            // The department's configuration is folio.yaml and schemas/; any other file beside the
            // case folders (at the top, in cases/, in a year folder) is no one's step.
            let configuration = others.filter { $0 == "folio.yaml" || GitPath.isInside($0, "schemas") }
            let stray = others.filter { $0 != "roles.yaml" && !configuration.contains($0) }
            if !configuration.isEmpty {
                advice.append("los cambios de configuración (\(configuration.prefix(3).joined(separator: ", "))) los registra un jefe con 'git commit'")
            }
            if !stray.isEmpty {
                advice.append("fuera de las carpetas de expedientes, \(stray.prefix(3).joined(separator: ", ")) no es de ningún expediente ni de la"
                    + " configuración: un documento de un expediente va en su carpeta ('folio attach ID ARCHIVO'); si no debe quedar en el"
                    + " repositorio, quítelo del índice ('git rm --cached ARCHIVO' si es nuevo; si cambió uno registrado, guarde su texto y"
                    + " 'git restore --staged --worktree ARCHIVO'); si debe quedar, lo registra un jefe con 'git commit'")
            }
            // A dependency's step records a few paths of its case: a change staged elsewhere in the
            // case is no part of it (helper125: "sin registrar fuera de" four paths read garbled).
            let headline = scope.contains(", ")
                ? "Hay cambios preparados con 'git add' en el expediente que este paso no registra (registra solo \(scope)): \(list). "
                : "Hay cambios sin registrar fuera de \(scope): \(list). "
            return headline + advice.joined(separator: "; ").prefix(1).uppercased()
                + String(advice.joined(separator: "; ").dropFirst()) + "; o, antes de continuar, sáquelos del índice si los preparó con 'git add' ('git restore --staged ARCHIVO', la edición queda para su propio paso) "
                + "o descártelos ('git restore --staged --worktree ARCHIVO')."
        case .conflicted(let paths):
            // Marked resolved with `git add`, the file would be a staged change folio refuses next
            // (helper125): out of the index it is an edit the case's own note records.
            return "Hay conflictos sin resolver en: \(paths.joined(separator: ", ")). Deje cada archivo como debe quedar (sin las marcas "
                + "<<<<<<<, ======= y >>>>>>>) y quítelo del índice con 'git restore --staged ARCHIVO': el cambio queda en el archivo, y si es "
                + "de un expediente se registra con 'folio note ID -m TEXTO'; o vuelva a la versión registrada con "
                + "'git restore --staged --worktree ARCHIVO'. Después vuelva a intentarlo."
        case .invalidCase(let problems):
            // A symbolic link or a name clash says its own fix; the rest are the files' contents.
            let contents = problems.filter { !$0.carriesFix }
            let csv = contents.contains { $0.file.lowercased().hasSuffix(".csv") }
            let markdown = contents.contains { !$0.file.lowercased().hasSuffix(".csv") }
            // A file in another encoding is not a matter of its YAML header: each problem says how to save it.
            let encoding = contents.contains { $0.description.contains("UTF-8") }
            let what = encoding || contents.isEmpty ? "cada archivo como se indica"
                : [markdown ? "el encabezado YAML (entre las líneas '---')" : nil, csv ? "el archivo CSV" : nil].compactMap { $0 }.joined(separator: " y ")
            return problems.map(\.description).joined(separator: "\n")
                + "\nCorrija \(what) y vuelva a intentarlo; 'folio check' revisa sin registrar nada."
        case .requirementNotMet(let step, let casePath, let failures, let norm, let templates):
            let list = failures.map { "  - \(casePath)/\($0)" }.joined(separator: "\n")
            let written = Self.templatesText(templates)
            switch norm.kind {
            case .manual:
                return "El paso \(step) no se puede registrar todavía: la norma \(norm.number) del manual exige lo que falta.\n"
                    + list + written + "\nNorma \(norm.number): «\(norm.statement)»"
            case .criterion:
                return "El paso \(step) no se puede registrar todavía: el \(norm.label) (no es norma del manual; lo adoptó "
                    + "\(norm.adoption?.by ?? "un jefe") el \(norm.adoption?.on ?? "?")) exige lo que falta.\n"
                    + list + written + "\nCriterio: «\(norm.text)»"
            }
        case .outOfWindow(let step, let timing):
            let rule = timing.norm.kind == .manual ? "Norma \(timing.norm.number): «\(timing.norm.statement)»"
                : "Criterio del departamento «\(timing.norm.number)»: «\(timing.norm.text)»"
            return "El paso \(step) se registraría \(timing.description): fuera de plazo solo se registra con una justificación, "
                + "que queda en el historial (trailer Justificacion). Si corresponde registrarlo hoy, dé la razón con "
                + "--justificacion \"TEXTO\".\n\(rule)"
        case .requirementsNotMet(let step, let casePath, let results, let templates):
            // "las normas 3.1, 3.2 y 3.3", not "norma 3.1, norma 3.2, norma 3.3".
            let named = results.count > 1 && results.allSatisfy { $0.norm.kind == .manual }
                ? "las normas " + Spanish.andList(results.map { $0.norm.number })
                : Spanish.andList(results.map { $0.norm.label })
            var lines = ["El paso \(step) no se puede registrar todavía: \(named) exigen lo que falta."]
            // A document several norms need is said missing once; the later norms add what they ask of it.
            // Where folio wrote the document's template, the way to fill it is the last line, not "Póngalo en...".
            var missing = Set<String>()
            for (norm, failures) in results {
                for failure in failures {
                    let asks = failure.missingNeeds.map { $0.isEmpty ? "." : "; esta norma pide en él: \($0)." } ?? ""
                    if failure.missingNeeds != nil, !missing.insert(failure.file).inserted {
                        lines.append("  - \(casePath)/\(failure.file): el mismo documento" + asks)
                    } else if failure.missingNeeds != nil, templates.contains("\(casePath)/\(failure.file)") {
                        lines.append("  - \(casePath)/\(failure.file): falta el documento" + asks)
                    } else {
                        lines.append("  - \(casePath)/\(failure)")
                    }
                }
                lines.append("  \(norm.kind == .manual ? "Norma" : "Criterio") \(norm.number): «\(norm.statement)»")
            }
            return lines.joined(separator: "\n") + Self.templatesText(templates)
        case .registerEntry(let what):
            return what
        case .hinted(let error, let hint):
            return error.description + "\n" + hint
        case .several(let errors):
            // A norm both parts quote (a late step missing what the same norm asks) is quoted once,
            // at the end (helper123: "Norma 1: «…»" twice).
            var parts = errors.map { $0.description.components(separatedBy: "\n") }
            for i in parts.indices.dropLast() {
                let later = parts[(i + 1)...].joined()
                parts[i].removeAll { line in line.trimmingCharacters(in: .whitespaces).hasPrefix("Norma ") && later.contains(line) }
            }
            return parts.map { $0.joined(separator: "\n") }.joined(separator: "\n\n")
        case .missingDocument(let file):
            return "Falta el documento \(file). Todo expediente tiene su expediente.md con encabezado YAML: restáurelo desde el último commit ('git restore \(file)')."
        case .frontMatterMismatch(let file, let key, let expected, let found):
            return "\(file): el campo '\(key)' dice '\(found)' pero debe ser '\(expected)'. Corríjalo en el encabezado YAML."
        case .attachmentMissing(let path):
            return "No se encuentra el archivo a adjuntar '\(path)'. Revise la ruta."
        case .invalidSet(let text):
            return "--set '\(text)' no es válido: use --set CLAVE=VALOR con una clave de letras minúsculas, dígitos y '_'."
        case .monthRequired(let p):
            return "El procedimiento \(p) es mensual: ábralo con --month AAAA-MM (un expediente por mes)."
        case .monthNotAllowed(let p):
            return "El procedimiento \(p) no es mensual: quite --month."
        case .invalidMonth(let text):
            return "'\(text)' no es un mes válido: use AAAA-MM (p. ej. 2026-11)."
        case .nothingToRecord(let scope):
            return "No hay cambios pendientes en \(scope): edite los archivos y vuelva a intentarlo."
        case .personaExists(let id):
            return "roles.yaml: ya existe una persona con id o correo '\(id)'. Edite roles.yaml o use otro id."
        case .signatureFailed(let reason):
            return "ssh-keygen no pudo firmar el paso: \(reason). Revise la clave (user.signingKey) o ssh-agent."
        case .signingKeyMissing(let persona, let configured):
            return "Los pasos de \(persona) se firman con su clave SSH registrada en roles.yaml (clave_ssh), y no se encontró su clave privada"
                + (configured.map { ": user.signingKey apunta a \($0), que no es esa clave (es otra, o está cifrada sin su .pub al lado, o no es una clave SSH)" } ?? " (user.signingKey, ssh-agent o ~/.ssh/id_*)")
                + ". Configure 'git config user.signingKey RUTA_DE_LA_CLAVE' o cargue la clave en ssh-agent."
        case .signatureRequired(let persona):
            return "folio.yaml exige firma (firma: obligatoria) y \(persona) no tiene clave_ssh en roles.yaml. Un jefe la registra con 'folio roles key \(persona) \"ssh-ed25519 ...\" --as JEFE'."
        case .invalidKey(let text):
            return "'\(text.prefix(40))' no es una clave pública SSH: use la línea completa de su archivo .pub (p. ej. 'ssh-ed25519 AAAA... nombre')."
        case .busy(let owner):
            return "Otro registro de folio tiene el bloqueo de escritura de este clon (\(owner)) y no lo soltó en un minuto. "
                + "Espere y vuelva a intentarlo; si ese proceso ya no existe (o es de otro equipo que dejó de usarlo), "
                + "un jefe lo quita con 'folio unlock --as JEFE'."
        case .shallowClone(let path):
            return "\(path) es un clon superficial (shallow): folio deriva roles, pasos y plazos de toda la historia. Traiga la historia completa con 'git fetch --unshallow'."
        case .foreignRoot(let root, let pinned, let branch, let advice):
            let history = branch.map { "La historia de la rama '\(SafeText.visible($0))'" } ?? "La historia de HEAD"
            guard Casebook.isCommitID(pinned) else { return "\(history) nace del commit \(root), y " + Casebook.invalidPinText(pinned) }
            let what = "\(history) nace del commit \(root), no de la raíz fijada en este clon (folio.raiz = \(SafeText.visible(pinned)), que fija "
                + "'folio init' o el primer comando de folio en el clon): es otra historia; su roles.yaml, folio.yaml y schemas/ no dan autoridad a nadie, y "
                + "folio no muestra ni registra nada sobre ella."
            switch advice {
            case .notShared(let remote):
                return what + " \(SafeText.visible(remote)) no tiene esta rama: vuelva a la rama compartida con 'git switch main' (o la que use "
                    + "el departamento); lo hecho en esta rama queda en ella."
            case .replaced(let remoteBranch):
                return what + " \(SafeText.visible(remoteBranch)) sí nace de esa raíz: esta rama se rehízo desde otra. Traiga la del remoto con "
                    + "'folio sync --drop-local' (guarda esta en refs/folio/respaldo/); lo que la rama tenía antes y no se publicó sigue en 'git reflog'."
            case .pinDisagrees(let remoteBranch):
                return what + " \(SafeText.visible(remoteBranch)) nace del mismo commit que esta rama: lo que no coincide es folio.raiz (¿mal "
                    + "escrito?). Si 'git remote -v' es de verdad el repositorio del departamento, quítela con 'git config --unset folio.raiz': "
                    + "el próximo comando de folio la fija de nuevo."
            case .unknown:
                return what + " Si esta no es la rama compartida, vuelva a ella ('git switch main', o la que use el departamento); si lo es, "
                    + "traiga la del remoto con 'folio sync --drop-local' (guarda esta en refs/folio/respaldo/). Si la raíz cambió de verdad, "
                    + "un jefe lo confirma y ajusta 'git config folio.raiz'."
            }
        case .remoteInvalid(let findings):
            return "El repositorio compartido tiene commits que no cumplen las reglas de folio; no se tomaron ni se publicó nada:\n  "
                + findings.joined(separator: "\n  ")
                + "\nEl gancho pre-receive del servidor debió rechazarlos: avise al administrador (¿está instalado?). La historia compartida "
                + "no se reescribe; para seguir, un jefe trae esos commits tal como están ('git pull --ff-only': folio no cuenta lo que "
                + "no cumple las reglas), corrige con folio lo que 'folio verify' señala (una carpeta borrada se restaura con 'folio note') "
                + "y publica con 'folio sync'."
        case .dateBeforeParent(let date, let parent, let commit):
            return "La fecha de este registro (\(date)) es anterior a la del último commit (\(commit), \(parent)): la historia no retrocede en el tiempo. "
                + "Regístrelo con la fecha de hoy (sin un FOLIO_DATE anterior); si es un paso fuera de plazo, use --justificacion."
        case .concurrentUpdate:
            return "Otro proceso registró un paso al mismo tiempo y la rama cambió. Vuelva a ejecutar el comando."
        case .noProductionData(let id):
            return "El expediente \(id) no es de un procedimiento con datos mensuales (procedimientos 3 y 5): use un expediente de esos procedimientos."
        case .missingProductionFile(let file, let dependency):
            return "Falta \(file): la producción del mes de \(dependency) (columnas \(ProductionTable.columns.joined(separator: ","))). Agréguela con su paso 01."
        case .noRemote(let name):
            return "No hay un remoto '\(name)': agregue el repositorio compartido con 'git remote add \(name) URL' (o clónelo)."
        case .noRemoteBranch(let remote, let branch):
            return "El remoto '\(remote)' no tiene la rama \(branch) todavía: publique primero con 'folio sync'."
        case .unrelatedHistories(let remote):
            return "Este repositorio y '\(remote)' no comparten historia: no son el mismo repositorio de expedientes. Revise la dirección del remoto con 'git remote -v'."
        case .remoteForeignRoot(let remote, let url, let branch, let root, let pinned):
            return "La rama \(SafeText.visible(branch)) de '\(SafeText.visible(remote))' (\(SafeText.visible(url))) nace del commit \(root), no de la raíz "
                + "fijada en este clon (folio.raiz = \(SafeText.visible(pinned))): no es el repositorio de expedientes de este clon. No se tomó nada "
                + "en la rama ni se publicó nada (solo refs/remotes/\(SafeText.visible(remote))/ guarda lo que se trajo: 'git remote set-url' y "
                + "otro 'folio sync', o 'git remote remove \(SafeText.visible(remote))', lo dejan como debe). Revise la dirección con 'git remote -v'. Solo si el "
                + "departamento cambió de verdad de repositorio (lo anuncia el jefe) se ajusta 'git config folio.raiz'."
        case .rootUndecided(let roots):
            return "Este clon aún no fijó la raíz del repositorio de expedientes (folio.raiz), y lo que tiene no nace del mismo commit:\n  "
                + roots.map { "\(SafeText.visible($0.name)) nace de \($0.root)" }.joined(separator: "\n  ")
                + "\nfolio no elige cuál es la del departamento ni muestra o registra nada hasta que se fije. Si está en una rama que no es la "
                + "compartida, vuelva a ella ('git switch main') y repita. Si no, pregunte al jefe cuál es la raíz del repositorio del "
                + "departamento ('git rev-list --max-parents=0 main' en su clon) y fíjela: 'git config folio.raiz ID'; quite luego el remoto "
                + "que no corresponda ('git remote -v', 'git remote remove')."
        case .branchNotShared(let branch, let shared):
            return "Está en la rama '\(SafeText.visible(branch))', y 'folio sync' trae y publica solo la rama compartida, '\(SafeText.visible(shared))' "
                + "('rama:' en folio.yaml): no se trajo ni se publicó nada. Vuelva a ella con 'git switch \(SafeText.visible(shared))'; lo hecho en "
                + "'\(SafeText.visible(branch))' se lleva allí con 'git cherry-pick' o 'git rebase \(SafeText.visible(shared))', y se publica con 'folio sync'."
        case .remoteFailed(let remote, let action, let cause):
            return "No se pudo \(action) con '\(remote)': \(GitErrorText.describe(cause)). Revise la conexión y vuelva a intentar 'folio sync'."
        case .pushRejected(let reason, let messages):
            let said = messages.split(separator: "\n").map { "  \($0)" }.joined(separator: "\n")
            return "El repositorio compartido rechazó la publicación (\(reason))." + (said.isEmpty ? "" : "\n" + said)
                + "\nCorrija lo que indica y vuelva a ejecutar 'folio sync'."
        case .syncConflict(let findings, let backup, let arrived, let local):
            guard arrived else {
                // Nothing came from the shared repository: the local commits themselves break a rule.
                return "No se publicó nada: sus commits locales no cumplen las reglas que el repositorio compartido exige.\n"
                    + findings.map { "  - \($0)" }.joined(separator: "\n")
                    + "\nEsos commits no se pueden publicar: " + Casebook.dropUnpublished(backup: backup) + "; un commit posterior que lo repare no basta."
            }
            return "No se publicó nada: lo registrado aquí choca con lo que ya está en el repositorio compartido.\n"
                + findings.map { "  - \($0)" }.joined(separator: "\n")
                + (local.count < 2 ? "" : "\nSin publicar quedan todos sus commits locales, también los que no chocan:\n"
                    + local.map { "    \($0)" }.joined(separator: "\n"))
                + "\nSus commits locales no se perdieron: siguen en su rama y en \(backup)."
                + "\nRevise 'folio status' de los expedientes; tome la versión compartida con"
                + " 'folio sync --drop-local' (lo suyo queda en \(backup)) y registre de nuevo lo que aún corresponda."
        case .checkoutBlocked(let cause):
            return "No se pudieron actualizar los archivos de trabajo (\(GitErrorText.describe(cause))): registre o descarte sus cambios y vuelva a intentar."
        case .procedure(let error):
            return error.description
        case .indexLocked:
            return "Otro programa de git está usando el repositorio (existe .git/index.lock). Espere a que termine y vuelva a intentarlo; si no hay ningún git abierto, borre .git/index.lock."
        case .git(let text):
            return "Error de git: \(text). Vuelva a intentarlo; si se repite, 'git fsck' revisa el repositorio."
        }
    }

    /// A stable code for each kind of refusal (`FOLIO-E0nn`), for scripts, `--json` and the
    /// dashboard: the Spanish text may improve, the code does not change. A refusal with advice
    /// has the code of the refusal it advises on; several together, the first one's.
    public var code: String {
        switch self {
        case .notARepository: return "FOLIO-E001"
        case .foreignOwner: return "FOLIO-E069"
        case .gitDirElsewhere: return "FOLIO-E083"
        case .gitDirMissing: return "FOLIO-E084"
        case .bareRepository: return "FOLIO-E002"
        case .readOnly: return "FOLIO-E003"
        case .operationInProgress: return "FOLIO-E004"
        case .detachedHead: return "FOLIO-E005"
        case .emptyRepository: return "FOLIO-E006"
        case .notACaseRepository: return "FOLIO-E007"
        case .directoryNotEmpty: return "FOLIO-E008"
        case .invalidFile: return "FOLIO-E009"
        case .invalidYAML: return "FOLIO-E010"
        case .unknownProcedure: return "FOLIO-E011"
        case .unknownPersona: return "FOLIO-E012"
        case .noPersona: return "FOLIO-E013"
        case .roleNotHeld: return "FOLIO-E014"
        case .notJefe: return "FOLIO-E015"
        case .wrongDependency: return "FOLIO-E016"
        case .contactWithoutCode: return "FOLIO-E017"
        case .monthNotEnded: return "FOLIO-E018"
        case .roundIncomplete: return "FOLIO-E019"
        case .invalidID: return "FOLIO-E020"
        case .invalidDependency: return "FOLIO-E021"
        case .unknownDependency: return "FOLIO-E075"
        case .caseExists: return "FOLIO-E022"
        case .unknownCase: return "FOLIO-E023"
        case .ambiguousStep: return "FOLIO-E024"
        case .dirtyOutside: return "FOLIO-E025"
        case .conflicted: return "FOLIO-E026"
        case .invalidCase: return "FOLIO-E027"
        case .requirementNotMet: return "FOLIO-E028"
        case .requirementsNotMet: return "FOLIO-E029"
        case .hinted(let error, _): return error.code
        case .several(let errors): return errors.first?.code ?? "FOLIO-E031"
        case .outOfWindow: return "FOLIO-E032"
        case .registerEntry: return "FOLIO-E033"
        case .missingDocument: return "FOLIO-E034"
        case .frontMatterMismatch: return "FOLIO-E035"
        case .attachmentMissing: return "FOLIO-E036"
        case .invalidSet: return "FOLIO-E037"
        case .monthRequired: return "FOLIO-E038"
        case .monthNotAllowed: return "FOLIO-E039"
        case .invalidMonth: return "FOLIO-E040"
        case .nothingToRecord: return "FOLIO-E041"
        case .personaExists: return "FOLIO-E042"
        case .signatureFailed: return "FOLIO-E043"
        case .signingKeyMissing: return "FOLIO-E044"
        case .signatureRequired: return "FOLIO-E045"
        case .invalidKey: return "FOLIO-E046"
        case .concurrentUpdate: return "FOLIO-E047"
        case .dateBeforeParent: return "FOLIO-E048"
        case .remoteInvalid: return "FOLIO-E049"
        case .indexLocked: return "FOLIO-E050"
        case .shallowClone: return "FOLIO-E051"
        case .foreignRoot: return "FOLIO-E078"
        case .busy: return "FOLIO-E052"
        case .noProductionData: return "FOLIO-E053"
        case .missingProductionFile: return "FOLIO-E054"
        case .noRemote: return "FOLIO-E055"
        case .noRemoteBranch: return "FOLIO-E056"
        case .unrelatedHistories: return "FOLIO-E057"
        case .remoteForeignRoot: return "FOLIO-E079"
        case .branchNotShared: return "FOLIO-E080"
        case .rootUndecided: return "FOLIO-E081"
        case .unbornBranch: return "FOLIO-E082"
        case .remoteFailed: return "FOLIO-E058"
        case .pushRejected: return "FOLIO-E059"
        case .syncConflict: return "FOLIO-E060"
        case .checkoutBlocked: return "FOLIO-E061"
        case .procedure(let error): return error.code
        case .git: return "FOLIO-E063"
        case .invalidValue: return "FOLIO-E064"
        case .missingProgram: return "FOLIO-E065"
        case .fileSystem: return "FOLIO-E066"
        case .folioFolderNotOwn: return "FOLIO-E071"
        case .configurationNotInForce: return "FOLIO-E077"
        case .hiddenFromGit: return "FOLIO-E072"
        case .foreignIndexFile: return "FOLIO-E073"
        case .unreadableIndex: return "FOLIO-E074"
        case .editorFiles: return "FOLIO-E076"
        case .caseNotCounted: return "FOLIO-E067"
        case .caseFolderGone: return "FOLIO-E068"
        case .caseFileGone: return "FOLIO-E070"
        }
    }

    /// What the command line adds to answer the refusal (`--as`, `--decision`...); nil when none.
    public var hint: CommandHint? {
        switch self {
        case .noPersona: return .givePersona
        case .ambiguousStep: return .giveStep
        case .procedure(let error): return error.hint
        case .hinted(let error, _): return error.hint
        default: return nil
        }
    }

    /// The refusal in the domain's words, without command-line options, for surfaces that are
    /// not the command line (the dashboard). Equal to `description` for refusals without a hint.
    public var domainText: String {
        switch self {
        case .noPersona: return "No se sabe quién realiza el paso: nadie registrado en roles.yaml lo identifica."
        case .ambiguousStep(let id, let options): return "El expediente \(id) admite más de un paso ahora: \(options.joined(separator: "; "))."
        case .procedure(let error): return error.domainText
        default: return description
        }
    }

    /// The underlying failure, when there is one (libgit2's, for fetching, pushing, checkout).
    public var cause: (any Error)? {
        switch self {
        case .remoteFailed(_, _, let cause), .checkoutBlocked(let cause): return cause
        case .procedure(let error): return error
        case .hinted(let error, _): return error.cause
        default: return nil
        }
    }

    /// The `count` codes of `known` nearest to `code` (fewest letters to change), nearest first.
    static func nearest(_ code: String, in known: [String], count: Int = 5) -> [String] {
        let target = Array(code)
        return Array(known.map { ($0, typingDistance(target, Array($0))) }.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.prefix(count).map(\.0))
    }

    /// The one code of `known` a slip or two of the keyboard away from `code` (HEG, HAG for HGA),
    /// when no other is as near; nil otherwise.
    static func closest(_ code: String, in known: [String]) -> String? {
        let target = Array(code)
        let near = known.map { ($0, typingDistance(target, Array($0))) }.filter { $0.1 <= min(2, max(1, target.count / 2)) }
        guard let best = near.min(by: { $0.1 < $1.1 }), near.filter({ $0.1 == best.1 }).count == 1 else { return nil }
        return best.0
    }

    /// Edits counted as a typist makes them: a letter added, left out, changed, or two side by
    /// side swapped (HEG for HGE is one slip, not two: staff33), the optimal string alignment distance.
    static func typingDistance(_ a: [Character], _ b: [Character]) -> Int {
        guard !a.isEmpty else { return b.count }
        var before = [Int](repeating: 0, count: b.count + 1)
        var row = Array(0...b.count)
        for i in 1...a.count {
            var next = [Int](repeating: 0, count: b.count + 1)
            next[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                next[j] = min(row[j] + 1, next[j - 1] + 1, row[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { next[j] = min(next[j], before[j - 2] + 1) }
            }
            before = row
            row = next
        }
        return row[b.count]
    }

    /// The lines that say which templates a refusal wrote (empty when none).
    static func templatesText(_ templates: [String]) -> String {
        templates.isEmpty ? "" : "\n" + templates.map {
            "Plantilla escrita en \($0): complete sus campos en su editor y vuelva a registrar el paso."
        }.joined(separator: "\n")
    }
}

extension CasebookError {
    /// Whether this is FOLIO-E078 on a branch the remote does not have, where 'sync --drop-local'
    /// has nothing to bring: the way back is 'git switch'.
    var advisesSwitching: Bool {
        if case .foreignRoot(_, _, _, .notShared) = self { return true }
        return false
    }

    /// Whether nothing is in force here because of the root: another root than the pinned one
    /// (FOLIO-E078), or none pinned yet among several (FOLIO-E081).
    public var isRootRefusal: Bool {
        switch self {
        case .foreignRoot, .rootUndecided: return true
        default: return false
        }
    }
}

/// What one on a branch that begins at another root than the pinned one can do, as far as the
/// clone's remote-tracking branches tell (FOLIO-E078).
public enum ForeignRootAdvice: Sendable {
    /// Nothing tells.
    case unknown
    /// The remote (named) has no branch of this name, and its shared one begins at the pinned root.
    case notShared(remote: String)
    /// The remote's branch of this name (`origin/main`) begins at the pinned root.
    case replaced(remoteBranch: String)
    /// The remote's branch begins at this branch's root: it is `folio.raiz` that differs.
    case pinDisagrees(remoteBranch: String)
}
