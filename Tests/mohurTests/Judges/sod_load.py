#!/usr/bin/env python3
"""Load for the failover drill, sharing no code with Mohur: THREADS callers each sign one EF.SOD
request at a time (RFC 9421 via `http-message-signatures`) for SECONDS, each with its own
X-Request-Id. A request that fails (no answer, 5xx) is retried under the same X-Request-Id,
freshly signed, until it gets an answer: the service must then return the issuance it already
stored instead of signing twice. Prints one JSON object.
"""
import argparse
import base64
import datetime
import hashlib
import json
import secrets
import threading
import time

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from http_message_signatures import HTTPMessageSigner, HTTPSignatureKeyResolver, algorithms


class Keys(HTTPSignatureKeyResolver):
    def __init__(self, pem):
        self.pem = pem

    def resolve_private_key(self, key_id):
        return serialization.load_pem_private_key(self.pem, password=None)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--grace", type=float, default=30, help="how long a started request keeps being retried")
    args = parser.parse_args()
    key_id = x509.load_pem_x509_certificate(open(args.cert, "rb").read()).fingerprint(hashes.SHA256()).hex()
    signer = HTTPMessageSigner(signature_algorithm=algorithms.ECDSA_P256_SHA256, key_resolver=Keys(open(args.key, "rb").read()))
    lock = threading.Lock()
    acknowledged, failures, replays = [], [], 0
    deadline = time.time() + args.seconds

    def send(body, request_id):
        request = requests.Request("POST", args.url, data=body,
                                   headers={"Content-Type": "application/json", "X-Request-Id": request_id}).prepare()
        created = datetime.datetime.now(datetime.timezone.utc)
        signer.sign(request, key_id=key_id, created=created, expires=created + datetime.timedelta(seconds=50),
                    nonce=secrets.token_hex(16), label="load", covered_component_ids=["@method", "@target-uri", "content-type"],
                    body=body)
        return requests.Session().send(request, timeout=10)

    def caller(number):
        nonlocal replays
        n = 0
        while time.time() < deadline:
            n += 1
            document = "D%02d%06d" % (number, n)
            request_id = "drill-%s" % document
            groups = {"1": hashlib.sha256(document.encode()).digest(), "2": hashlib.sha256(b"face" + document.encode()).digest()}
            body = json.dumps({"documentType": "P", "documentNumber": document,
                               "dataGroupHashes": {k: base64.b64encode(v).decode() for k, v in groups.items()}}).encode()
            give_up = time.time() + args.grace
            while True:
                try:
                    response = send(body, request_id)
                    if response.status_code in (200, 201):
                        reply = response.json()
                        with lock:
                            acknowledged.append({"requestId": request_id, "document": document, "sodSHA256": reply["sodSHA256"],
                                                 "at": time.time(), "status": response.status_code})
                            if response.status_code == 200:
                                replays += 1
                        break
                    failure = "HTTP %d: %s" % (response.status_code, response.text[:200])
                    status, retry_after = response.status_code, response.headers.get("Retry-After")
                except Exception as error:  # no answer: the outcome is unknown, retry under the same id
                    failure = "%s" % type(error).__name__
                    status, retry_after = None, None
                with lock:
                    failures.append({"requestId": request_id, "at": time.time(), "error": failure, "status": status,
                                     "retryAfter": retry_after})
                if time.time() > give_up:
                    break
                time.sleep(0.1)

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps({"acknowledged": acknowledged, "failures": failures, "replays": replays}))


if __name__ == "__main__":
    main()
