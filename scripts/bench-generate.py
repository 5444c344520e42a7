#!/usr/bin/env python3
"""Writes a git fast-import stream of a synthetic case repository with folio's real layout:
roles.yaml, folio.yaml, schemas/, and CASES expedientes under cases/<AAAA>/<ID>/ over ten
years, each with a valid history of step commits (trailers, authors holding the roles,
per-dependency threads), most steps editing the case's files. Deterministic (fixed seed).

    scripts/bench-generate.py CASES SCHEMAS_DIR [--signed] | git fast-import

With --signed every person has a `clave_ssh` (bench_keys.py) and folio.yaml says
`firma: obligatoria`; then `scripts/bench-sign.py REPO` signs every commit as its author.
"""
import os, random, sys

cases_wanted = int(sys.argv[1])
schemas = sys.argv[2]
signed = "--signed" in sys.argv[3:]
if signed:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from bench_keys import public_line
random.seed(16)
out = sys.stdout.buffer
mark = [0]

def data(b):
    out.write(b"data %d\n" % len(b)); out.write(b); out.write(b"\n")

people = {
    "jefe": [("María Rodríguez", "mrodriguez@igss.gob.gt", "mrodriguez")],
    "asistente": [("Jorge Pérez", "jperez@igss.gob.gt", "jperez"), ("Lucía Ramírez", "lramirez@igss.gob.gt", "lramirez")],
    "analista": [("Ana López", "alopez@igss.gob.gt", "alopez"), ("Rodrigo García", "rgarcia@igss.gob.gt", "rgarcia"),
                 ("Sofía Morales", "smorales@igss.gob.gt", "smorales")],
    "secretaria": [("Carla Méndez", "cmendez@igss.gob.gt", "cmendez")],
}
deps = ["HGE", "HGA", "HRO", "HJA", "HES", "HMZ", "HCO", "HPB", "CVN", "CMX", "IVC", "IVQ"]
units = ["INFRA", "TIC", "EQUIPO", "OBRAS"]
people["dependencia"] = [("Enlace " + d, "enlace.%s@igss.gob.gt" % d.lower(), d.lower()) for d in deps]
people["unidad-ejecutora"] = [("Unidad " + u, "unidad.%s@igss.gob.gt" % u.lower(), u.lower()) for u in units]

def roster():
    lines = ["personas:"]
    seen = {}
    for role, ps in people.items():
        for (n, e, i) in ps:
            seen.setdefault(i, (n, e, []))[2].append(role)
    for i, (n, e, roles) in seen.items():
        lines += ["  - id: %s" % i, "    nombre: %s" % n, "    correo: %s" % e, "    roles: [%s]" % ", ".join(roles)]
        if "dependencia" in roles: lines.append("    dependencia: %s" % i.upper())
        if "unidad-ejecutora" in roles: lines.append("    dependencia: %s" % i.upper())
        if signed: lines.append("    clave_ssh: \"%s\"" % public_line(e))
    return ("\n".join(lines) + "\n").encode()

CODES = {1: "PEI", 2: "POA", 3: "PROD", 4: "PI", 5: "AMF", 6: "MMF", 7: "COOP"}
ROLES = {
    1: ["jefe"]*3 + ["asistente"]*2 + ["jefe"]*5 + ["asistente"]*2 + ["jefe"]*2,
    4: ["jefe"]*2 + ["analista"]*3 + ["jefe"]*6 + ["analista"] + ["jefe"]*2,
    6: ["unidad-ejecutora", "jefe", "analista", "analista", "analista", "jefe", "jefe", "jefe", "unidad-ejecutora"],
    7: ["jefe"]*3 + ["asistente"]*2 + ["jefe"],
}

def steps(proc):
    """A valid sequence of (step, role, decision, dependency) for a case of procedure `proc`."""
    if proc in ROLES:
        seq = []
        for i, r in enumerate(ROLES[proc], 1):
            d = "si" if (proc, i) in ((4, 4), (6, 4)) else ("no" if (proc, i) == (4, 10) else None)
            seq.append(("%02d" % i, r, d, None))
        return seq
    if proc == 2:
        seq = [("%02d" % i, r, None, None) for i, r in enumerate(["jefe"]*2 + ["asistente"]*2 + ["jefe"]*5, 1)]
        for d in random.sample(deps, 3):
            seq += [("10", "analista", None, d), ("11", "analista", None, d), ("12", "analista", None, d)]
        return seq
    # A month's round is opened by the jefe, who writes the dependencies it expects
    # (dependencias_esperadas is the jefe's to write, as verify requires).
    if proc == 3:
        seq = [(None, "jefe", None, None)]
        # The dependencies report side by side: every 01, then every 02, and so on, each in its window.
        chosen = random.sample(deps, 4)
        answers = {d: random.choice(["si", "si", "no"]) for d in chosen}
        for step, role in [("01", "dependencia"), ("02", "secretaria"), ("03", "analista"), ("04", "analista"), ("05", "analista")]:
            seq += [(step, role, answers[d] if step == "04" else None, d) for d in chosen]
        return seq + [("06", "analista", None, None), ("07", "jefe", None, None)]
    if proc == 5:
        seq = [(None, "jefe", None, None)]
        for u in random.sample(units, 2): seq.append(("01", "unidad-ejecutora", None, u))
        return seq + [("%02d" % i, r, None, None) for i, r in [(2, "analista"), (3, "analista"), (4, "analista"), (5, "jefe"), (6, "jefe")]]

def definition(proc):
    """The number, name, version and step activities of schemas/procedimiento-N.yaml (plain
    `clave: valor` lines, as they are written there), for the routing slip."""
    info, activities, step = {}, {}, None
    for line in open(os.path.join(schemas, "procedimiento-%d.yaml" % proc), encoding="utf-8"):
        key, _, value = line.strip().lstrip("- ").partition(": ")
        value = value.strip()
        if len(value) > 1 and value[0] == value[-1] and value[0] in "\"'": value = value[1:-1]
        if not line.startswith(" ") and key in ("numero", "nombre", "version"): info[key] = value
        elif key == "paso" and line.lstrip().startswith("- paso:"): step = value
        elif key == "actividad" and step is not None: activities.setdefault(step, value); step = None
    return info, activities

def cell(text):
    """RoutingSlip.cell: one line, pipes escaped, HTML neutral."""
    text = text.replace("\r\n", "\n").strip().replace("\\", "\\\\").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|").replace("\n", "<br>").replace("\r", "<br>")

def slip(cid, proc, rows):
    """The routing slip folio writes with each step (RoutingSlip.render): the case's records so far."""
    info, activities = definitions[proc]
    out = "# Hoja de ruta del expediente %s\n\n" % cid
    out += "Procedimiento %s: %s (versi\u00f3n %s). " % (info["numero"], info["nombre"], info["version"])
    out += "folio reescribe esta hoja con cada paso a partir de la historia del expediente; no la edite: "
    out += "'folio verify' la compara con la historia.\n\n"
    out += "| # | Paso | Actividad | Rol | Persona | Fecha | Decisi\u00f3n | Dependencia | Texto |\n"
    out += "|---:|---|---|---|---|---|---|---|---|\n"
    for i, (step, role, name, t, dec, dep) in enumerate(rows):
        activity = activities.get(step, "(paso desconocido)") if step else ("Apertura del expediente" if i == 0 else "Nota (cambios sin avanzar el procedimiento)")
        decision = {"si": "S\u00ed", "s\u00ed": "S\u00ed", "no": "No"}.get((dec or "").lower(), dec or "")
        # The author's date in their own offset (-0600), as git shows it.
        date = __import__("time").strftime("%Y-%m-%d %H:%M", __import__("time").gmtime(t - 6 * 3600))
        cells = [str(i + 1), step or "", activity, role, name, date, decision, dep or "", ""]
        out += "| " + " | ".join(cell(c) for c in cells) + " |\n"
    return out.encode()

definitions = {proc: definition(proc) for proc in CODES}

def person(role, dep):
    ps = people[role]
    if dep and role in ("dependencia", "unidad-ejecutora"):
        return next(p for p in ps if p[2] == dep.lower())
    return random.choice(ps)

# Cases over ten years; the monthly ones once per month, the rest in a mix.
years = list(range(2017, 2027))
plan = []
for y in years:
    for m in range(1, 13):
        plan.append((3, y, m)); plan.append((5, y, m))
mix = [1] * 1 + [2] * 3 + [4] * 40 + [6] * 25 + [7] * 31
while len(plan) < cases_wanted:
    plan.append((random.choice(mix), random.choice(years), random.randint(1, 12)))
plan = plan[:cases_wanted]
seq_by_year = {}
events = []
for (proc, y, m) in plan:
    if proc in (3, 5):
        cid = "%s-%d-%02d" % (CODES[proc], y, m)
    else:
        n = seq_by_year.get((proc, y), 0) + 1; seq_by_year[(proc, y)] = n
        cid = "%s-%d-%04d" % (CODES[proc], y, n)
    # A production round opens on the 26th (P3's step 01 window), the others any day.
    t = int(__import__("calendar").timegm((y, m, 26 if proc == 3 else random.randint(1, 25), 15, 0, 0))) + random.randint(0, 3000)
    # Not before the repository's first commit (2017-01-02): history does not go back in time.
    t = max(t, int(__import__("calendar").timegm((2017, 1, 2, 15, 0, 0))))
    # A month's round closes (P3-06, P5-02) once the month has ended, as folio and verify require.
    closing = {3: "06", 5: "02"}.get(proc)
    month_end = int(__import__("calendar").timegm((y + m // 12, m % 12 + 1, 1, 15, 0, 0)))
    for k, (step, role, dec, dep) in enumerate(steps(proc)):
        if step is not None and step == closing: t = max(t, month_end + random.randint(0, 3000))
        # P3's approval (04) opens on the 1st of the next month.
        if proc == 3 and step == "04": t = max(t, month_end + random.randint(0, 3000))
        # P1's yearly report (norma 5): presented (12), endorsed (13) and sent (14) during the first
        # January after the designation (10); a designation made in January is moved to February,
        # so that its report is the next January's, whole.
        if proc == 1 and step == "10" and __import__("time").gmtime(t - 6 * 3600).tm_mon == 1:
            t = int(__import__("calendar").timegm((__import__("time").gmtime(t).tm_year, 2, 1, 15, 0, 0)))
        if proc == 1 and step == "10": january = int(__import__("calendar").timegm((__import__("time").gmtime(t - 6 * 3600).tm_year + 1, 1, 2, 15, 0, 0)))
        if proc == 1 and step == "12": t = max(t, january)
        events.append((t, cid, proc, y, m, k, step, role, dec, dep))
        # A production round's steps follow within hours (its windows are days long), as do the
        # January report's; the others' within days.
        # P2's first semester steps (02 to 04) likewise: an instruction of late June is due on the 30th.
        quick = proc == 3 or (proc == 1 and step in ("12", "13")) or (proc == 2 and step in ("01", "02", "03"))
        t += random.randint(600, 3 * 3600) if quick else random.randint(3600, 4 * 86400)
# Each month's round expects the dependencies (units) that report in it: dependencias_esperadas.
expected = {}
for (t, cid, proc, y, m, k, step, role, dec, dep) in events:
    if proc in (3, 5) and dep and dep not in expected.setdefault(cid, []): expected[cid].append(dep)
events.sort()

def commit(author, message, changes, t):
    mark[0] += 1
    out.write(b"commit refs/heads/main\nmark :%d\n" % mark[0])
    n, e = author
    out.write(("author %s <%s> %d -0600\ncommitter %s <%s> %d -0600\n" % (n, e, t, n, e, t)).encode())
    data(message.encode())
    if mark[0] > 1: out.write(b"from :%d\n" % (mark[0] - 1))
    for path, content in changes:
        out.write(("M 100644 inline %s\n" % path).encode()); data(content)
    out.write(b"\n")

jefe = people["jefe"][0][:2]
first = [("folio.yaml", b"institucion: Instituto Guatemalteco de Seguridad Social\ndepartamento: Departamento de Planificaci\xc3\xb3n\nzona_horaria: America/Guatemala\nfirma: %s\n" % (b"obligatoria" if signed else b"opcional")),
         ("roles.yaml", roster()), ("cases/README.md", b"# Expedientes\n")]
for name in sorted(os.listdir(schemas)):
    first.append(("schemas/" + name, open(os.path.join(schemas, name), "rb").read()))
commit(jefe, "Abre el repositorio de expedientes\n\nRol: jefe\nSigned-off-by: %s <%s>\n" % jefe, first, int(__import__("calendar").timegm((2017, 1, 2, 14, 0, 0))))

files = {}
slips = {}
filler = "Antecedentes, documentos recibidos y observaciones del expediente. " * 8
for (t, cid, proc, y, m, k, step, role, dec, dep) in events:
    path = "cases/%d/%s" % (y, cid)
    who = person(role, dep)
    changes = []
    if k == 0:
        fm = ["---", "id: %s" % cid, "procedimiento: %d" % proc, "titulo: Expediente sint\u00e9tico %s" % cid, "abierto: %d-%02d-15" % (y, m)]
        if proc in (3, 5): fm += ["mes: %d-%02d" % (y, m), "dependencias_esperadas: [%s]" % ", ".join(expected.get(cid, []))]
        if proc in (4, 6): fm += ["snip: \"%07d\"" % random.randint(100000, 999999), "unidad_ejecutora: Divisi\u00f3n de Infraestructura"]
        text = "\n".join(fm) + "\n---\n\n# %s\n\n%s\n" % (cid, filler)
        files[path] = text
        changes.append((path + "/expediente.md", text.encode()))
    elif random.random() < 0.7:
        if role in ("dependencia", "unidad-ejecutora") and dep:
            # A contact's step records their own folder only (verify's rule since attack36/37).
            note = path + "/dependencias/%s/notas.md" % dep
            files[note] = files.get(note, "# Notas de %s\n\n" % dep) + "- Paso %s: anotaci\u00f3n del paso, %s.\n" % (step, who[0])
            changes.append((note, files[note].encode()))
        else:
            files[path] += "- Paso %s: anotaci\u00f3n del paso, %s.\n" % (step, who[0])
            changes.append((path + "/expediente.md", files[path].encode()))
    if proc == 3 and step == "01":
        changes.append((path + "/produccion/%s.csv" % dep, ("programa,producto,unidad_medida,meta_programada,ejecutado,reprogramado\n"
                        "EMA,Consultas m\u00e9dicas,consulta,%d,%d,0\n" % (random.randint(900, 1100), random.randint(850, 1150))).encode()))
    # folio writes the case's routing slip again with each of its commits.
    slips.setdefault(cid, []).append((step, role, who[0], t, dec, dep))
    changes.append((path + "/hoja-de-ruta.md", slip(cid, proc, slips[cid])))
    subject = "%s paso %s: paso sint\u00e9tico" % (cid, step) if step else "%s: abre el expediente" % cid
    trailers = ["Expediente: %s" % cid, "Procedimiento: %d" % proc]
    if step: trailers.append("Paso: %s" % step)
    trailers.append("Rol: %s" % role)
    if dec: trailers.append("Decision: %s" % dec)
    if dep: trailers.append("Dependencia: %s" % dep)
    trailers.append("Signed-off-by: %s <%s>" % who[:2])
    commit(who[:2], subject + "\n\n" + "\n".join(trailers) + "\n", changes, t)
sys.stderr.write("%d casos, %d commits\n" % (len(plan), mark[0]))
