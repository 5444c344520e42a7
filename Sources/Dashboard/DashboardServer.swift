import Casebook
import GitStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Procedures

/// How `folio serve` runs: where, and who may read beyond this machine.
public struct DashboardConfiguration: Sendable {
    public var repository: String
    public var host: String
    public var port: Int
    /// Beyond loopback, the header the institution's reverse proxy sets with the signed-in user's
    /// id or e-mail of `roles.yaml` (for example `X-Remote-User`); nil: loopback only.
    public var userHeader: String?
    /// The addresses the proxy connects from: a request from anywhere else is refused, with or
    /// without the header, so the header cannot be forged by going around the proxy.
    public var trustedProxies: [String]
    public var now: @Sendable () -> Date
    /// The address people reach the dashboard by (the proxy's), for the links of the Atom feed.
    public var publicURL: String

    public init(repository: String, host: String = "127.0.0.1", port: Int = 8080, userHeader: String? = nil,
                trustedProxies: [String] = [], publicURL: String? = nil, now: @escaping @Sendable () -> Date = { Date() }) {
        self.publicURL = (publicURL ?? "http://\(host.contains(":") ? "[\(host)]" : host):\(port)").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        self.repository = repository
        self.host = host
        self.port = port
        self.userHeader = userHeader
        self.trustedProxies = trustedProxies
        self.now = now
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Refuses a configuration that would give anonymous access beyond this machine.
    public func validate() throws {
        guard !Self.isLoopback(host) else { return }
        guard let header = userHeader, !header.isEmpty, !trustedProxies.isEmpty else {
            throw CasebookError.invalidValue(
                option: "folio serve", reason: "escuchar en \(host) daría acceso anónimo desde otras máquinas",
                fix: "Póngalo detrás del proxy de la institución con --cabecera-usuario X-Remote-User --proxy DIRECCION_DEL_PROXY, o use --host 127.0.0.1.")
        }
    }
}

/// The read-only web dashboard over a case repository (a clone or the shared bare repository).
public enum DashboardServer {
    /// Serves until the process is stopped; `onReady` receives the port actually bound (for `--port 0`).
    public static func run(_ configuration: DashboardConfiguration, onReady: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        try configuration.validate()
        let view = RepositoryView(path: configuration.repository, now: configuration.now)
        _ = try await view.current()
        let router = Router(context: DashboardContext.self)
        routes(router, view: view, configuration: configuration)
        var logger = Logger(label: "folio-serve")
        logger.logLevel = .error
        let app = Application(router: router, configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                                                                  serverName: "folio"),
                              onServerRunning: { channel in onReady(channel.localAddress?.port ?? configuration.port) }, logger: logger)
        try await app.runService()
    }

    static func routes(_ router: Router<DashboardContext>, view: RepositoryView, configuration: DashboardConfiguration) {
        @Sendable func page(_ request: Request, _ context: DashboardContext,
                  _ render: @escaping @Sendable (Snapshot, Viewer) async throws -> Output) async -> Response {
            do {
                let snapshot = try await view.current()
                let viewer = try Access.viewer(request, context, snapshot: snapshot, configuration: configuration)
                // Drawn once per HEAD, viewer and address; a page that waits for verify is drawn again.
                let key = "\(viewer.key)|\(request.uri.description)|\(await view.report(for: snapshot.head) != nil)"
                if let html = await view.page(key, head: snapshot.head) { return .html(html) }
                switch try await render(snapshot, viewer) {
                case .page(let html):
                    await view.store(html, key: key, head: snapshot.head)
                    return .html(html)
                case .other(let response):
                    return response
                }
            } catch let refusal as Refusal {
                return refusal.response
            } catch {
                return Refusal(status: .internalServerError, title: "No se pudo leer el repositorio", message: "\(error)").response
            }
        }
        router.get("/") { request, context in
            await page(request, context) { s, viewer in .html(HomePage.render(s, viewer: viewer)) }
        }
        router.get("/expedientes") { request, context in
            await page(request, context) { s, viewer in
                let q = request.uri.queryParameters
                return .html(CaseListPage.render(s, viewer: viewer, procedure: q.get("procedimiento").flatMap { Int(String($0)) },
                                                 state: q.get("estado").map { String($0) }.flatMap { $0.isEmpty ? nil : $0 }))
            }
        }
        router.get("/expediente/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            return await page(request, context) { s, viewer in
                guard let whole = s.status(id), viewer.maySee(whole) else { throw Refusal.notFound("el expediente \(id)") }
                let status = viewer.redact(whole)
                let report = await view.report(for: s.head)
                return .html(try CasePage.render(status, snapshot: s, book: try view.open(), report: report, viewer: viewer))
            }
        }
        router.get("/expediente/:id/archivo/**") { request, context in
            let id = context.parameters.get("id") ?? ""
            // The page links each segment percent-encoded; a decoded segment may not hide a '/'.
            let segments = context.parameters.getCatchAll().map { String($0).removingPercentEncoding ?? "" }
            let path = segments.joined(separator: "/")
            return await page(request, context) { s, viewer in
                guard let status = s.status(id), viewer.maySee(status), viewer.maySee(file: path),
                      !segments.contains(where: { $0.isEmpty || $0 == ".." || $0 == "." || $0.utf8.contains(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "\\") }) })
                else { throw Refusal.notFound("el archivo \(path)") }
                let book = try view.open()
                // Only regular files: a folder or a symbolic link is not a document.
                guard let head = GitStore.OID(hex: s.head), let entry = try book.repository.entry(at: "\(status.path)/\(path)", in: head),
                      entry.mode == 0o100644 || entry.mode == 0o100755 else { throw Refusal.notFound("el archivo \(path)") }
                let data = try book.repository.blob(entry.id)
                return .file(data, name: GitPath.components(path).last ?? "archivo")
            }
        }
        router.get("/procedimientos") { request, context in
            await page(request, context) { s, viewer in .html(ProcedurePage.list(s, viewer: viewer)) }
        }
        router.get("/procedimiento/:n") { request, context in
            let n = context.parameters.get("n").flatMap { Int($0) }
            return await page(request, context) { s, viewer in
                guard let d = s.definitions.first(where: { $0.number == n }) else { throw Refusal.notFound("ese procedimiento") }
                return .html(ProcedurePage.render(d, snapshot: s, viewer: viewer))
            }
        }
        router.get("/produccion") { request, context in
            await page(request, context) { s, viewer in
                .html(try ProductionPage.render(s, book: try view.open(), viewer: viewer,
                                                dependency: request.uri.queryParameters.get("dependencia").map { String($0) }))
            }
        }
        router.get("/novedades") { request, context in
            await page(request, context) { s, viewer in .html(NewsPage.render(s, viewer: viewer, filter: .init(request))) }
        }
        router.get("/novedades.atom") { request, context in
            await page(request, context) { s, viewer in
                // Links in the feed use the configured address, never the request's Host header.
                return .atom(NewsPage.atom(s, viewer: viewer, filter: .init(request), base: configuration.publicURL))
            }
        }
    }
}

extension NewsPage.Filter {
    init(_ request: Request) {
        let q = request.uri.queryParameters
        func text(_ key: String) -> String? { q.get(key).map { String($0) }.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 } }
        self.init(persona: text("persona"), procedure: text("procedimiento").flatMap { Int($0) }, dependency: text("dependencia"))
    }
}

/// What a route draws: a page (kept per HEAD), or another response (a feed, a document).
enum Output: Sendable {
    case page(String)
    case other(Response)

    static func html(_ text: String) -> Output { .page(text) }
    static func atom(_ text: String) -> Output { .other(Response.atom(text)) }
    static func file(_ data: Data, name: String) -> Output { .other(Response.file(data, name: name)) }
}

/// The request context: Hummingbird's, plus the address the request came from.
struct DashboardContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The peer's IP address (the reverse proxy's, behind one).
    let remoteAddress: String?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }
}

/// A refusal shown as a Spanish page with its HTTP status.
struct Refusal: Error {
    var status: HTTPResponse.Status
    var title: String
    var message: String

    static func notFound(_ what: String) -> Refusal {
        Refusal(status: .notFound, title: "No encontrado", message: "No existe \(what), o no tiene acceso a él.")
    }

    var response: Response {
        let body = "<!DOCTYPE html><html lang=\"es\"><head><meta charset=\"utf-8\"><title>\(HTML.escape(title))</title></head><body>"
            + "<h1>\(HTML.escape(title))</h1><p>\(HTML.escape(message))</p><p><a href=\"/\">Portada</a></p></body></html>"
        return .html(body, status: status)
    }
}

extension Response {
    /// Headers every page carries: no script may run, no content sniffing, no referrer leaks.
    static var safety: HTTPFields {
        var headers = HTTPFields()
        headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        headers[.cacheControl] = "no-store"
        return headers
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = safety
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func atom(_ text: String) -> Response {
        var headers = safety
        headers[.contentType] = "application/atom+xml; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A committed document as it is: the browser shows PDFs and pictures, downloads the rest.
    static func file(_ data: Data, name: String) -> Response {
        var headers = safety
        let lower = name.lowercased()
        let type: String
        switch lower.split(separator: ".").last.map(String.init) ?? "" {
        case "pdf": type = "application/pdf"
        case "png": type = "image/png"
        case "jpg", "jpeg": type = "image/jpeg"
        case "html": type = "text/html; charset=utf-8"
        case "md", "csv", "txt": type = "text/plain; charset=utf-8"
        default: type = "application/octet-stream"
        }
        headers[.contentType] = type
        let inline = ["pdf", "png", "jpg", "jpeg", "html", "md", "csv", "txt"].contains { lower.hasSuffix("." + $0) }
        let safeName = name.filter { $0.isLetter || $0.isNumber || "-_.".contains($0) }
        headers[.contentDisposition] = "\(inline ? "inline" : "attachment"); filename=\"\(safeName)\""
        // A committed HTML report is shown sandboxed: no script, no form, no same-origin access.
        if type.hasPrefix("text/html") { headers[.contentSecurityPolicy] = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:" }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
