#!/usr/bin/env python3
"""Mixed load on Mohur's services, sharing no code with Mohur: for SECONDS, THREADS callers per
route each send one signed request at a time (RFC 9421 via `http-message-signatures`):

- sod: POST an EF.SOD signing request for a new document number each time;
- verify: POST a passport's EF.SOD for passive authentication;
- authorize: POST an authorization question.

The routes come from a JSON file: [{"name", "url", "cert", "key", "body" (a file; absent for
sod), "expect" (a JSON field that must be in every answer), "equals" (its value, optional)}]. A request that fails (no answer,
an unexpected status, a body without the expected field) is an error; there is no retry.
Prints one JSON object: per route, the count, the errors (first few in full) and the p50/p99
latency in milliseconds.
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


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--routes", required=True)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--threads", type=int, default=3)
    args = parser.parse_args()
    routes = json.load(open(args.routes))
    lock = threading.Lock()
    results = {route["name"]: {"count": 0, "errors": 0, "examples": [], "latencies": []} for route in routes}
    deadline = time.time() + args.seconds

    def caller(route, number):
        key_id = x509.load_pem_x509_certificate(open(route["cert"], "rb").read()).fingerprint(hashes.SHA256()).hex()
        signer = HTTPMessageSigner(signature_algorithm=algorithms.ECDSA_P256_SHA256, key_resolver=Keys(open(route["key"], "rb").read()))
        fixed = open(route["body"], "rb").read() if route.get("body") else None
        session = requests.Session()
        n = 0
        while time.time() < deadline:
            n += 1
            if fixed is None:
                document = "M%s%02d%05d" % (route["name"][0].upper(), number, n)
                groups = {"1": hashlib.sha256(document.encode()).digest(), "2": hashlib.sha256(b"face" + document.encode()).digest()}
                body = json.dumps({"documentType": "P", "documentNumber": document,
                                   "dataGroupHashes": {k: base64.b64encode(v).decode() for k, v in groups.items()}}).encode()
            else:
                body = fixed
            request = requests.Request("POST", route["url"], data=body, headers={"Content-Type": "application/json"}).prepare()
            created = datetime.datetime.now(datetime.timezone.utc)
            signer.sign(request, key_id=key_id, created=created, expires=created + datetime.timedelta(seconds=50),
                        nonce=secrets.token_hex(16), label="mixed", covered_component_ids=["@method", "@target-uri", "content-type"],
                        body=body)
            started = time.time()
            error = None
            try:
                response = session.send(request, timeout=10)
                if response.status_code not in (200, 201):
                    error = "HTTP %d: %s" % (response.status_code, response.text[:300])
                elif route["expect"] not in response.json():
                    error = "no %s in %s" % (route["expect"], response.text[:300])
                elif "equals" in route and response.json()[route["expect"]] != route["equals"]:
                    error = "%s is not %r in %s" % (route["expect"], route["equals"], response.text[:300])
            except Exception as failure:
                error = "%s: %s" % (type(failure).__name__, failure)
            elapsed = (time.time() - started) * 1000
            with lock:
                result = results[route["name"]]
                result["count"] += 1
                result["latencies"].append(elapsed)
                if error:
                    result["errors"] += 1
                    if len(result["examples"]) < 5:
                        result["examples"].append(error)

    threads = [threading.Thread(target=caller, args=(route, i)) for route in routes for i in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = {}
    for name, result in results.items():
        latencies = result.pop("latencies")
        result["p50"] = percentile(latencies, 0.5)
        result["p99"] = percentile(latencies, 0.99)
        report[name] = result
    print(json.dumps(report))


if __name__ == "__main__":
    main()
