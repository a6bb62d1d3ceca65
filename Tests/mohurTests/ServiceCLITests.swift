import Foundation
import MohurTestSupport
import OpenSSLKit
import Testing

/// The service through a real socket on loopback: `mohur serve` as a child process, requests
/// signed by `mohur request`, by an independent RFC 9421 implementation, and sent by curl.
@Suite("mohur serve: signed requests", .serialized)
struct ServiceCLITests {
    let cli: CLITests

    init() throws { cli = try CLITests() }

    func curl(_ arguments: [String]) throws -> (status: Int, body: String) {
        let result = try run("curl", ["-s", "-o", "-", "-w", "\n%{http_code}"] + arguments)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    /// `mohur request sign` as curl -H arguments.
    func signedHeaders(_ method: String, _ url: String, body: String?, as subsystem: Subsystem) throws -> [String] {
        let signed = try cli.mohur(["request", "sign", method, url] + (body.map { ["--body", $0] } ?? []) + subsystem.signing)
        guard signed.status == 0 else { throw TestFailure(signed.output) }
        return signed.stdout.split(separator: "\n").flatMap { ["-H", String($0)] }
    }

    func journal() throws -> [String] {
        (try cli.json(try cli.mohur(["audit", "tail", "--json", "-c", "500"])) as? [[String: Any]] ?? []).compactMap { $0["entry"] as? String }
    }

    /// The service's response-signing certificate, read from the state with sqlite3 and openssl.
    func serviceCertificate() throws -> String {
        let query = "SELECT hex(der) FROM certificates WHERE fingerprint = (SELECT value FROM settings WHERE key = 'service_certificate_fingerprint')"
        let hex = try run("sqlite3", [cli.state.path("s/mohur.sqlite"), query]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let der = Digest.bytes(fromHex: hex.lowercased()) else { throw TestFailure("no service certificate in the state") }
        return try cli.state.write("service.pem", try Certificate(derEncoded: der).pem())
    }

    @Test("accepted, replayed, expired, tampered, revoked and unauthorised requests; the independent client and the journal's proof agree")
    func signedRequestsEndToEnd() throws {
        #expect(try cli.mohur(["init"]).status == 0)
        let border = try Subsystem(cli, agency: "SBS", name: "border-gateway")
        let defence = try Subsystem(cli, agency: "MOD", name: "defence-gateway")
        let revoked = try Subsystem(cli, agency: "SBS", name: "lost-gateway")
        let auditor = try Subsystem(cli, agency: "MIA", name: "audit-collector", rights: "AUD:read,op:audit-read")
        #expect(try cli.mohur(["cert", "revoke", revoked.serial, "--reason", "keyCompromise"]).status == 0)
        let service = try ServiceProcess(cli: cli, role: "central")
        let url = "\(service.base)/v1/authorize"
        let body = try cli.state.write("ask.json", #"{"certificate":"\#(Data(try Certificate(pemOrDER: Array(try Data(contentsOf: URL(fileURLWithPath: border.certificate)))).derEncoded).base64EncodedString())","resource":"BCR","right":"write"}"#)

        // Accepted: a border-service subsystem asks the decision point.
        let accepted = try cli.mohur(["request", "send", "POST", url, "--body", body] + border.signing)
        #expect(accepted.status == 0 && accepted.stdout.contains(#""allowed":true"#), "\(accepted.output)")

        // The independent implementation signs; Mohur accepts and the judge verifies Mohur's answer.
        let judged = try Judge.run(["send", "POST", url, "--body", body, "--cert", border.certificate, "--key", border.key,
                                    "--service-cert", try serviceCertificate()])
        #expect(judged["status"] as? Int == 200 && judged["response_signature"] as? String == "verified", "\(judged)")

        // Replayed: the same signed request twice (curl sends it).
        let headers = try signedHeaders("POST", url, body: body, as: border)
        #expect(try curl(headers + ["--data-binary", "@\(body)", url]).status == 200)
        let replay = try curl(headers + ["--data-binary", "@\(body)", url])
        #expect(replay.status == 401 && replay.body.contains("replay"), "\(replay)")
        // Tampered: the signature and digest of one body, another body sent.
        let tamperedHeaders = try signedHeaders("POST", url, body: body, as: border)
        let tampered = try curl(tamperedHeaders + ["--data-binary", #"{"certificate":"x","resource":"AUD","right":"write"}"#, url])
        #expect(tampered.status == 401 && tampered.body.contains("Content-Digest"), "\(tampered)")
        // Expired: created two minutes ago, by the independent client.
        let expired = try Judge.run(["send", "POST", url, "--body", body, "--cert", border.certificate, "--key", border.key,
                                     "--created-offset", "-120"])
        #expect(expired["status"] as? Int == 401 && (expired["body"] as? String)?.contains("created") == true, "\(expired)")
        // Revoked certificate.
        let lost = try cli.mohur(["request", "send", "POST", url, "--body", body] + revoked.signing)
        #expect(lost.status == 1 && lost.stdout.contains("revoked"), "\(lost.output)")
        // An agency without the right: MOD may not read the journal.
        let refused = try cli.mohur(["request", "send", "GET", "\(service.base)/v1/audit/checkpoint"] + defence.signing)
        #expect(refused.status == 1 && refused.stdout.contains(#""status":403"#) && refused.stdout.contains("audit-read"), "\(refused.output)")
        // Unsigned, malformed, unknown route, oversized, bad JSON.
        let unsigned = try curl([url, "--data-binary", "@\(body)"])
        #expect(unsigned.status == 401 && unsigned.body.contains("not signed"))
        let malformed = try curl(["-H", "Signature-Input: judge=(\"@method\";created=oops", "-H", "Signature: judge=:AA==:", url])
        #expect(malformed.status == 401 && malformed.body.contains("Signature-Input"), "\(malformed)")
        let unknown = try cli.mohur(["request", "send", "GET", "\(service.base)/v1/nosuch"] + border.signing)
        #expect(unknown.status == 2 && unknown.stdout.contains(#""status":404"#), "\(unknown.output)")
        let big = try cli.state.write("big.json", String(repeating: "x", count: 9 << 20))
        #expect(try curl(["--data-binary", "@\(big)", "-H", "Content-Type: application/json", url]).status == 413)
        let badJSON = try cli.state.write("bad.json", #"{"resource":"CIT","right":"read"}"#)
        let bad = try cli.mohur(["request", "send", "POST", url, "--body", badJSON] + border.signing)
        #expect(bad.status == 2 && bad.stdout.contains("field 'certificate' is missing"), "\(bad.output)")

        // Metrics answer loopback unsigned, with the refusals counted.
        let metrics = try curl(["\(service.base)/metrics"])
        #expect(metrics.status == 200 && metrics.body.contains("mohur_requests_refused_total{status=\"401\"}")
                && metrics.body.contains("http_response_status_code=\"401\""), "\(metrics.body.prefix(400))")

        // Within a second of the last append, a signed checkpoint covers the whole journal, also
        // what another process (the CLI) appended.
        #expect(try cli.mohur(["crl", "issue", "--ca", "segment-SBS"]).status == 0)
        for _ in 0..<2 { #expect(try curl([url]).status == 401) }  // journaled faster than the commit path signs
        Thread.sleep(forTimeInterval: 1.2)
        let covered = try run("sqlite3", [cli.state.path("s/audit.sqlite"),
                                          "SELECT (SELECT max(size) FROM audit_checkpoints) = (SELECT count(*) FROM audit_entries)"])
        #expect(covered.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "\(covered.output)")

        // The journal names the refused callers; the proof of the MOD refusal verifies independently.
        let entries = try journal()
        #expect(entries.filter { $0.contains(#""op":"request.refused""#) }.count >= 4, "\(entries)")
        #expect(entries.contains { $0.contains(#""op":"request.refused""#) && $0.contains(revoked.fingerprint) && $0.contains("revoked") })
        let denial = try #require(entries.lastIndex { $0.contains(#""op":"authz.audit-read""#) && $0.contains(defence.fingerprint) })
        let tail = try cli.json(try cli.mohur(["audit", "tail", "--json", "-c", "500"])) as? [[String: Any]] ?? []
        let index = try #require(tail[denial]["index"] as? Int)
        let note = try cli.mohur(["request", "send", "GET", "\(service.base)/v1/audit/checkpoint"] + auditor.signing)
        #expect(note.status == 0, "\(note.output)")
        let size = Int(note.stdout.split(separator: "\n")[1]) ?? 0
        #expect(size > index)
        let proof = try cli.mohur(["request", "send", "GET", "\(service.base)/v1/audit/proof/inclusion?index=\(index)&size=\(size)"] + auditor.signing)
        let entry = try cli.mohur(["request", "send", "GET", "\(service.base)/v1/audit/entries?from=\(index)&to=\(index + 1)"] + auditor.signing)
        let entryText = try #require((try JSONSerialization.jsonObject(with: Data(entry.stdout.utf8)) as? [[String: Any]])?.first?["entry"] as? String)
        #expect(entryText.contains(defence.fingerprint))
        let included = try Judge.run(["inclusion", "--entry", try cli.state.write("entry.bin", entryText),
                                      "--proof", try cli.state.write("proof.json", proof.stdout), "--note", try cli.state.write("note.txt", note.stdout)])
        #expect(included["included"] as? Bool == true, "\(included)")
        #expect(service.stop() == 0)
    }

    @Test("a replay is still refused after the service restarts within the signature's window")
    func replayRefusedAfterRestart() throws {
        #expect(try cli.mohur(["init"]).status == 0)
        let border = try Subsystem(cli, agency: "SBS", name: "border-gateway")
        var service = try ServiceProcess(cli: cli, role: "central")
        let body = try cli.state.write("ask.json", #"{"certificate":"\#(Data(try Certificate(pemOrDER: Array(try Data(contentsOf: URL(fileURLWithPath: border.certificate)))).derEncoded).base64EncodedString())","operation":"pa-verify"}"#)
        let url = "\(service.base)/v1/authorize"
        let headers = try signedHeaders("POST", url, body: body, as: border)
        #expect(try curl(headers + ["--data-binary", "@\(body)", url]).status == 200)
        let signedPort = service.port
        #expect(service.stop() == 0)
        service = try ServiceProcess(cli: cli, role: "central")
        // The signature covers the old port in @target-uri: the Host field keeps it.
        let again = try curl(headers + ["--data-binary", "@\(body)", "-H", "Host: 127.0.0.1:\(signedPort)", "\(service.base)/v1/authorize"])
        #expect(again.status == 401 && again.body.contains("replay"), "\(again)")
        #expect(service.stop() == 0)
    }

    @Test("TLS with a key file and with the key in the HSM: the handshake completes and a request signed for https is accepted")
    func tlsWithFileAndHSMKeys() throws {
        #expect(try cli.mohur(["init"]).status == 0)
        let border = try Subsystem(cli, agency: "SBS", name: "border-gateway", rights: "BCR:write,op:pa-verify")
        let key = cli.state.path("tls.key"), certificate = cli.state.path("tls.pem")
        let made = try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", certificate,
                                "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
        #expect(made.status == 0, "\(made.output)")
        // The first security officer's key, on the token, with its certificate as the TLS leaf.
        let status = try cli.json(try cli.mohur(["hsm", "status", "--json"])) as? [String: Any]
        let keys = status?["keys"] as? [[String: Any]] ?? []
        let uri = try #require(keys.first { ($0["label"] as? String)?.hasPrefix("mohur-officer-security-officer") == true }?["reference"] as? String)
        let hex = try run("sqlite3", [cli.state.path("s/mohur.sqlite"), "SELECT hex(der) FROM certificates WHERE key_ref = '\(uri)'"])
        let der = try #require(Digest.bytes(fromHex: hex.stdout.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()))
        let hsmLeaf = try cli.state.write("hsm-leaf.pem", try Certificate(derEncoded: der).pem())
        let body = try cli.state.write("ask.json", #"{"certificate":"\#(Data(try Certificate(pemOrDER: Array(try Data(contentsOf: URL(fileURLWithPath: border.certificate)))).derEncoded).base64EncodedString())","operation":"pa-verify"}"#)
        for (leaf, tlsKey) in [(certificate, key), (hsmLeaf, uri)] {
            let service = try ServiceProcess(cli: cli, role: "central", extra: ["--tls-cert", leaf, "--tls-key", tlsKey])
            let url = "https://127.0.0.1:\(service.port)/v1/authorize"
            #expect(try curl(["-k", "https://127.0.0.1:\(service.port)/healthz"]).status == 204, "TLS with \(tlsKey)")
            let headers = try signedHeaders("POST", url, body: body, as: border)
            let answer = try curl(["-k"] + headers + ["--data-binary", "@\(body)", url])
            #expect(answer.status == 200 && answer.body.contains(#""allowed":true"#), "\(answer)")
            #expect(try curl(["http://127.0.0.1:\(service.port)/healthz"]).status != 204, "plain HTTP must not be served beside TLS")
            #expect(service.stop() == 0)
        }
    }
}

/// Chip data through the service: an issuing centre signs EF.SOD, a border post verifies real
/// passports' SODs, both with signed requests.
@Suite("mohur serve: issuing and border routes", .serialized)
struct ServiceDocumentTests {
    let cli: CLITests

    init() throws { cli = try CLITests() }

    @Test("an issuing-centre subsystem signs EF.SOD through the service, openssl verifies it; a border post verifies the real FR passport")
    func signAndVerifyThroughTheService() throws {
        #expect(try cli.mohur(["init"]).status == 0)
        let centre = try Subsystem(cli, agency: "MIA", name: "passport-centre", rights: "CIT:write,op:sod-sign")
        let bsi = "worldfnd-icao-9303/bsi_tr03105-5_reference_dataset"
        let dg1 = Data(try Vectors.bytes("\(bsi)/Datagroup1.bin")).base64EncodedString()
        let dg2 = Data(try Vectors.bytes("\(bsi)/Datagroup2.bin")).base64EncodedString()
        let document = try cli.state.write("document.json", #"{"documentType":"P","documentNumber":"C01234567","fin":"5ZJ3K8P","dataGroups":{"1":"\#(dg1)","2":"\#(dg2)"}}"#)
        let issuing = try ServiceProcess(cli: cli, role: "issuing")
        let signed = try cli.mohur(["request", "send", "POST", "\(issuing.base)/v1/documents/sod", "--body", document] + centre.signing)
        #expect(signed.status == 0, "\(signed.output)")
        let reply = try JSONSerialization.jsonObject(with: Data(signed.stdout.utf8)) as? [String: Any]
        let sod = try #require((reply?["sod"] as? String).flatMap { Data(base64Encoded: $0) })
        // The 77 wrapper stripped, as openssl cms wants: tag, length octets, then the ContentInfo.
        let bytes = Array(sod)
        let lengthOctets = bytes[1] < 0x80 ? 1 : 1 + Int(bytes[1] & 0x7f)
        let contentInfo = try cli.state.write("sod.p7", Array(bytes[(1 + lengthOctets)...]))
        let verified = try openssl(["cms", "-verify", "-inform", "DER", "-in", contentInfo, "-noverify", "-out", "/dev/null"])
        #expect(verified.status == 0, "\(verified.output)")
        let batch = try cli.state.write("batch.json", #"{"documents":[{"documentType":"P","documentNumber":"C01234568","dataGroups":{"1":"\#(dg1)","2":"\#(dg2)"}},{"documentType":"P","documentNumber":"bad number","dataGroups":{"1":"\#(dg1)"}}]}"#)
        let batched = try cli.mohur(["request", "send", "POST", "\(issuing.base)/v1/documents/sod/batch", "--body", batch] + centre.signing)
        let items = try JSONSerialization.jsonObject(with: Data(batched.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(items.count == 2 && items[0]["signed"] != nil && (items[1]["error"] as? String)?.contains("document number") == true, "\(batched.output)")

        // A retry under the same X-Request-Id (freshly signed, as after a lost connection) gets the
        // same EF.SOD back with 200; one issuance is recorded, not two.
        let retried = try cli.state.write("retry.json", #"{"documentType":"P","documentNumber":"C01234569","dataGroups":{"1":"\#(dg1)","2":"\#(dg2)"}}"#)
        var answers: [(status: Int, body: String)] = []
        for _ in 0..<2 {
            let url = "\(issuing.base)/v1/documents/sod"
            let headers = try cli.mohur(["request", "sign", "POST", url, "--body", retried] + centre.signing).stdout
                .split(separator: "\n").flatMap { ["-H", String($0)] }
            let sent = try run("curl", ["-s", "-w", "\n%{http_code}", "-H", "X-Request-Id: centre-7-000123"] + headers + ["--data-binary", "@\(retried)", url])
            let lines = sent.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            answers.append((Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n")))
        }
        #expect(answers.map(\.status) == [201, 200], "\(answers)")
        func sodField(_ body: String) -> String? { (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["sod"] as? String }
        #expect(sodField(answers[0].body) != nil && sodField(answers[0].body) == sodField(answers[1].body))
        #expect(issuing.stop() == 0)
        let records = try run("sqlite3", [cli.state.path("s/mohur.sqlite"), "SELECT count(*) FROM sod_issuances"]).stdout
        #expect(records.trimmingCharacters(in: .whitespacesAndNewlines) == "3")

        // A border post: the FR CSCA in its trust store, the real FR passport's SOD presented.
        let fr = Vectors.root.appendingPathComponent("gmrtd/sod/FR").path
        #expect(try cli.mohur(["trust", "import", "\(fr)/CSCA.der"]).status == 0)
        let border = try Subsystem(cli, agency: "SBS", name: "border-gateway", rights: "BCR:write,op:pa-verify")
        let presented = try cli.state.write("presented.json",
                                            #"{"sod":"\#(Data(try Vectors.bytes("gmrtd/sod/FR/EF_SOD.bin")).base64EncodedString())","at":"2018-01-01T00:00:00Z"}"#)
        let post = try ServiceProcess(cli: cli, role: "border")
        let report = try cli.mohur(["request", "send", "POST", "\(post.base)/v1/documents/verify", "--body", presented] + border.signing)
        #expect(report.status == 0 && report.stdout.contains(#""verdict":"valid""#), "\(report.output)")
        let status = try cli.mohur(["request", "send", "GET", "\(post.base)/v1/trust/status"] + border.signing)
        #expect(status.status == 0 && status.stdout.contains("csca"), "\(status.output)")
        // The defence ministry has no pa-verify.
        let defence = try Subsystem(cli, agency: "MOD", name: "defence-gateway")
        let refused = try cli.mohur(["request", "send", "POST", "\(post.base)/v1/documents/verify", "--body", presented] + defence.signing)
        #expect(refused.status == 1 && refused.stdout.contains(#""status":403"#), "\(refused.output)")
        #expect(post.stop() == 0)
    }
}
