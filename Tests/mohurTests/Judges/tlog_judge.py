#!/usr/bin/env python3
"""An independent C2SP transparency-log judge for Mohur's tests, written from the texts of
c2sp.org/signed-note, tlog-checkpoint, tlog-cosignature (cosignature/v1) and tlog-witness,
and RFC 9162 section 2.1.4.2. It shares no code with Mohur; it uses the `cryptography`
package for ECDSA P-256 and Ed25519.

  verify --note FILE --log-vkey VKEY [--witness-vkey VKEY ...]
      Checks the log's signature and each witness's cosignature; prints JSON.
  witness --log-vkey VKEY --name NAME
      Runs a witness on 127.0.0.1 (a port the kernel picks); prints "PORT VKEY" and serves
      POST /add-checkpoint until killed.
  add-checkpoint --url URL --body FILE
      POSTs a raw request body; prints JSON with the status, content type and body.
"""
import argparse, base64, hashlib, json, struct, sys, threading, time, urllib.request, urllib.error
from http.server import BaseHTTPRequestHandler, HTTPServer
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from rfc9162 import consistent

DASH = "\u2014 "


def parse_vkey(vkey):
    name, key_id, material = vkey.split("+", 2)
    raw = base64.b64decode(material)
    return name, bytes.fromhex(key_id), raw[0], raw[1:]


def split_note(note):
    text, _, sigs = note.rpartition("\n\n")
    lines = [line for line in sigs.split("\n") if line]
    if not all(line.startswith(DASH) for line in lines):
        raise ValueError("malformed signature block")
    return text + "\n", lines


def signatures(lines, name):
    for line in lines:
        who, blob = line[len(DASH):].split(" ", 1)
        if who == name:
            yield base64.b64decode(blob)


def checkpoint_fields(text):
    origin, size, root = text.split("\n")[:3]
    return origin, int(size), base64.b64decode(root)


def verify_log(text, lines, vkey):
    """ECDSA signature type 0x02: key ID = SHA-256(SPKI)[:4], ASN.1 signature over the text."""
    name, key_id, kind, spki = parse_vkey(vkey)
    assert kind == 0x02 and hashlib.sha256(spki).digest()[:4] == key_id
    key = serialization.load_der_public_key(spki)
    for blob in signatures(lines, name):
        if blob[:4] != key_id:
            continue
        try:
            key.verify(blob[4:], text.encode(), ec.ECDSA(hashes.SHA256()))
            return True
        except InvalidSignature:
            return False
    return False


def cosigner_key_id(name, public):
    return hashlib.sha256(name.encode() + b"\n\x04" + public).digest()[:4]


def verify_cosignature(text, lines, vkey):
    """cosignature/v1: key ID || u64 timestamp || Ed25519 over the header, time line and text."""
    name, key_id, kind, public = parse_vkey(vkey)
    assert kind == 0x04 and cosigner_key_id(name, public) == key_id
    key = ed25519.Ed25519PublicKey.from_public_bytes(public)
    for blob in signatures(lines, name):
        if blob[:4] != key_id or len(blob) != 76:
            continue
        (timestamp,) = struct.unpack(">Q", blob[4:12])
        message = b"cosignature/v1\ntime %d\n" % timestamp + text.encode()
        try:
            key.verify(blob[12:], message)
            return timestamp
        except InvalidSignature:
            return None
    return None


def cmd_verify(args):
    note = open(args.note).read()
    text, lines = split_note(note)
    origin, size, root = checkpoint_fields(text)
    result = {"origin": origin, "size": size, "root": base64.b64encode(root).decode(),
              "log_signature": verify_log(text, lines, args.log_vkey), "cosigners": {}}
    for vkey in args.witness_vkey or []:
        result["cosigners"][vkey.split("+")[0]] = verify_cosignature(text, lines, vkey)
    print(json.dumps(result))


def cmd_witness(args):
    private = ed25519.Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key_id = cosigner_key_id(args.name, public)
    vkey = "%s+%s+%s" % (args.name, key_id.hex(), base64.b64encode(b"\x04" + public).decode())
    log_origin = parse_vkey(args.log_vkey)[0]
    state = {"size": 0, "root": None}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def answer(self, status, body, content_type="text/plain"):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            if self.path != "/add-checkpoint":
                return self.answer(404, "no such path\n")
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            head, _, note = body.partition("\n\n")
            head = head.split("\n")
            if not head[0].startswith("old "):
                return self.answer(400, "no old line\n")
            old = int(head[0][4:])
            proof = [base64.b64decode(line) for line in head[1:]]
            text, lines = split_note(note)
            origin, size, root = checkpoint_fields(text)
            if origin != log_origin:
                return self.answer(404, "unknown log\n")
            if not verify_log(text, lines, args.log_vkey):
                return self.answer(403, "bad log signature\n")
            if old > size:
                return self.answer(400, "old size above size\n")
            with lock:
                if old != state["size"]:
                    return self.answer(409, "%d\n" % state["size"], "text/x.tlog.size")
                if old == size:
                    if state["root"] is not None and state["root"] != root:
                        return self.answer(409, "%d\n" % state["size"], "text/x.tlog.size")
                elif not consistent(old, size, state["root"] or b"", root, proof):
                    return self.answer(422, "inconsistent\n")
                state["size"], state["root"] = size, root
            timestamp = int(time.time())
            signature = private.sign(b"cosignature/v1\ntime %d\n" % timestamp + text.encode())
            blob = key_id + struct.pack(">Q", timestamp) + signature
            self.answer(200, "%s%s %s\n" % (DASH, args.name, base64.b64encode(blob).decode()))

        def log_message(self, *_):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], vkey, flush=True)
    server.serve_forever()


def cmd_add(args):
    request = urllib.request.Request(args.url, data=open(args.body, "rb").read(), method="POST",
                                     headers={"Content-Type": "text/plain"})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            status, content_type, body = response.status, response.headers.get("Content-Type"), response.read()
    except urllib.error.HTTPError as error:
        status, content_type, body = error.code, error.headers.get("Content-Type"), error.read()
    print(json.dumps({"status": status, "content_type": content_type, "body": body.decode()}))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    verify = sub.add_parser("verify")
    verify.add_argument("--note", required=True)
    verify.add_argument("--log-vkey", required=True)
    verify.add_argument("--witness-vkey", action="append")
    witness = sub.add_parser("witness")
    witness.add_argument("--log-vkey", required=True)
    witness.add_argument("--name", required=True)
    add = sub.add_parser("add-checkpoint")
    add.add_argument("--url", required=True)
    add.add_argument("--body", required=True)
    args = parser.parse_args()
    {"verify": cmd_verify, "witness": cmd_witness, "add-checkpoint": cmd_add}[args.command](args)


if __name__ == "__main__":
    main()
