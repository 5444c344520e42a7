#!/usr/bin/env python3
"""Signs every commit of a synthetic repository's branch as its author (Ed25519 keys from
bench_keys.py, which `bench-generate.py --signed` registers in roles.yaml), rewriting the line
from its root: each commit gets a `gpgsig` header exactly as `git commit -S` with gpg.format=ssh
writes it. Objects are written loose (zlib), then the branch is moved and the work tree reset.

    scripts/bench-sign.py REPO [BRANCH]        (about 10,000 commits a second... of signing)
"""
import hashlib, os, subprocess, sys, zlib
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_keys import Signer

repo = sys.argv[1]
branch = sys.argv[2] if len(sys.argv) > 2 else "main"
env = dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1")
git_dir = subprocess.run(["git", "rev-parse", "--absolute-git-dir"], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout.strip()
ids = subprocess.run(["git", "rev-list", "--reverse", "--first-parent", branch], cwd=repo, env=env, check=True,
                     capture_output=True, text=True).stdout.split()
batch = subprocess.Popen(["git", "cat-file", "--batch"], cwd=repo, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
signers = {}
new_parent = None
for old in ids:
    batch.stdin.write((old + "\n").encode()); batch.stdin.flush()
    header = batch.stdout.readline().split()
    raw = batch.stdout.read(int(header[2])); batch.stdout.read(1)
    head, message = raw.split(b"\n\n", 1)
    lines = [l for l in head.split(b"\n") if not l.startswith(b"parent ")]
    if new_parent:
        lines.insert(1, b"parent " + new_parent.encode())
    author = next(l for l in lines if l.startswith(b"author "))
    email = author[author.index(b"<") + 1:author.index(b">")].decode()
    signer = signers.get(email) or signers.setdefault(email, Signer(email))
    payload = b"\n".join(lines) + b"\n\n" + message
    signature = signer.sshsig(payload).rstrip("\n").split("\n")
    committer_at = next(i for i, l in enumerate(lines) if l.startswith(b"committer "))
    gpgsig = ("gpgsig " + "\n ".join(signature)).encode()
    body = b"\n".join(lines[:committer_at + 1] + [gpgsig] + lines[committer_at + 1:]) + b"\n\n" + message
    obj = b"commit %d\0" % len(body) + body
    sha = hashlib.sha1(obj).hexdigest()
    path = os.path.join(git_dir, "objects", sha[:2], sha[2:])
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path + ".tmp", "wb") as f:
            f.write(zlib.compress(obj, 1))
        os.rename(path + ".tmp", path)
    new_parent = sha
batch.stdin.close(); batch.wait()
subprocess.run(["git", "update-ref", "refs/heads/" + branch, new_parent], cwd=repo, env=env, check=True)
subprocess.run(["git", "reset", "-q", "--hard", branch], cwd=repo, env=env, check=True)
sys.stderr.write("%d commits firmados\n" % len(ids))
