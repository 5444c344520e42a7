/// The document a step needs, as a template to fill in: every field the rule requires, empty,
/// with Spanish comments (`folio step --template`, and the refusal of a step whose document is missing).
extension DocumentRule {
    /// Every key the document must carry, said in one line ("motivos, modificaciones (lista: meta,
    /// ...), transferencia (archivo adjunto); orientaciones_estrategicas: true"; "presta_servicios;
    /// si presta_servicios es true, capacidad_instalada: true, historial_produccion: true").
    public var summary: String {
        var parts: [String] = []
        for field in fields {
            if let list, list.field == field {
                parts.append("\(field) (lista: \(list.fields.joined(separator: ", ")))")
            } else if field == attachmentField {
                parts.append("\(field) (nombre del archivo adjunto)")
            } else {
                parts.append(field)
            }
        }
        if let list, !fields.contains(list.field) { parts.append("\(list.field) (lista: \(list.fields.joined(separator: ", ")))") }
        var attested = trueFields.map { "\($0): true" }.joined(separator: ", ")
        // Asked only when a key holds a value (P2 norm 3.3: a unit that gives services).
        if let when, !attested.isEmpty { attested = "si \(when.field) es \(when.value), \(attested)" }
        return [parts.joined(separator: ", "), attested].filter { !$0.isEmpty }.joined(separator: "; ")
    }

    /// A Markdown document at `path` with the rule's fields empty and comments in Spanish.
    public func template(path: String, step: String, procedure: Int, norm: Norm?) -> String {
        Self.template(path: path, step: step, procedure: procedure, parts: [(norm, self)])
    }

    /// A Markdown document at `path` with every field the `parts` (the rules of the norms that ask
    /// something of this document) require, empty, each group under its norm, in Spanish.
    public static func template(path: String, step: String, procedure: Int, parts: [(norm: Norm?, rule: DocumentRule)]) -> String {
        var lines = ["---",
                     "# Plantilla de \(path) para el paso \(step) del procedimiento \(procedure).",
                     "# Complete cada campo después de ':' y vuelva a registrar el paso; las líneas con '#' son comentarios.",
                     "# Si un valor lleva ':' o '#', escríbalo entre comillas."]
        var written = Set<String>()
        func listBlock(_ list: ListRule) {
            guard written.insert(list.field).inserted else { return }
            var note = "# \(list.field): una entrada por cada elemento; cada entrada empieza con '- '"
            if let b = list.balance { note += "; \(b.before) + \(b.movement) debe dar \(b.after)" }
            if let rule = list.noProgress { note += "; si \(rule.zero.joined(separator: " y ")) son 0, escriba \(rule.requires)" }
            lines.append(note + ".")
            lines.append("\(list.field):")
            for (i, key) in list.fields.enumerated() {
                lines.append((i == 0 ? "  - " : "    ") + "\(key):" + (list.numeric.contains(key) ? "   # un número, p. ej. 1250" : ""))
            }
        }
        for (norm, rule) in parts {
            let fresh = (rule.fields + rule.trueFields + [rule.list?.field].compactMap { $0 }).filter { !written.contains($0) }
            guard !fresh.isEmpty else { continue }
            var heading = norm.map { "# " + $0.label.prefix(1).uppercased() + $0.label.dropFirst() + ": " + Self.short($0.statement) } ?? ""
            if let when = rule.when { heading += (heading.isEmpty ? "# " : " ") + "(solo cuando \(when.field) es \(when.value))" }
            if !heading.isEmpty { lines.append(heading) }
            for field in rule.fields where !written.contains(field) {
                if let list = rule.list, list.field == field {
                    listBlock(list)
                    continue
                }
                written.insert(field)
                if field == rule.attachmentField {
                    lines.append("\(field):   # el nombre del archivo dado con --attach (p. ej. oficio.pdf), o su ruta en la carpeta")
                } else if let when = rule.when, when.field == field {
                    // A yes/no condition takes true or false only (`DocumentRule.failures`).
                    let choices = ["true", "false"].contains(when.value) ? "true o false" : "\(when.value) u otro valor"
                    lines.append("\(field):   # \(choices); lo que sigue se exige solo si es \(when.value)")
                } else {
                    lines.append("\(field):")
                }
            }
            if let list = rule.list, !rule.fields.contains(list.field) { listBlock(list) }
            for field in rule.trueFields where written.insert(field).inserted {
                lines.append("\(field): false   # cámbielo a true cuando lo haya verificado")
            }
        }
        lines += ["---", "", "# \(path.split(separator: "/").last.map(String.init) ?? path)", "",
                  "<!-- Escriba aquí el texto del documento. -->", ""]
        return lines.joined(separator: "\n")
    }

    /// A norm's text cut to one comment line, at the end of a word.
    static func short(_ text: String) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        guard flat.count > 90 else { return flat }
        var cut = flat.prefix(89)
        if let space = cut.lastIndex(of: " "), cut.distance(from: cut.startIndex, to: space) >= 40 { cut = cut[..<space] }
        while let last = cut.last, " ,;:".contains(last) { cut = cut.dropLast() }
        return cut + "…"
    }
}
