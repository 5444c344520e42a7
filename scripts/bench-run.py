#!/usr/bin/env python3
"""Times folio against git on synthetic case repositories and writes BENCHMARKS.md.

    scripts/bench-run.py FOLIO_BINARY SCHEMAS_DIR OUT.md SIZE [SIZE...]
    scripts/bench-run.py --generate SCHEMAS_DIR SIZE [SIZE...]     (only build the repositories)

Each measurement runs the command from this process several times; the median wall time and
the peak resident memory of the child (getrusage of a fresh measuring process) are reported.

Every history is signed (FOLIO_BENCH_SIGNED=0 for unsigned ones): every person has a key,
folio.yaml says `firma: obligatoria`, every commit carries its author's SSH signature
(bench-sign.py), and the measured steps are signed too (folio through ssh-keygen, git with
`commit -S`), as the department runs it.
"""
import json, os, platform, resource, shutil, statistics, subprocess, sys, time

generate_only = sys.argv[1] == "--generate"
if generate_only:
    folio, schemas, out_md, sizes = None, sys.argv[2], None, [int(s) for s in sys.argv[3:]]
else:
    folio, schemas, out_md = sys.argv[1], sys.argv[2], sys.argv[3]
    sizes = [int(s) for s in sys.argv[4:]]
root = os.environ.get("FOLIO_BENCH_DIR", "/tmp/folio-bench")
here = os.path.dirname(os.path.abspath(__file__))
env = dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1", FOLIO_DATE="2026-11-26T10:00:00-06:00")
signed = os.environ.get("FOLIO_BENCH_SIGNED", "1") != "0"
if signed:
    try:
        import cryptography  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "cryptography"], check=True)
    sys.path.insert(0, here)
    from bench_keys import private_key, public_line

def measure(cmd, cwd, runs, extra_env=None, before=None, codes=(0, 1)):
    """Median seconds and max peak KB over `runs` runs, each in a fresh measuring process.
    `codes`: the exit statuses that count as the work done (verify says 1 for late steps; a step
    must be recorded: 0)."""
    times, peaks = [], []
    probe = ("import resource,subprocess,sys,time,json,os; t=time.time(); "
             "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE); "
             "print(json.dumps([time.time()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode, r.stderr.decode()[-300:]]))")
    for _ in range(runs):
        if before: before()
        res = subprocess.run([sys.executable, "-c", probe] + cmd, cwd=cwd, env=dict(env, **(extra_env or {})), capture_output=True, text=True)
        t, kb, rc, err = json.loads(res.stdout)
        if rc not in codes:
            raise SystemExit("failed: %s\n%s" % (" ".join(cmd), err))
        times.append(t); peaks.append(kb)
    return statistics.median(times), max(peaks)

def git(*args, cwd):
    return subprocess.run(["git"] + list(args), cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout

def generator_version():
    """What a generated repository was made from: the generator, the signer and the schemas."""
    import hashlib
    h = hashlib.sha256()
    for path in [os.path.join(here, n) for n in ("bench-generate.py", "bench-sign.py", "bench_keys.py")] + \
            [os.path.join(schemas, n) for n in sorted(os.listdir(schemas))]:
        # The file's name, not its path: `--generate schemas` and `scripts/bench` (an absolute
        # path) name the same generator, and a repository is not made again for the spelling.
        h.update(os.path.basename(path).encode()); h.update(open(path, "rb").read())
    return h.hexdigest()

def generate(repo, size):
    """Builds the repository once (reused while `.git/bench-ok` names the generator that made it:
    a change of the generator, the signer or the schemas makes it again); signed when `signed`."""
    marker = os.path.join(repo, ".git", "bench-ok")
    if os.path.exists(marker) and open(marker).read().strip() == generator_version():
        return
    shutil.rmtree(repo, ignore_errors=True)
    os.makedirs(repo)
    git("init", "-q", "-b", "main", cwd=repo)
    gen = subprocess.Popen([sys.executable, os.path.join(here, "bench-generate.py"), str(size), schemas]
                           + (["--signed"] if signed else []), stdout=subprocess.PIPE)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, stdin=gen.stdout, check=True, env=env)
    gen.wait()
    git("checkout", "-q", "main", cwd=repo)
    if signed:
        subprocess.run([sys.executable, os.path.join(here, "bench-sign.py"), repo], check=True, env=env)
        git("repack", "-adq", cwd=repo)
        git("prune", cwd=repo)
    git("config", "user.name", "María Rodríguez", cwd=repo)
    git("config", "user.email", "mrodriguez@igss.gob.gt", cwd=repo)
    if signed:
        # The jefe's private key, so that folio's and git's measured commits are signed.
        from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
        key = os.path.join(repo, ".git", "bench-key")
        with open(key, "wb") as f:
            f.write(private_key("mrodriguez@igss.gob.gt").private_bytes(Encoding.PEM, PrivateFormat.OpenSSH, NoEncryption()))
        os.chmod(key, 0o600)
        with open(key + ".pub", "w") as f:
            f.write(public_line("mrodriguez@igss.gob.gt") + "\n")
        git("config", "user.signingKey", key, cwd=repo)
        git("config", "gpg.format", "ssh", cwd=repo)
    with open(marker, "w") as f: f.write(generator_version() + "\n")

results = []
load = os.getloadavg()[0]
for size in sizes:
    repo = os.path.join(root, ("firmado-%d" if signed else "%d") % size)
    t0 = time.time()
    generate(repo, size)
    if generate_only:
        print("%d: %s (%.0f s)" % (size, repo, time.time() - t0), flush=True)
        continue
    generated = time.time() - t0
    commits = int(git("rev-list", "--count", "HEAD", cwd=repo))
    # folio's clock only moves forward: the measuring day is the day after the newest commit.
    last = int(git("log", "-1", "--format=%ct", cwd=repo).strip())
    env["FOLIO_DATE"] = time.strftime("%Y-%m-%dT10:00:00-06:00", time.gmtime(last + 86400))
    case_path = sorted(l for l in git("ls-tree", "-d", "--name-only", "HEAD", "cases/2022/", cwd=repo).split() if "/PI-" in l)[len([1]) * 10]
    case_id = case_path.rsplit("/", 1)[1]
    drop_cache = lambda: shutil.rmtree(os.path.join(repo, ".git", "folio"), ignore_errors=True)
    row = {"size": size, "commits": commits, "generated_s": generated}
    fast, slow = (5, 3) if size <= 5000 else (3, 2)
    row["git_log_trailers"] = measure(["git", "log", "--format=%H %an %(trailers:key=Expediente,key=Paso,valueonly)"], repo, fast)
    # FOLIO_BENCH_SKIP_SLOW=N: at N cases and more, the cold status and the full verify are not run
    # (minutes each on a loaded machine); the table says so.
    skip_slow = size >= int(os.environ.get("FOLIO_BENCH_SKIP_SLOW", "0") or "0") > 0
    row["status_cold"] = None if skip_slow else measure([folio, "status", "--json"], repo, slow, {"FOLIO_SIN_CACHE": "1"})
    row["status_first"] = measure([folio, "status", "--json"], repo, 1, before=drop_cache)
    row["status_warm"] = measure([folio, "status", "--json"], repo, fast)
    # The table's and the pending work's case indexes, built once before the new commit (not timed).
    for args in (["status"], ["due"]):
        subprocess.run([folio] + args, cwd=repo, env=env, capture_output=True)
    # The history as generated: the commits the runs below add are taken off at the end, so that a
    # history measured again is the same history (and its measuring day the same day).
    generated_tip = git("rev-parse", "HEAD", cwd=repo).strip()
    try:
        # A new commit: the history cache is extended from its tip, the output cache misses. Each
        # such run changes the caches it reads, so each of three trials starts from the same state
        # (the commit taken off, the caches as they were) and makes its own new commit; the row is
        # the median of the trials (one run each varies by a third here).
        folio_dir = os.path.join(repo, ".git", "folio")
        saved = folio_dir + ".bench-saved"
        shutil.rmtree(saved, ignore_errors=True)
        shutil.copytree(folio_dir, saved)
        trials = {"status_incremental": [], "table_incremental": [], "due_incremental": []}
        for trial in range(3):
            if trial:
                git("reset", "-q", "--hard", generated_tip, cwd=repo)
                shutil.rmtree(folio_dir)
                shutil.copytree(saved, folio_dir)
            subprocess.run([folio, "new", "7", "--title", "Caso nuevo", "--set", "organismo=OISS", "--as", "mrodriguez"], cwd=repo,
                           env=env, check=True, capture_output=True)
            trials["status_incremental"].append(measure([folio, "status", "--json"], repo, 1))
            # The table staff read (`folio status`) and the pending work (`folio due`), after the same commit.
            trials["table_incremental"].append(measure([folio, "status"], repo, 1))
            trials["due_incremental"].append(measure([folio, "due"], repo, 1))
        shutil.rmtree(saved, ignore_errors=True)
        for key, runs in trials.items():
            row[key] = (statistics.median(t for t, _ in runs), max(kb for _, kb in runs))
        # The first status of the next day: the cases with a next step (a deadline may pass) are
        # derived again, through the history cache; the closed ones keep their summaries.
        next_day = time.strftime("%Y-%m-%dT10:00:00-06:00", time.gmtime(last + 2 * 86400))
        row["status_new_day"] = measure([folio, "status", "--json"], repo, 1, {"FOLIO_DATE": next_day})
        row["git_log_case"] = measure(["git", "log", "--format=%H %an %(trailers:key=Paso,valueonly)", "--", case_path], repo, fast)
        row["status_id"] = measure([folio, "status", case_id, "--json"], repo, fast)
        row["log_id"] = measure([folio, "log", case_id, "--json"], repo, fast)
        # One step: an edit of a case, recorded; undone after each run (not timed).
        # Every field the manual's norms ask for at step 02, so that the measured step is recorded, not refused.
        subprocess.run([folio, "new", "7", "--title", "Caso de medición", "--set", "organismo=OISS", "--set", "fortalece_capacidades=true",
                        "--set", "organismo_especializado=true", "--set", "involucra_personal=false", "--as", "mrodriguez"], cwd=repo,
                       env=env, check=True, capture_output=True)
        # The case just opened (its year is the measuring day's).
        new_id = git("log", "-1", "--format=%(trailers:key=Expediente,valueonly)", cwd=repo).strip()
        exp = os.path.join(repo, "cases", new_id.split("-")[1], new_id, "expediente.md")
        base = git("rev-parse", "HEAD", cwd=repo).strip()
        def edit():
            git("reset", "-q", "--hard", base, cwd=repo)
            with open(exp, "a") as f: f.write("Nota de medición.\n")
        row["step"] = measure([folio, "step", new_id, "--as", "mrodriguez"], repo, fast, before=edit, codes=(0,))
        row["git_commit"] = measure(["sh", "-c", "git add -A cases && git commit -q %s-m 'paso'" % ("-S " if signed else "")], repo, fast, before=edit,
                                    codes=(0,))
        git("reset", "-q", "--hard", base, cwd=repo)
        # A clone without folio's caches (a new colleague's first step, status and log of a case):
        # each reads its case's records by one walk of the line, keeping that case's only. The
        # caches are put back for the rows after.
        kept = folio_dir + ".bench-kept"
        shutil.rmtree(kept, ignore_errors=True)
        shutil.copytree(folio_dir, kept)
        def edit_uncached():
            edit()
            drop_cache()
        row["step_uncached"] = measure([folio, "step", new_id, "--as", "mrodriguez"], repo, slow, before=edit_uncached, codes=(0,))
        git("reset", "-q", "--hard", base, cwd=repo)
        row["status_id_uncached"] = measure([folio, "status", case_id, "--json"], repo, slow, before=drop_cache)
        row["log_id_uncached"] = measure([folio, "log", case_id, "--json"], repo, slow, before=drop_cache)
        drop_cache()
        shutil.copytree(kept, folio_dir)
        shutil.rmtree(kept)
        # The generated history verifies clean (routing slips, windows, authority, signatures): the
        # row measures the path of a history folio accepts, and a finding stops the bench.
        row["verify_full"] = None if skip_slow else measure([folio, "verify"], repo, 1 if size > 5000 else slow, codes=(0,))
        row["git_log_names"] = None if skip_slow else measure(["git", "log", "--name-only", "--format=%H"], repo, 1 if size > 5000 else slow)
        # libgit2 alone reading the same trees (scripts/bench-floor.c: no rule, one thread): parsed as
        # folio reads them, and raw objects walked in place.
        floor = os.environ.get("FOLIO_BENCH_FLOOR")
        for mode in ("parsed", "trees"):
            row["floor_" + mode] = None if skip_slow or not floor else measure([floor, repo, mode], repo, 1 if size > 5000 else slow, codes=(0,))
        row["verify_new"] = measure([folio, "verify", "HEAD~1..HEAD"], repo, slow)
        # The shared repository's hook (`folio receive`, pre-receive) judging a push of the newest
        # commit, in a bare clone: without the server's history cache (the whole history read), then
        # with it, as the post-receive hook (`folio stamp`) writes it the first time. The synthetic
        # history is dated after the server's clock, so the hook also names those dates (exit 1).
        bare = repo + ".compartido"
        shutil.rmtree(bare, ignore_errors=True)
        git("clone", "-q", "--bare", repo, bare, cwd=root)
        # The shared branch at the generated history; the measuring case's opening (HEAD) is the push.
        git("update-ref", "refs/heads/main", generated_tip, cwd=bare)
        pushed = "echo %s %s refs/heads/main | %s receive" % (generated_tip, base, folio)
        row["receive_cold"] = None if skip_slow else measure(["sh", "-c", pushed], bare, 1)
        row["stamp_first"] = measure(["sh", "-c", "%s stamp < /dev/null" % folio], bare, 1, codes=(0,))
        row["receive"] = measure(["sh", "-c", pushed], bare, slow)
        shutil.rmtree(bare, ignore_errors=True)
        # Growth: loose objects a step writes, and the repository before and after packing.
        def count():
            return {k: int(v) for k, v in (l.split(": ") for l in git("count-objects", "-v", cwd=repo).splitlines()) if v.isdigit()}
        before = count()
        for i in range(10):
            # Words of this run's own: a history measured again on the same day would otherwise write
            # the very objects (the same commits) the run before left, and count none.
            with open(exp, "a") as f: f.write("Nota %d de la medición %d.\n" % (i, os.getpid()))
            subprocess.run([folio, "note", new_id, "-m", "nota %d de la medición %d" % (i, os.getpid()), "--as", "mrodriguez"], cwd=repo, env=env,
                           check=True, capture_output=True)
        after = count()
        row["loose_per_step"] = ((after["count"] - before["count"]) / 10, (after["size"] - before["size"]) / 10)
    finally:
        # Also when a run fails half-way (a refused step, a measure that exits).
        git("reset", "-q", "--hard", generated_tip, cwd=repo)
    results.append(row)
    print(json.dumps(row), flush=True)

if generate_only:
    sys.exit(0)
def ratio(a, b):
    if a is None or b is None:
        return float("nan")
    return a[0] / b[0] if b[0] > 0 else float("inf")

cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "?")
lines = ["## Results", "",
         "Machine: %s, %d cores, %.0f GiB, load average %.1f when the runs began; %s; %s; folio release build, Swift runtime linked statically; %s. Generated by `scripts/bench` on %s." % (
             cpu, os.cpu_count(), int(mem) / 1048576, load, git("version", cwd=root).strip(),
             subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()[0] if shutil.which("swift") else "swift",
             "every history SSH-signed by its authors (`firma: obligatoria`), the measured steps too" if signed else "unsigned histories",
             time.strftime("%Y-%m-%d")), ""]
for r in results:
    s = lambda k: "not run" if r[k] is None else "%.3f s" % r[k][0]
    m = lambda k: "—" if r[k] is None else "%d MB" % (r[k][1] / 1024)
    made = "generated in %.0f s" % r["generated_s"] if r["generated_s"] >= 1 else "generated by an earlier run, reused"
    lines += ["### %d cases, %d commits (%s)" % (r["size"], r["commits"], made), "",
              "| Task | folio | git | ratio folio/git | target | peak memory folio / git |", "|---|---:|---:|---:|---|---|",
              "| status of all cases, cold (no cache) | %s | %s | %.2f | ≤ 1.0 | %s / %s |" % (s("status_cold"), s("git_log_trailers"), ratio(r["status_cold"], r["git_log_trailers"]), m("status_cold"), m("git_log_trailers")),
              "| status of all cases, first run (writes the cache) | %s | %s | %.2f | | %s / %s |" % (s("status_first"), s("git_log_trailers"), ratio(r["status_first"], r["git_log_trailers"]), m("status_first"), m("git_log_trailers")),
              "| status of all cases, warm | %s | %s | %.2f | < 50 ms | %s / %s |" % (s("status_warm"), s("git_log_trailers"), ratio(r["status_warm"], r["git_log_trailers"]), m("status_warm"), m("git_log_trailers")),
              "| status of all cases after one new commit (cache extended) | %s | %s | %.2f | | %s / %s |" % (s("status_incremental"), s("git_log_trailers"), ratio(r["status_incremental"], r["git_log_trailers"]), m("status_incremental"), m("git_log_trailers")),
              "| `folio status` (the table) after that commit | %s | %s | %.2f | | %s / %s |" % (s("table_incremental"), s("git_log_trailers"), ratio(r["table_incremental"], r["git_log_trailers"]), m("table_incremental"), m("git_log_trailers")),
              "| `folio due` after that commit | %s | %s | %.2f | | %s / %s |" % (s("due_incremental"), s("git_log_trailers"), ratio(r["due_incremental"], r["git_log_trailers"]), m("due_incremental"), m("git_log_trailers")),
              "| status of all cases, the next day (cases with a next step replayed) | %s | %s | %.2f | | %s / %s |" % (s("status_new_day"), s("git_log_trailers"), ratio(r["status_new_day"], r["git_log_trailers"]), m("status_new_day"), m("git_log_trailers")),
              "| status ID | %s | %s | %.2f | | %s / %s |" % (s("status_id"), s("git_log_case"), ratio(r["status_id"], r["git_log_case"]), m("status_id"), m("git_log_case")),
              "| log ID | %s | %s | %.2f | | %s / %s |" % (s("log_id"), s("git_log_case"), ratio(r["log_id"], r["git_log_case"]), m("log_id"), m("git_log_case")),
              "| step (edit + commit) | %s | %s | %.2f | ≤ 1.5 | %s / %s |" % (s("step"), s("git_commit"), ratio(r["step"], r["git_commit"]), m("step"), m("git_commit")),
              "| step in a clone without folio's caches | %s | %s | %.2f | | %s / %s |" % (s("step_uncached"), s("git_commit"), ratio(r["step_uncached"], r["git_commit"]), m("step_uncached"), m("git_commit")),
              "| status ID in a clone without folio's caches | %s | %s | %.2f | | %s / %s |" % (s("status_id_uncached"), s("git_log_case"), ratio(r["status_id_uncached"], r["git_log_case"]), m("status_id_uncached"), m("git_log_case")),
              "| log ID in a clone without folio's caches | %s | %s | %.2f | | %s / %s |" % (s("log_id_uncached"), s("git_log_case"), ratio(r["log_id_uncached"], r["git_log_case"]), m("log_id_uncached"), m("git_log_case")),
              "| verify, full history | %s | %s | %.2f | ≤ 1.0 | %s / %s |" % (s("verify_full"), s("git_log_names"), ratio(r["verify_full"], r["git_log_names"]), m("verify_full"), m("git_log_names")),
              "| verify, the newest commit (HEAD~1..HEAD) | %s | | | < 200 ms | %s |" % (s("verify_new"), m("verify_new")),
              "| the shared repository's hook (`folio receive`) on a push of the newest commit, with the server's history cache | %s | | | < 200 ms | %s |" % (s("receive"), m("receive")),
              "| the same without that cache (the whole history read) | %s | | | | %s |" % (s("receive_cold"), m("receive_cold")),
              "| the server's history cache written the first time (`folio stamp`, post-receive) | %s | %s | %.2f | | %s / %s |" % (s("stamp_first"), s("git_log_trailers"), ratio(r["stamp_first"], r["git_log_trailers"]), m("stamp_first"), m("git_log_trailers")),
              "| libgit2 alone: the walk's tree diffs, trees parsed (`bench-floor parsed`) | %s | %s | %.2f | | %s / %s |" % (s("floor_parsed"), s("git_log_names"), ratio(r["floor_parsed"], r["git_log_names"]), m("floor_parsed"), m("git_log_names")),
              "| libgit2 alone: the same, raw trees (`bench-floor trees`) | %s | %s | %.2f | | %s / %s |" % (s("floor_trees"), s("git_log_names"), ratio(r["floor_trees"], r["git_log_names"]), m("floor_trees"), m("git_log_names")),
              "", "Loose objects written per step: %.1f objects, %.1f KB (before packing)." % r["loose_per_step"], ""]
if len(results) > 1:
    a, b = results[0], results[-1]
    keys = [("status_cold", "status of all cases, cold"), ("status_first", "status of all cases, first run"),
            ("status_warm", "status of all cases, warm"), ("status_incremental", "status after one new commit"),
            ("table_incremental", "`folio status` (table) after it"), ("due_incremental", "`folio due` after it"),
            ("status_new_day", "status, the next day"),
            ("status_id", "status ID"), ("log_id", "log ID"), ("step", "step (edit + commit)"),
            ("step_uncached", "step without folio's caches"), ("status_id_uncached", "status ID without them"),
            ("log_id_uncached", "log ID without them"),
            ("verify_full", "verify, full history"), ("verify_new", "verify HEAD~1..HEAD"), ("receive", "the hook (`folio receive`), server cache"),
            ("receive_cold", "the hook without it"), ("stamp_first", "server cache written first"),
            ("floor_parsed", "libgit2 alone, parsed trees"), ("floor_trees", "libgit2 alone, raw trees"),
            ("git_log_trailers", "git log (trailers)"), ("git_log_names", "git log --name-only")]
    lines += ["### Growth from %d to %d cases (%.0fx the commits)" % (a["size"], b["size"], b["commits"] / a["commits"]), "",
              "Time and peak memory at each size; growth is the last size's time over the first's.", "",
              "| Task | " + " | ".join("%d cases" % r["size"] for r in results) + " | growth |",
              "|---|" + "---:|" * (len(results) + 1)]
    for k, name in keys:
        cells = ["not run" if r[k] is None else "%.3f s / %d MB" % (r[k][0], r[k][1] / 1024) for r in results]
        growth = "—" if a[k] is None or b[k] is None or not a[k][0] else "%.1fx" % (b[k][0] / a[k][0])
        lines.append("| %s | %s | %s |" % (name, " | ".join(cells), growth))
    lines.append("")
lines = [l.replace("| nan |", "| — |") for l in lines]
text = open(out_md).read() if os.path.exists(out_md) else "# Benchmarks\n"
marker = "## Results"
# Only the section "Results" is replaced: the sections after it (the dashboard's, written by
# scripts/bench-dashboard) stay.
after = ""
if marker in text:
    text, rest = text.split(marker, 1)
    if "\n## " in rest:
        after = "\n" + rest[rest.index("\n## ") + 1:]
text = text.rstrip() + "\n\n" + "\n".join(lines) + "\n" + after
open(out_md, "w").write(text)
