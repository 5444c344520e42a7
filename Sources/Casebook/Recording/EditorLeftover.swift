import Foundation
import GitStore

/// The files an editor leaves beside the file it edits, by their names: a backup
/// (`expediente.md~`), Vim's swap files (`.expediente.md.swp`, `.swo`...), Emacs's lock
/// (`.#expediente.md`) and auto-save (`#expediente.md#`), Word's and Excel's owner file
/// (`~$acta.docx`) and temporary file (`~WRL0001.tmp`), LibreOffice's lock (`.~lock.acta.docx#`),
/// Kate's swap file and GNOME's save in progress (`.goutputstream-XXXXXX`). None is a document of the case:
/// a commit refuses to record one (`CasebookError.editorFiles`, in `Casebook.commit`), a
/// document folder does not adopt one, and verify warns of a commit that recorded one
/// (`archivo-de-editor`). The one place the names are judged. (The folder files a file manager
/// writes on its own, `.DS_Store`, `Thumbs.db`, `desktop.ini`, are not: refused, they would come
/// back and block every note, staff34.)
enum EditorLeftover {
    /// What `name` (a file's last component) is, in Spanish, when an editor left it; nil otherwise.
    static func kind(of name: some StringProtocol) -> String? {
        let name = String(name)
        if name.hasPrefix(".~lock."), name.hasSuffix("#") { return "el archivo de bloqueo de LibreOffice" }
        if name.hasPrefix("~$") { return "el archivo de bloqueo de Word o Excel" }
        if name.hasPrefix(".#") { return "el archivo de bloqueo de Emacs" }
        if name.count > 2, name.hasPrefix("#"), name.hasSuffix("#") { return "la copia de autoguardado de Emacs" }
        if name.hasPrefix("."), name.range(of: "\\.sw[a-p]$", options: [.regularExpression, .caseInsensitive]) != nil {
            return "el archivo de intercambio de Vim"
        }
        // (A regular expression is compiled at each call: asked only of a name that can match, as
        // verify asks this of every file a commit writes, 2% of a cold status.)
        if name.hasPrefix("~"), name.range(of: "^~WR[A-Z][0-9]+\\.tmp$", options: [.regularExpression, .caseInsensitive]) != nil {
            return "el archivo temporal de Word"
        }
        if name.hasSuffix(".kate-swp") { return "el archivo de intercambio de Kate" }
        if name.hasPrefix(".goutputstream-") { return "el archivo temporal que GNOME deja al guardar" }
        if name.count > 1, name.hasSuffix("~") { return "la copia de respaldo del editor" }
        return nil
    }

    /// The leftovers a commit of `paths` (files or folders relative to `root`) would record: every
    /// one on disk there, since a commit takes what the folders hold, ignored files included.
    static func files(within paths: [String], root: String) -> [String] {
        paths.flatMap { path -> [String] in
            var trimmed = path
            while trimmed.hasSuffix("/") { trimmed.removeLast() }
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: "\(root)/\(trimmed)", isDirectory: &isFolder) else { return [] }
            guard isFolder.boolValue else { return kind(of: GitPath.name(trimmed)) == nil ? [] : [trimmed] }
            return FolderWalk("\(root)/\(trimmed)").compactMap { entry in
                !entry.isFolder && kind(of: GitPath.name(entry.relative)) != nil ? "\(trimmed)/\(entry.relative)" : nil
            }
        }
    }
}
