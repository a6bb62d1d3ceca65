#!/usr/bin/env python3
"""Builds a CscaMasterList (Doc 9303-12 §8: SEQUENCE { version INTEGER, certList SET OF Certificate })
from another list's content, for tests that need a second version of a State's list.

usage: ml_content.py IN.der OUT.der --drop-every N [--add CERT.der ...]

Every Nth certificate of IN (counting from 0) is left out and the --add certificates are put in;
the SET OF is written in DER order. Written from the ASN.1 alone; it shares no code with Mohur.
"""
import argparse


def header(data, at):
    tag = data[at]
    length = data[at + 1]
    at += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[at:at + count], "big")
        at += count
    return tag, at, length


def length_octets(n):
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("source")
    parser.add_argument("out")
    parser.add_argument("--drop-every", type=int, required=True)
    parser.add_argument("--add", nargs="*", default=[])
    args = parser.parse_args()
    data = open(args.source, "rb").read()
    tag, at, _ = header(data, 0)
    assert tag == 0x30, "CscaMasterList is not a SEQUENCE"
    tag, value, length = header(data, at)
    assert tag == 0x02, "version is not an INTEGER"
    version = data[at:value + length]
    tag, value, length = header(data, value + length)
    assert tag == 0x31, "certList is not a SET"
    certificates, at, end = [], value, value + length
    while at < end:
        _, value, length = header(data, at)
        certificates.append(data[at:value + length])
        at = value + length
    kept = [c for n, c in enumerate(certificates) if n % args.drop_every != 0]
    kept += [open(path, "rb").read() for path in args.add]
    body = b"".join(sorted(set(kept)))
    content = version + b"\x31" + length_octets(len(body)) + body
    open(args.out, "wb").write(b"\x30" + length_octets(len(content)) + content)
    print(len(certificates), len(kept))


if __name__ == "__main__":
    main()
