#!/usr/bin/env python3
"""Generates Mohur's bad-input corpus from valid objects of the shared vectors.

usage: bad_inputs.py VECTORS OUTDIR

Writes one file per case into OUTDIR and OUTDIR/cases.json: a list of
{"name", "args", "exit", "says"} where "args" is a mohur command line ({out} stands for
OUTDIR, {vectors} for VECTORS), "exit" the exit status it must end with and "says" text its
error must contain (besides the name of the offending input). Everything is derived from the
ASN.1, LDIF and JSON structure alone; nothing is shared with Mohur's code.
"""
import base64
import json
import os
import sys

VECTORS, OUT = sys.argv[1], sys.argv[2]
os.makedirs(OUT, exist_ok=True)
cases = []


def vector(path):
    with open(os.path.join(VECTORS, path), "rb") as handle:
        return handle.read()


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as handle:
        handle.write(data if isinstance(data, bytes) else data.encode())
    return "{out}/" + name


def case(name, args, exit_status, says, state="ca"):
    """state: "ca" (the test's CA state with the German list), "fresh" (a new, empty border
    post), or "none" (a command that takes no state)."""
    cases.append({"name": name, "args": args, "exit": exit_status, "says": says, "state": state})


def length_octets(n):
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def header(data, at):
    """(tag, offset of the length octets, value offset, value length) of the element at `at`."""
    tag = data[at]
    first = data[at + 1]
    if first & 0x80:
        count = first & 0x7F
        return tag, at + 1, at + 2 + count, int.from_bytes(data[at + 2:at + 2 + count], "big")
    return tag, at + 1, at + 2, first


def with_length(data, at, new_length):
    """The element at `at` with its length octets replaced (content unchanged)."""
    _, length_at, value_at, _ = header(data, at)
    return data[:length_at] + length_octets(new_length) + data[value_at:]


def nested(depth):
    inner = b"\x05\x00"
    for _ in range(depth):
        inner = b"\x30" + length_octets(len(inner)) + inner
    return inner


SOD = vector("gmrtd/sod/DE/EF_SOD.bin")
DSC = vector("gmrtd/sod/DE/DSC.der")
CSCA = vector("gmrtd/sod/DE/CSCA.der")
ML = vector("gmrtd/masterlists/DE_ML_2026-05-28-08-28-45.ml")
CRL = vector("port-py-server/crls/crl_de_fp_e421c6cf21.crl")
LDIF = vector("openpassport/pkd_ldif/icaopkd-003-complete-000090.ldif")
DG1 = vector("gmrtd/icao9303_p10_worked_examples/EF_DG1.bin")
COM = vector("gmrtd/icao9303_p10_worked_examples/EF_COM.bin")
LDS_SO = bytes.fromhex("0606678108010101")  # OID 2.23.136.1.1.1
ML_OID = bytes.fromhex("0606678108010102")  # OID 2.23.136.1.1.2

# --- EF.SOD at a border post: `pa verify` and `sod show` (exit 2, "is not a readable EF.SOD")
sod_cuts = [0, 1, 2, 3, 4, 10, 64, len(SOD) // 3, len(SOD) // 2, len(SOD) - 200, len(SOD) - 1]
for cut in sod_cuts:
    path = write(f"sod-cut-{cut}.bin", SOD[:cut])
    case(f"EF.SOD truncated to {cut} bytes", ["pa", "verify", "--sod", path], 2, "EF.SOD" if cut else "empty")
for delta in (-1, 1, 100):
    _, _, _, length = header(SOD, 0)
    path = write(f"sod-length{delta:+d}.bin", with_length(SOD, 0, length + delta))
    case(f"EF.SOD outer length {delta:+d}", ["pa", "verify", "--sod", path], 2, "EF.SOD")
path = write("sod-huge-length.bin", SOD[:1] + b"\x84\x7f\xff\xff\xff" + SOD[4:])
case("EF.SOD claiming a 2 GiB length", ["pa", "verify", "--sod", path], 2, "EF.SOD")
path = write("sod-length-9-octets.bin", SOD[:1] + b"\x89" + b"\x01" * 9 + SOD[4:])
case("EF.SOD with a 9-octet length", ["pa", "verify", "--sod", path], 2, "EF.SOD")
path = write("sod-indefinite-garbage.bin", b"\x77\x80" + b"\x30\x80" * 40)
case("EF.SOD of unterminated indefinite lengths", ["pa", "verify", "--sod", path], 2, "EF.SOD")
path = write("sod-deep.bin", b"\x77" + length_octets(len(nested(400))) + nested(400))
case("EF.SOD nested 400 deep", ["pa", "verify", "--sod", path], 2, "EF.SOD")
path = write("sod-trailing.bin", SOD + b"\x00\x00\x00")
case("EF.SOD followed by garbage", ["pa", "verify", "--sod", path], 2, "EF.SOD")
path = write("sod-wrong-tag.bin", b"\x78" + SOD[1:])
case("EF.SOD under tag 78", ["pa", "verify", "--sod", path], 2, "EF.SOD")
at = SOD.find(LDS_SO)
path = write("sod-wrong-econtenttype.bin", SOD[:at] + bytes.fromhex("0606678108010109") + SOD[at + len(LDS_SO):])
case("EF.SOD with eContentType 2.23.136.1.1.9", ["pa", "verify", "--sod", path], 2, "EF.SOD")
at = SOD.find(bytes.fromhex("06092a864886f70d010702"))
path = write("sod-not-signeddata.bin", SOD[:at] + bytes.fromhex("06092a864886f70d010703") + SOD[at + 11:])
case("EF.SOD whose ContentInfo is enveloped-data", ["pa", "verify", "--sod", path], 2, "EF.SOD")
path = write("sod-random.bin", bytes((i * 73 + 41) % 256 for i in range(700)))
case("EF.SOD of noise", ["pa", "verify", "--sod", path], 2, "EF.SOD")
path = write("sod-text.bin", "this is not an EF.SOD\n")
case("EF.SOD that is text", ["sod", "show", path], 2, "EF.SOD", state="none")
for cut in (5, len(SOD) // 2):
    path = write(f"show-cut-{cut}.bin", SOD[:cut])
    case(f"sod show of a SOD cut at {cut}", ["sod", "show", path], 2, "EF.SOD", state="none")
case("EF.SOD that does not exist", ["pa", "verify", "--sod", "{out}/no-such-sod.bin"], 2, "does not exist")

# --- data groups beside a valid SOD (exit 2 for malformed arguments, 1 for a document that fails)
good_sod = "{vectors}/gmrtd/sod/DE/EF_SOD.bin"
case("--dg without a number", ["pa", "verify", "--sod", good_sod, "--dg", "{out}/x"], 2, "--dg")
case("--dg 17", ["pa", "verify", "--sod", good_sod, "--dg", "17=" + good_sod], 2, "--dg 17")
case("--dg 0", ["pa", "verify", "--sod", good_sod, "--dg", "0=" + good_sod], 2, "--dg 0")
case("--dg of a missing file", ["pa", "verify", "--sod", good_sod, "--dg", "1={out}/missing-dg1.bin"], 2, "does not exist")
dg1 = write("dg1-other-document.bin", DG1)
case("DG1 of another document", ["pa", "verify", "--sod", good_sod, "--dg", "1=" + dg1, "--at", "2024-01-01"], 1, "DG1 does not match")
case("DG15 the SOD does not list (injected)", ["pa", "verify", "--sod", good_sod, "--dg", "15=" + dg1, "--at", "2024-01-01"], 1, "DG15 was supplied but EF.SOD does not list it")
case("a document checked after its signer expired", ["pa", "verify", "--sod", good_sod, "--at", "2045-01-01"], 1, "not valid")
case("a document checked before its signer existed", ["pa", "verify", "--sod", good_sod, "--at", "2001-01-01"], 1, "not valid")
case("--at that is not a day", ["pa", "verify", "--sod", good_sod, "--at", "2024-13-45"], 2, "--at")
case("--mrz that is not an MRZ", ["pa", "verify", "--sod", good_sod, "--mrz", "P<UTO<<<"], 2, "--mrz")
corrupted = "{vectors}/gmrtd/negative/DE_EF_SOD_sig_corrupted_lastbyte.bin"
case("a SOD whose signature was altered", ["pa", "verify", "--sod", corrupted, "--at", "2024-01-01"], 1, "does not verify")

# --- certificates and CRLs for the trust store (exit 2 for unreadable input)
for cut in (0, 1, 50, len(DSC) // 2, len(DSC) - 1):
    path = write(f"cert-cut-{cut}.der", DSC[:cut])
    case(f"certificate cut to {cut} bytes", ["trust", "import", path], 2, "neither" if cut else "empty")
_, _, _, length = header(DSC, 0)
path = write("cert-length+5.der", with_length(DSC, 0, length + 5))
case("certificate claiming 5 bytes more", ["trust", "import", path], 2, "neither")
path = write("cert-trailing.der", DSC + b"\x30\x00")
case("certificate followed by another element", ["trust", "import", path], 2, "neither")
path = write("cert-deep.der", nested(300))
case("certificate nested 300 deep", ["trust", "import", path], 2, "neither")
pem_bad = "-----BEGIN CERTIFICATE-----\n@@@@ not base64 @@@@\n-----END CERTIFICATE-----\n"
path = write("cert-bad-base64.pem", pem_bad)
case("PEM certificate whose body is not base64", ["trust", "import", path], 2, "base64")
path = write("cert-empty.pem", "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
case("PEM certificate with no body", ["trust", "import", path], 2, "")
path = write("cert-unterminated.pem", "-----BEGIN CERTIFICATE-----\n" + base64.b64encode(DSC).decode()[:200] + "\n")
case("PEM certificate never ended", ["trust", "import", path], 2, "")
path = write("cert-pem-of-garbage.pem", "-----BEGIN CERTIFICATE-----\n" + base64.b64encode(b"garbage" * 20).decode() + "\n-----END CERTIFICATE-----\n")
case("PEM of something that is not a certificate", ["trust", "import", path], 2, "")
for cut in (0, 10, len(CRL) // 2):
    path = write(f"crl-cut-{cut}.crl", CRL[:cut])
    case(f"CRL cut to {cut} bytes", ["trust", "import", path], 2, "neither" if cut else "empty")
path = write("crl-bad-base64.pem", "-----BEGIN X509 CRL-----\n!!!!\n-----END X509 CRL-----\n")
case("PEM CRL whose body is not base64", ["trust", "import", path], 2, "")
case("a file that does not exist", ["trust", "import", "{out}/no-such-file.der"], 2, "does not exist")

# --- master lists (exit 2 unreadable, 1 refused)
for cut in (20, 1000, len(ML) // 2, len(ML) - 1):
    path = write(f"ml-cut-{cut}.ml", ML[:cut])
    case(f"master list cut to {cut} bytes", ["trust", "import", path], 2, "neither")
at = ML.find(ML_OID)
path = write("ml-as-lds-object.ml", ML[:at] + LDS_SO + ML[at + len(ML_OID):])
case("master list relabelled as an LDS security object", ["trust", "import", "--ml-root", "{vectors}/gmrtd/masterlists/DE_ROOT_CA_CSCA07.cer", path], 2, "neither")
flipped = bytearray(ML)
flipped[len(ML) - 20] ^= 0x01
path = write("ml-bad-signature.ml", bytes(flipped))
case("master list with an altered signature", ["trust", "import", "--ml-root", "{vectors}/gmrtd/masterlists/DE_ROOT_CA_CSCA07.cer", path], 1, "does not verify")
case("master list without its root", ["trust", "import", "{vectors}/gmrtd/masterlists/NL_ML_2026-07-22.ml"], 1, "does not chain", state="fresh")
case("master list anchored at a Document Signer", ["trust", "import", "--ml-root", "{vectors}/gmrtd/sod/DE/DSC.der", "{vectors}/gmrtd/masterlists/NL_ML_2026-07-22.ml"], 1, "does not chain", state="fresh")
case("master list root pinned by a wrong fingerprint", ["trust", "import", "--ml-root-sha256", "ab" * 32, "{vectors}/gmrtd/masterlists/NL_ML_2026-07-22.ml"], 1, "pinned SHA-256", state="fresh")
case("master list root pin that is not hex", ["trust", "import", "--ml-root-sha256", "xyz", "{vectors}/gmrtd/masterlists/NL_ML_2026-07-22.ml"], 2, "--ml-root-sha256")
path = write("ml-root-garbage.pem", "not a certificate\n")
case("master list root file that is not a certificate", ["trust", "import", "--ml-root", path, "{vectors}/gmrtd/masterlists/NL_ML_2026-07-22.ml"], 2, "")

# --- PKD LDIF
head = LDIF[:20000].rsplit(b"\n\n", 1)[0] + b"\n\n"
path = write("ldif-bad-base64.ldif", b"dn: cn=x,o=dsc,c=DE\nuserCertificate;binary:: @@@@###\n\n")
case("LDIF value that is not base64", ["trust", "import", path], 2, "not valid base64")
path = write("ldif-no-colon.ldif", b"dn: cn=x,o=dsc,c=DE\nthis line has no separator\n\n")
case("LDIF line without a colon", ["trust", "import", path], 2, "has no ':'")
path = write("ldif-cut.ldif", head[:-300])
case("LDIF cut inside a value", ["trust", "import", path], 2, "")
path = write("ldif-continuation-first.ldif", b" dn: continued before anything\n\n")
case("LDIF beginning with a continuation line", ["trust", "import", path], 2, "neither")
path = write("ldif-certificate-garbage.ldif", b"dn: cn=x,o=dsc,c=DE\nuserCertificate;binary:: " + base64.b64encode(b"\x30\x03\x02\x01\x01") + b"\n\n")
case("LDIF certificate that does not parse", ["trust", "import", path], 0, "rejected")

# --- deviation declarations and deviation lists
for name, text, says in [
    ("dl-not-json.json", "{not json", "not a deviation declaration"),
    ("dl-no-deviations.json", "{}", "not a deviation declaration"),
    ("dl-empty.json", '{"deviations":[]}', "declares no deviation"),
    ("dl-unknown-type.json", '{"deviations":[{"documentNumbers":["X1"],"descriptions":[{"type":"bogus"}]}]}', "'bogus' is unknown"),
    ("dl-no-documents.json", '{"deviations":[{"descriptions":[{"type":"chip"}]}]}', "names no documents"),
    ("dl-no-descriptions.json", '{"deviations":[{"documentNumbers":["X1"],"descriptions":[]}]}', "has no descriptions"),
    ("dl-dg-missing.json", '{"deviations":[{"documentNumbers":["X1"],"descriptions":[{"type":"dg-hash-wrong"}]}]}', "dataGroup"),
    ("dl-dg-99.json", '{"deviations":[{"documentNumbers":["X1"],"descriptions":[{"type":"dg-malformed","dataGroup":99}]}]}', "dataGroup"),
    ("dl-bad-date.json", '{"deviations":[{"issuedFrom":"2026-02-30x","issuedTo":"2026-03-01","descriptions":[{"type":"chip"}]}]}', "not a date"),
    ("dl-half-period.json", '{"deviations":[{"issuedFrom":"2026-01-01","descriptions":[{"type":"chip"}]}]}', "both issuedFrom and issuedTo"),
    ("dl-unknown-signer.json", '{"deviations":[{"documentSigner":"0102","descriptions":[{"type":"chip"}]}]}', "no Document Signer certificate"),
    ("dl-bad-doctype.json", '{"deviations":[{"documentType":"p<","descriptions":[{"type":"chip"}]}]}', "documentType"),
    ("dl-unprintable.json", '{"deviations":[{"documentNumbers":["C<01"],"descriptions":[{"type":"chip"}]}]}', "PrintableString"),
]:
    path = write(name, text)
    case(f"deviation declaration {name}", ["dl", "sign", "--from", path, "--out", "{out}/" + name + ".dvl"], 2, says)

# --- EF.SOD signing inputs (the issuing side)
for name, data in [("dg-wrong-tag.bin", b"\x62" + DG1[1:]), ("dg-truncated.bin", DG1[:10]), ("dg-empty.bin", b"")]:
    path = write(name, data)
    case(f"sod sign with {name}", ["sod", "sign", "--doc-type", "P", "--doc-number", "C01X00001", "--dg", "1=" + path,
                                   "--out", "{out}/never-" + name], 2, "DG1")
case("sod sign with the same data group twice", ["sod", "sign", "--doc-type", "P", "--doc-number", "C01X00002",
                                                 "--dg", "1={vectors}/gmrtd/icao9303_p10_worked_examples/EF_DG1.bin",
                                                 "--dg", "1={vectors}/gmrtd/icao9303_p10_worked_examples/EF_DG1.bin",
                                                 "--out", "{out}/never-dup.bin"], 2, "DG1")
case("sod sign with a FIN that is not one", ["sod", "sign", "--doc-type", "P", "--doc-number", "C01X00003", "--fin", "abc",
                                             "--dg", "1={vectors}/gmrtd/icao9303_p10_worked_examples/EF_DG1.bin",
                                             "--out", "{out}/never-fin.bin"], 2, "FIN")
case("sod sign with an unknown hash", ["sod", "sign", "--doc-type", "P", "--doc-number", "C01X00004", "--hash", "md5",
                                       "--dg", "1={vectors}/gmrtd/icao9303_p10_worked_examples/EF_DG1.bin",
                                       "--out", "{out}/never-md5.bin"], 2, "md5")
path = write("com-garbage.bin", COM[:5])
case("sod sign with an EF.COM that does not decode", ["sod", "sign", "--doc-type", "P", "--doc-number", "C01X00005", "--com", path,
                                                     "--dg", "1={vectors}/gmrtd/icao9303_p10_worked_examples/EF_DG1.bin",
                                                     "--out", "{out}/never-com.bin"], 2, "EF.COM")

# --- trust bundles at a post
for name, data in [("bundle-empty.bin", b""), ("bundle-text.bin", b"MOHUR-TRUST-BUNDLE-1\nold format"),
                   ("bundle-truncated.bin", b"MOHUR-TRUST-BUNDLE-2\n\x00\x00\x00\x10{}"),
                   ("bundle-huge-header.bin", b"MOHUR-TRUST-BUNDLE-2\n\xff\xff\xff\xff")]:
    path = write(name, data)
    case(f"trust bundle {name}", ["trust", "import-bundle", "--root", "{vectors}/gmrtd/sod/DE/CSCA.der", path], 2, "bundle")

with open(os.path.join(OUT, "cases.json"), "w") as handle:
    json.dump(cases, handle, indent=1)
print(len(cases))
