import Procedures

/// A person of `roles.yaml`: department staff, or the registered contact of an external actor.
public struct Persona: Codable, Equatable, Sendable {
    public var id: String
    public var name: String
    public var email: String
    public var roles: [Role]
    /// For contacts of a dependency or executing unit: the code they act for.
    public var dependency: String?
    /// The full name of that dependency or unit (Hospital General de Enfermedades).
    public var dependencyName: String?
    /// An SSH public key; when present, this person's steps must be signed (issue 4).
    public var sshKey: String?

    public init(id: String, name: String, email: String, roles: [Role], dependency: String? = nil, sshKey: String? = nil,
                dependencyName: String? = nil) {
        self.dependencyName = dependencyName
        self.id = id
        self.name = name
        self.email = email
        self.roles = roles
        self.dependency = dependency
        self.sshKey = sshKey
    }

    enum CodingKeys: String, CodingKey {
        case id, name = "nombre", email = "correo", roles, dependency = "dependencia", dependencyName = "nombre_dependencia", sshKey = "clave_ssh"
    }

    /// `Nombre <correo>`, as git writes identities.
    public var identity: String { "\(name) <\(email)>" }

    public func holds(_ role: Role) -> Bool { roles.contains(role) }

    /// The role this persona acts in for a step any of `roles` may do: the first of their own, as
    /// roles.yaml lists them (an analyst who is also an assistant records as analista).
    public func acting(in roles: [Role]) -> Role? { self.roles.first(where: roles.contains) }

    /// Whether the persona holds the role of a dependency or executing unit.
    public var isExternalContact: Bool { roles.contains(where: \.isExternal) }

    /// Whether the persona holds the role of a dependency or executing unit and no staff role.
    public var isOnlyContact: Bool { isExternalContact && !roles.contains { !$0.isExternal } }

    /// Whether this person is the registered contact of the dependency `code` (who alone writes its data).
    public func isContact(of code: String?) -> Bool {
        isExternalContact && code != nil && dependency.flatMap(CaseID.dependencyCode) == code
    }
}
