#!/usr/bin/env python3
"""An independent judge of Mohur's service, sharing no code with it.

Signs requests with the `http-message-signatures` library (RFC 9421, with RFC 9530
Content-Digest), sends them with `requests`, verifies the service's response signature with
the same library, and checks RFC 9162 inclusion proofs with a verifier written here from the
RFC's text. Prints one JSON object; exits 0 when it could judge, 2 on usage errors.
"""
import argparse
import base64
import datetime
import hashlib
import json
import secrets
import sys

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from http_message_signatures import HTTPMessageSigner, HTTPMessageVerifier, HTTPSignatureKeyResolver, algorithms

from rfc9162 import leaf_hash, root_from_inclusion


class Keys(HTTPSignatureKeyResolver):
    def __init__(self, private_pem=None, public_pem=None):
        self.private_pem = private_pem
        self.public_pem = public_pem

    def resolve_private_key(self, key_id):
        return serialization.load_pem_private_key(self.private_pem, password=None)

    def resolve_public_key(self, key_id):
        return self.public_pem


def sign_and_send(args):
    certificate = x509.load_pem_x509_certificate(open(args.cert, "rb").read())
    key_id = certificate.fingerprint(hashes.SHA256()).hex()
    body = open(args.body, "rb").read() if args.body else None
    headers = {"Content-Type": "application/json"} if body is not None else {}
    request = requests.Request(args.method, args.url, data=body, headers=headers).prepare()
    created = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=args.created_offset)
    components = ["@method", "@target-uri"] + (["content-type"] if body is not None else [])
    signer = HTTPMessageSigner(signature_algorithm=algorithms.ECDSA_P256_SHA256, key_resolver=Keys(private_pem=open(args.key, "rb").read()))
    signer.sign(request, key_id=key_id, created=created, expires=created + datetime.timedelta(seconds=50),
                nonce=secrets.token_hex(16), label="judge", covered_component_ids=components, body=body)
    response = requests.Session().send(request, timeout=30)
    result = {"status": response.status_code, "body": response.text, "response_signature": None}
    if args.service_cert and "Signature" in response.headers:
        service = x509.load_pem_x509_certificate(open(args.service_cert, "rb").read())
        public = service.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ECDSA_P256_SHA256, key_resolver=Keys(public_pem=public))
        verifier.allow_label_only_selection = True
        try:
            verified = verifier.verify(response, max_age=datetime.timedelta(minutes=5), expect_label="mohur",
                                       require_components=('"@status"', '"content-digest"', '"signature";req;key="judge"'),
                                       body=response.content)
            result["response_signature"] = "verified" if verified else "none"
            result["response_keyid"] = verified[0].parameters.get("keyid") if verified else None
        except Exception as error:  # the judge reports, the test decides
            result["response_signature"] = "failed: %s" % error
    print(json.dumps(result))


def inclusion(args):
    entry = open(args.entry, "rb").read()
    proof = json.load(open(args.proof))
    note = open(args.note).read().split("\n")
    size, root = int(note[1]), base64.b64decode(note[2])
    path = [base64.b64decode(h) for h in proof["hashes"]]
    computed = root_from_inclusion(proof["index"], size, leaf_hash(entry), path)
    print(json.dumps({"size": size, "included": computed == root and proof["size"] == size}))


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    send = commands.add_parser("send")
    send.add_argument("method")
    send.add_argument("url")
    send.add_argument("--body")
    send.add_argument("--cert", required=True)
    send.add_argument("--key", required=True)
    send.add_argument("--service-cert")
    send.add_argument("--created-offset", type=int, default=0)
    proof = commands.add_parser("inclusion")
    proof.add_argument("--entry", required=True)
    proof.add_argument("--proof", required=True)
    proof.add_argument("--note", required=True)
    args = parser.parse_args()
    {"send": sign_and_send, "inclusion": inclusion}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
