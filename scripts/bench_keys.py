"""Deterministic Ed25519 keys of the synthetic staff, and SSHSIG signing of git commits, for the
benchmarks (PyPI's `cryptography`). Shared by bench-generate.py and bench-sign.py."""
import base64, hashlib, struct
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

def _string(b):
    return struct.pack(">I", len(b)) + b

def private_key(email):
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"folio-bench:" + email.encode()).digest())

def public_blob(email):
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    raw = private_key(email).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return _string(b"ssh-ed25519") + _string(raw)

def public_line(email):
    return "ssh-ed25519 " + base64.b64encode(public_blob(email)).decode()

class Signer:
    """Signs payloads as `ssh-keygen -Y sign -n git` does (sha512), for one e-mail."""
    def __init__(self, email):
        self.key = private_key(email)
        self.blob = public_blob(email)

    def sshsig(self, payload):
        signed = b"SSHSIG" + _string(b"git") + _string(b"") + _string(b"sha512") + _string(hashlib.sha512(payload).digest())
        sig = _string(b"ssh-ed25519") + _string(self.key.sign(signed))
        blob = b"SSHSIG" + struct.pack(">I", 1) + _string(self.blob) + _string(b"git") + _string(b"") + _string(b"sha512") + _string(sig)
        b64 = base64.b64encode(blob).decode()
        lines = [b64[i:i + 70] for i in range(0, len(b64), 70)]
        return "-----BEGIN SSH SIGNATURE-----\n" + "\n".join(lines) + "\n-----END SSH SIGNATURE-----\n"
