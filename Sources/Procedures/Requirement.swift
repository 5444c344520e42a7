/// What must be in the case before a step is recorded (checked by folio, refused when missing).
public struct Requirement: Equatable, Sendable {
    public var step: String
    /// Front-matter keys of `expediente.md` that must hold a value.
    public var fields: [String] = []
    /// Applies only when this key of `expediente.md` holds this value (P7: staff involved).
    public var when: Condition?
    public var documents: [DocumentRule] = []
    /// Front-matter keys of `expediente.md` that must be `true` (a check the person attests).
    public var trueFields: [String] = []
    /// Applies only when the step is recorded with this decision (P6-04: only "sí" needs the
    /// request complete; an incomplete request is the reason for "no").
    public var decision: Bool? = nil
    /// An evaluation, not a refusal: the step records what is missing (P6-03, the analyst's
    /// evaluation of the request) and goes ahead.
    public var evaluatesOnly: Bool = false

    public struct Condition: Equatable, Sendable {
        public var field: String
        public var value: String
    }
}

/// A document of the case and what its front matter must carry.
public struct DocumentRule: Equatable, Sendable {
    /// Path inside the case; `{dependencia}` stands for the step's dependency code, `{anio}` for
    /// the year of a yearly cycle's round (P1's progress report of each January).
    public var path: String
    public var fields: [String] = []
    /// Keys that must be `true` (a check the reviewer attests).
    public var trueFields: [String] = []
    /// A key whose value is a path inside the case that must exist (an attached copy).
    public var attachmentField: String?
    public var list: ListRule?
    /// The rule's checks apply only when this key of the document holds this value (P2 norm 3.3:
    /// only service-providing units); `fields` are checked always.
    public var when: Requirement.Condition? = nil

    public func path(dependency: String?, year: Int? = nil) -> String {
        path.replacingOccurrences(of: "{dependencia}", with: dependency ?? "")
            .replacingOccurrences(of: "{anio}", with: year.map(String.init) ?? "")
    }
}

/// Rules over a list of entries in a document's front matter.
public struct ListRule: Equatable, Sendable {
    public var field: String
    /// Keys every entry must carry.
    public var fields: [String] = []
    /// Keys whose values must be numbers.
    public var numeric: [String] = []
    /// `before + movement = after` on every entry.
    public var balance: Balance?
    /// When every key of `zero` is 0, `requires` must hold text.
    public var noProgress: NoProgress?

    public struct Balance: Equatable, Sendable {
        public var before: String
        public var movement: String
        public var after: String
    }

    public struct NoProgress: Equatable, Sendable {
        public var zero: [String]
        public var requires: String
    }
}

/// One thing a requirement found missing or wrong, with where it is.
public struct RequirementFailure: Equatable, Sendable, CustomStringConvertible {
    /// The file (inside the case) concerned.
    public var file: String
    public var problem: String
    public var fix: String
    /// When the document is missing: what its front matter must carry for this requirement (the
    /// rule's summary; "" for nothing), so that a document several norms need is said once.
    public var missingNeeds: String?

    public var description: String { "\(file): \(problem). \(fix)" }

    public init(file: String, problem: String, fix: String, missingNeeds: String? = nil) {
        self.file = file
        self.problem = problem
        self.fix = fix
        self.missingNeeds = missingNeeds
    }
}

/// A document's front matter as the requirement checks it: plain values, already parsed.
public typealias Fields = [String: any Sendable]

extension Requirement {
    /// The failures of this requirement against the case's documents.
    ///
    /// - Parameters:
    ///   - expediente: the front matter of `expediente.md`.
    ///   - document: the front matter of a document of the case by path (nil: it does not exist;
    ///     an empty dictionary: it exists without front matter).
    ///   - exists: whether a file exists at a path inside the case.
    ///   - describe: what a field of `expediente.md` holds (its JSON Schema's description), to say it.
    public func failures(expediente: Fields, dependency: String?, year: Int? = nil, document: (String) -> Fields?,
                         exists: (String) -> Bool, describe: (String) -> String? = { _ in nil }) -> [RequirementFailure] {
        if let when, Self.text(expediente[when.field]) != when.value { return [] }
        var found: [RequirementFailure] = []
        for field in fields where Self.text(expediente[field]).isEmpty {
            found.append(RequirementFailure(file: "expediente.md",
                                            problem: "falta el campo '\(field)'\(describe(field).map { " (\($0))" } ?? "") o está vacío",
                                            fix: "Complételo en el encabezado YAML o con --set \(field)=VALOR."))
        }
        for field in trueFields where (expediente[field] as? Bool) != true {
            found.append(RequirementFailure(file: "expediente.md", problem: "el campo '\(field)' debe ser true",
                                            fix: "Verifíquelo y escriba '\(field): true' en el encabezado YAML (o --set \(field)=true)."))
        }
        for rule in documents {
            let path = rule.path(dependency: dependency, year: year)
            guard let doc = document(path) else {
                var fix = path.contains("/") ? "Póngalo en \(path) dentro de la carpeta del expediente"
                    : "Agréguelo a la carpeta del expediente o adjúntelo con --attach \(path)"
                fix += rule.summary.isEmpty ? "." : "; su encabezado YAML debe llevar: \(rule.summary)."
                found.append(RequirementFailure(file: path, problem: "falta el documento", fix: fix, missingNeeds: rule.summary))
                continue
            }
            found += rule.failures(doc, path: path, exists: exists)
        }
        return found
    }

    /// A value as text: "" for absent, null or empty; numbers and booleans as YAML writes them.
    public static func text(_ value: (any Sendable)?) -> String {
        switch value {
        case nil: return ""
        case let s as String: return s.trimmingCharacters(in: .whitespacesAndNewlines)
        case let b as Bool: return b ? "true" : "false"
        case let list as [any Sendable]: return list.isEmpty ? "" : "\(list)"
        case let map as [String: any Sendable]: return map.isEmpty ? "" : "\(map)"
        case let v?: return "\(v)"
        }
    }

    /// A value as a number, when it is one (YAML numbers, or text such as "1,250.5").
    public static func number(_ value: (any Sendable)?) -> Double? {
        switch value {
        case let i as Int: return Double(i)
        case let d as Double: return d
        case let s as String: return Double(s.replacingOccurrences(of: ",", with: "").trimmingCharacters(in: .whitespaces))
        default: return nil
        }
    }
}

extension DocumentRule {
    func failures(_ doc: Fields, path: String, exists: (String) -> Bool) -> [RequirementFailure] {
        var found: [RequirementFailure] = []
        func fail(_ problem: String, _ fix: String) { found.append(RequirementFailure(file: path, problem: problem, fix: fix)) }
        for field in fields where Requirement.text(doc[field]).isEmpty {
            fail("falta el campo '\(field)' o está vacío", "Complételo en el encabezado YAML del documento.")
        }
        if let when {
            // A yes/no condition takes true or false, nothing else: "sí" or "pendiente" would
            // otherwise read as "no" and leave the checks below unasked (helper121: norm 3.3
            // skipped for `presta_servicios: sí`).
            if ["true", "false"].contains(when.value), !Requirement.text(doc[when.field]).isEmpty, !(doc[when.field] is Bool) {
                fail("el campo '\(when.field)' debe ser true o false (dice '\(Requirement.text(doc[when.field]))')",
                     "Escriba '\(when.field): true' o '\(when.field): false' en el encabezado YAML.")
                return found
            }
            if Requirement.text(doc[when.field]) != when.value { return found }
        }
        for field in trueFields where (doc[field] as? Bool) != true {
            fail("el campo '\(field)' debe ser true", "Verifíquelo y escriba '\(field): true' en el encabezado YAML.")
        }
        if let key = attachmentField, !Requirement.text(doc[key]).isEmpty {
            let target = Requirement.text(doc[key])
            // The name given to --attach is enough: the copy is in anexos/.
            // The slash as a byte: a name may join it into a larger character ("/\u{301}x").
            let slash = UInt8(ascii: "/")
            let name = target.utf8.split(separator: slash).last.map { String(decoding: $0, as: UTF8.self) } ?? ""
            if target.contains("..") || target.utf8.first == slash
                || !(exists(target) || !target.utf8.contains(slash) && exists("anexos/" + target)) {
                fail("'\(key)' nombra \(target), que no está en la carpeta del expediente",
                     "Adjunte la copia (p. ej. --attach \(name)) o corrija la ruta.")
            }
        }
        if let list { found += list.failures(doc, path: path) }
        return found
    }
}

extension ListRule {
    func failures(_ doc: Fields, path: String) -> [RequirementFailure] {
        var found: [RequirementFailure] = []
        func fail(_ problem: String, _ fix: String) { found.append(RequirementFailure(file: path, problem: problem, fix: fix)) }
        guard let entries = doc[field] as? [any Sendable], !entries.isEmpty else {
            fail("'\(field)' debe ser una lista con al menos una entrada", "Escriba una entrada por línea que empiece con '- '.")
            return found
        }
        for (i, raw) in entries.enumerated() {
            let place = "\(field)[\(i + 1)]"
            guard let entry = raw as? Fields else {
                fail("\(place) no es una entrada con claves", "Cada entrada lleva \(fields.joined(separator: ", ")).")
                continue
            }
            for key in fields where Requirement.text(entry[key]).isEmpty {
                fail("a \(place) le falta '\(key)'", "Complete la entrada.")
            }
            for key in numeric where !Requirement.text(entry[key]).isEmpty && Requirement.number(entry[key]) == nil {
                fail("\(place).\(key) debe ser un número (dice '\(Requirement.text(entry[key]))')", "Escriba solo la cantidad, p. ej. 1250.")
            }
            if let b = balance, let before = Requirement.number(entry[b.before]), let move = Requirement.number(entry[b.movement]),
               let after = Requirement.number(entry[b.after]), abs(before + move - after) > 1e-9 {
                fail("en \(place) el saldo no cuadra: \(b.before) \(Self.show(before)) + \(b.movement) \(Self.show(move)) = \(Self.show(before + move)), no \(Self.show(after))",
                     "Corrija '\(b.before)', '\(b.movement)' o '\(b.after)'.")
            }
            if let rule = noProgress, rule.zero.allSatisfy({ Requirement.number(entry[$0]) == 0 }),
               Requirement.text(entry[rule.requires]).isEmpty {
                fail("\(place) no tiene avance (\(rule.zero.joined(separator: " y ")) en 0) y no anota los motivos",
                     "Escriba '\(rule.requires):' con los motivos de la no ejecución.")
            }
        }
        return found
    }

    static func show(_ n: Double) -> String {
        n == n.rounded() ? String(Int(n)) : String(n)
    }
}
