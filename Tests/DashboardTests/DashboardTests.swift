@testable import Dashboard
import Casebook
import Foundation
import Testing
import TestSupport

@Suite("folio serve: the read-only dashboard", .serialized)
struct DashboardTests {
    static let fixture: DashboardFixture = try! DashboardFixture()

    @Test("portada: cases by procedure and state, overdue and due this week, what waits on each person, the week's movements")
    func home() throws {
        let server = try Server(directory: Self.fixture.path)
        let page = try server.get("/")
        #expect(page.status == 200)
        for heading in ["Expedientes por procedimiento y estado", "Vencidos", "Vencen esta semana", "Qué espera a cada persona",
                        "Movimientos de la semana"] {
            #expect(page.body.contains(heading), "\(heading)")
        }
        #expect(page.body.contains("/expedientes?procedimiento=4&amp;estado=closed"), "the closed P4 case is counted and linked")
        #expect(page.body.contains("PROD-2026-11") && page.body.contains("Carla Méndez"), "HRO's step 02 waits on the secretary")
        #expect(page.headers.lowercased().contains("content-security-policy: default-src 'none'"))
        #expect(!page.body.contains("<script"), "pages work without JavaScript")
    }

    @Test("'folio -C DIR serve' and its alias 'tablero' serve DIR, as 'serve -C DIR' does", arguments: ["serve", "tablero"])
    func leadingDirectory(command: String) throws {
        let server = try Server(directory: Self.fixture.path, leading: true, command: command)
        #expect(try server.get("/").body == (try Server(directory: Self.fixture.path).get("/")).body)
        #expect(try server.get("/expediente/PI-2026-0001").status == 200)
    }

    @Test("expediente: front matter, the timeline with signature status, documents with SHA-256 and download, the chart with the loop taken, verify's findings")
    func casePage() throws {
        let server = try Server(directory: Self.fixture.path)
        var page = try server.get("/expediente/PI-2026-0001")
        // verify runs in the background once per HEAD: the page says so until it is done.
        for _ in 0..<50 where page.body.contains("en curso") {
            Thread.sleep(forTimeInterval: 0.2)
            page = try server.get("/expediente/PI-2026-0001")
        }
        #expect(page.status == 200)
        for part in ["Encabezado del expediente", "0289347", "Hoja de ruta", "sin firma", "SEGEPLAN observa el presupuesto",
                     "Dónde está en el procedimiento", "1 vuelta", "Documentos", "Procedimiento terminado (FIN)",
                     "folio verify no encuentra nada en este expediente"] {
            #expect(page.body.contains(part), "\(part)")
        }
        // The document's SHA-256 is sha256sum's, and the download gives the committed bytes.
        let file = Self.fixture.path + "/cases/2026/PI-2026-0001/expediente.md"
        let sum = try Sandbox.run("/usr/bin/sha256sum", [file], in: Self.fixture.path).out.split(separator: " ")[0]
        #expect(page.body.contains(String(sum)))
        #expect(try server.bytes("/expediente/PI-2026-0001/archivo/expediente.md") == FileManager.default.contents(atPath: file))
        #expect(try server.get("/expediente/PI-2026-0001/archivo/../../../roles.yaml").status == 404)
        #expect(try server.get("/expediente/NO-EXISTE").status == 404)
    }

    @Test("a committed document cannot run anything in the reader's browser: raw HTML shown as text, javascript: links dropped")
    func hostileMarkdown() throws {
        let server = try Server(directory: Self.fixture.path)
        let page = try server.get("/expediente/PI-2026-0001")
        #expect(!page.body.contains("<script>alert"))
        #expect(page.body.contains("&lt;script&gt;alert"))
        #expect(!page.body.lowercased().contains("javascript:"))
        #expect(page.body.contains("href=\"https://snip.example.org\""))
        // Quotes inside a link's address or an image's description cannot add attributes.
        #expect(!page.body.contains("style=\"position:fixed") && !page.body.contains("onerror="))
        #expect(page.body.contains("href=\"http://a.example/\""))
        #expect(page.body.contains("<code>&lt;b&gt;código&lt;/b&gt;</code>"), "code is shown as written, escaped once")
    }

    @Test("documents with spaces and accents download; a folder is not a document; the feed ignores the Host header")
    func downloadsAndFeed() throws {
        let server = try Server(directory: Self.fixture.path)
        let page = try server.get("/expediente/PI-2026-0001")
        #expect(page.body.contains("/archivo/anexos/Acta%20de%20reuni%C3%B3n.pdf"))
        #expect(try server.bytes("/expediente/PI-2026-0001/archivo/anexos/Acta%20de%20reuni%C3%B3n.pdf") == Data("%PDF-1.4 acta\n".utf8))
        #expect(try server.get("/expediente/PI-2026-0001/archivo/anexos").status == 404)
        #expect(try server.get("/expediente/PI-2026-0001/archivo/anexos%2F..%2F..%2Froles.yaml").status == 404)
        let feed = try server.get("/novedades.atom", headers: ["Host: evil.example"])
        #expect(!feed.body.contains("evil.example") && feed.body.contains("http://127.0.0.1:"))
    }

    @Test("procedimiento: swimlanes per role, INICIO and FIN, decision diamonds with Sí/No, the loop back to 02, the exit")
    func flowchart() throws {
        let server = try Server(directory: Self.fixture.path)
        let page = try server.get("/procedimiento/4")
        #expect(page.status == 200)
        for part in ["<svg", "Jefe de Departamento", "Analista", ">INICIO<", ">FIN<", "<polygon", ">Sí<", ">No<", "Sale del",
                     "stroke-dasharray=\"5 3\"", "espera"] {
            #expect(page.body.contains(part), "\(part)")
        }
        #expect(page.body.components(separatedBy: "<polygon").count - 1 == 2, "P4 has two decisions (04 and 10)")
        #expect(try server.get("/procedimiento/3").body.contains("por dependencia"))
    }

    @Test("producción y metas: the month with its dependencies, and a dependency's series as a chart")
    func production() throws {
        let server = try Server(directory: Self.fixture.path)
        let page = try server.get("/produccion")
        #expect(page.status == 200 && page.body.contains("PROD-2026-11") && page.body.contains("2 iniciadas"))
        let series = try server.get("/produccion?dependencia=HGE")
        #expect(series.body.contains("<svg") && series.body.contains("Consultas médicas"))
    }

    @Test("novedades: filtered by person, procedure and dependency; the same as an Atom feed that parses as XML")
    func news() throws {
        let server = try Server(directory: Self.fixture.path)
        let all = try server.get("/novedades")
        #expect(all.body.contains("PI-2026-0001") && all.body.contains("PROD-2026-11"))
        let rodrigo = try server.get("/novedades?persona=rgarcia")
        #expect(rodrigo.body.contains("Rodrigo García") && !rodrigo.body.contains("Carla Méndez (secretaria)"))
        let hge = try server.get("/novedades?dependencia=HGE")
        #expect(hge.body.contains("HGE") && !hge.body.contains("Rosa Tzul"))
        let feed = try server.get("/novedades.atom?procedimiento=3")
        #expect(feed.headers.contains("application/atom+xml"))
        let box = Sandbox()
        try box.write(feed.body, to: "feed.xml")
        let parsed = try Sandbox.run("/usr/bin/env", ["python3", "-c",
            "import xml.dom.minidom,sys; d=xml.dom.minidom.parse(sys.argv[1]); print(len(d.getElementsByTagName('entry')))", box.path + "/feed.xml"],
                                     in: box.path)
        #expect(parsed.ok && parsed.out.trimmingCharacters(in: .whitespacesAndNewlines) == "3", "HGE 01, HRO 01 and HGE 02: the P3 month's steps: \(parsed.out)\(parsed.err)")
    }

    @Test("beyond loopback there is no anonymous access: folio serve refuses to start without the proxy's header")
    func refusesAnonymous() throws {
        let r = try Sandbox.run(DashboardFixture.binary, ["serve", "-C", Self.fixture.path, "--host", "0.0.0.0", "--port", "0"],
                                in: Self.fixture.path)
        #expect(!r.ok && r.err.contains("acceso anónimo") && r.err.contains("--cabecera-usuario"))
    }

    @Test("the proxy's header: forged from outside the proxy's address is refused; missing, unknown or a contact's view")
    func access() throws {
        // The proxy is elsewhere: a request from this machine carrying the header is refused.
        let elsewhere = try Server(directory: Self.fixture.path, arguments: ["--cabecera-usuario", "X-Remote-User", "--proxy", "10.9.9.9"])
        let forged = try elsewhere.get("/", headers: ["X-Remote-User: mrodriguez"])
        #expect(forged.status == 403 && forged.body.contains("proxy"))

        let server = try Server(directory: Self.fixture.path, arguments: ["--cabecera-usuario", "X-Remote-User", "--proxy", "127.0.0.1"])
        #expect(try server.get("/").status == 401)
        #expect(try server.get("/", headers: ["X-Remote-User: intruso@example.org"]).status == 403)
        let jefe = try server.get("/expediente/PI-2026-0001", headers: ["X-Remote-User: mrodriguez@igss.gob.gt"])
        #expect(jefe.status == 200 && jefe.body.contains("María Rodríguez (mrodriguez)"))

        // A dependency's contact sees only their cases and files.
        let hge = ["X-Remote-User: hge"]
        let home = try server.get("/", headers: hge)
        #expect(home.status == 200 && home.body.contains("PROD-2026-11") && !home.body.contains("PI-2026-0001"))
        #expect(try server.get("/expediente/PI-2026-0001", headers: hge).status == 404)
        let month = try server.get("/expediente/PROD-2026-11", headers: hge)
        #expect(month.status == 200 && month.body.contains("produccion/HGE.csv") && !month.body.contains("produccion/HRO.csv"))
        #expect(try server.get("/expediente/PROD-2026-11/archivo/produccion/HRO.csv", headers: hge).status == 404)
        #expect(try server.get("/expediente/PROD-2026-11/archivo/produccion/HGE.csv", headers: hge).status == 200)
        #expect(!(try server.get("/novedades", headers: hge)).body.contains("Rosa Tzul"))
        // Not even the other dependencies' codes and positions.
        #expect(!month.body.contains("HRO") && !month.body.contains("hro"))
        #expect(!(try server.get("/expedientes", headers: hge)).body.contains("HRO"))
        #expect(!(try server.get("/produccion", headers: hge)).body.contains("2 iniciadas"))
    }

    @Test("a case whose folder was deleted outside folio: the list says dañado, its page says why and how to restore it, shows its steps and no other file of the repository")
    func deletedFolder() throws {
        let box = Sandbox()
        let clone = box.path + "/clon"
        #expect(try Sandbox.git(["clone", "-q", Self.fixture.path, clone], in: box.path).ok)
        let folder = try Sandbox.gitOut(["ls-tree", "-d", "--name-only", "HEAD", "cases/2026/PI-2026-0001"], in: clone)
        #expect(try Sandbox.git(["rm", "-rq", folder], in: clone).ok)
        #expect(try Sandbox.git(["-c", "user.name=María Rodríguez", "-c", "user.email=mrodriguez@igss.gob.gt", "commit", "-qm", "Borrado"], in: clone).ok)
        let server = try Server(directory: clone)
        let list = try server.get("/expedientes").body
        let row = try #require(list.components(separatedBy: "<tr>").first { $0.contains("PI-2026-0001") })
        #expect(row.contains("dañado") && !row.contains("cerrado"), "\(row)")
        let page = try server.get("/expediente/PI-2026-0001")
        #expect(page.status == 200, "\(page.body)")
        #expect(page.body.contains("Dañado") && page.body.contains("git checkout") && page.body.contains("folio note PI-2026-0001"))
        #expect(page.body.contains("Paso 02") && page.body.contains("Hospital de Chimaltenango"))
        // (verify's findings, which the page lists, may name roles.yaml in their words.)
        #expect(!page.body.contains("<h3>roles.yaml") && !page.body.contains("roles.yaml\"") && !page.body.contains("PROD-2026"),
                "no file of the repository is shown as the case's")
        // The other cases are as before.
        #expect(try server.get("/expediente/PROD-2026-11").status == 200)
    }

    @Test("served from the shared bare repository: current after a push; reading changes nothing in the repository")
    func bareAndReadOnly() throws {
        let box = Sandbox()
        let bare = box.path + "/compartido.git"
        #expect(try Sandbox.git(["clone", "-q", "--bare", Self.fixture.path, bare], in: box.path).ok)
        func state(_ dir: String) throws -> String {
            try Sandbox.gitOut(["for-each-ref", "--format=%(refname) %(objectname)"], in: dir)
                + (try Sandbox.gitOut(["count-objects", "-v"], in: dir))
        }
        let before = try state(bare)
        let clonedWork = try Sandbox.gitOut(["status", "--porcelain"], in: Self.fixture.path)
        let server = try Server(directory: bare)
        #expect(try server.get("/expedientes").body.contains("PI-2026-0001"))
        #expect(try server.get("/expediente/PI-2026-0001").body.contains("Hoja de ruta"))
        _ = try server.get("/produccion?dependencia=HGE")
        #expect(try state(bare).components(separatedBy: "\n").first == before.components(separatedBy: "\n").first, "refs unchanged")
        #expect(try Sandbox.gitOut(["status", "--porcelain"], in: Self.fixture.path) == clonedWork)

        // A step pushed into the shared repository shows at once.
        let clone = box.path + "/clon"
        #expect(try Sandbox.git(["clone", "-q", bare, clone], in: box.path).ok)
        _ = try Sandbox.git(["config", "user.email", "cmendez@igss.gob.gt"], in: clone)
        _ = try Sandbox.git(["config", "user.name", "Carla Méndez"], in: clone)
        let step = try Sandbox.run(DashboardFixture.binary, ["step", "PROD-2026-11", "02", "--dependency", "HRO", "--as", "cmendez"], in: clone,
                                   env: ["FOLIO_DATE": "2026-11-28T09:00:00-06:00"])
        #expect(step.ok, "\(step.err)")
        #expect(try Sandbox.git(["push", "-q", "origin", "main"], in: clone).ok)
        let month = try server.get("/expediente/PROD-2026-11")
        #expect(month.body.contains("02 · 2026-11-28"), "HRO's step 02 appears after the push")
    }
}

@Suite("Text on the dashboard's pages")
struct DashboardEscapeTests {
    @Test("HTML text drops control characters and the invisible bidirectional marks (attack36: a stored 'odalecnaC' showed as 'Cancelado'), and escapes markup")
    func bidiDropped() {
        #expect(HTML.escape("Proyecto \u{202E}odalecnaC\u{202C}") == "Proyecto odalecnaC")
        #expect(HTML.escape("a\u{2066}b\u{200F}c\u{1B}[2Kd\u{9B}e") == "abc[2Kde")
        #expect(HTML.escape("<b>\"x\" & 'y'</b>\nz") == "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;\nz")
    }
}

@Suite("Markdown documents on the dashboard")
struct MarkdownViewTests {
    @Test("a document with front matter shows its fields as a table and its text as Markdown (attack36: the YAML ran through Markdown, '_' as emphasis); folio's character references in table cells are not escaped twice, and raw markup stays text")
    func frontMatterAndReferences() {
        let html = MarkdownView.render("---\nnombre_procedimiento: POA\nversion_procedimiento: \"2013.1\"\n---\n# Índice\n\n| Título |\n|---|\n| &lt;script&gt; a\\|b |\n\n<b>hola</b> & más\n")
        #expect(html.contains("<td>nombre_procedimiento</td>") && !html.contains("<em>"), "\(html)")
        #expect(html.contains("&lt;script&gt;") && !html.contains("&amp;lt;"), "\(html)")
        #expect(html.contains("&lt;b&gt;hola&lt;/b&gt;") && html.contains("&amp; más") && !html.contains("<b>"), "\(html)")
        // Control characters and invisible marks of a document's text are not passed to the page (attack37).
        let marked = MarkdownView.render("Proyecto \u{202E}odalecnaC\u{1B}[8m y\u{200B} más\n")
        #expect(marked.contains("Proyecto odalecnaC[8m y más") && !marked.unicodeScalars.contains { SafeText.isControl($0) && $0 != "\n" }, "\(marked)")
    }
}
