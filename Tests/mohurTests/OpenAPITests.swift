import Foundation
import MohurTestSupport
import Testing

/// `Sources/Service/openapi.yaml` against the service: every route it documents answers, and
/// every route any role mounts is documented.
@Suite("OpenAPI document", .serialized)
struct OpenAPITests {
    let cli: CLITests

    init() throws { cli = try CLITests() }

    /// "METHOD /path" for every operation under `paths:` (two-space path keys, four-space methods).
    static func documented() throws -> Set<String> {
        let path = Vectors.repositoryRoot.appendingPathComponent("Sources/Service/openapi.yaml").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var routes: Set<String> = []
        var inPaths = false
        var current: String?
        for line in text.split(separator: "\n") {
            if line == "paths:" { inPaths = true; continue }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":") { current = String(line.dropFirst(2).dropLast()); continue }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("    "), !line.hasPrefix("     "), ["get:", "post:", "put:", "delete:"].contains(trimmed), let current {
                routes.insert("\(trimmed.dropLast().uppercased()) \(current)")
            }
        }
        return routes
    }

    @Test("the routes of the four roles are exactly the documented ones, and each documented route answers")
    func documentMatchesRoutes() throws {
        #expect(try cli.mohur(["init"]).status == 0)
        #expect(try cli.mohur(["witness", "init", "--name", "witness.example"]).status == 0)
        let documented = try Self.documented()
        var mounted: [String: Set<String>] = [:]
        for role in ["central", "issuing", "border", "witness"] {
            let listed = try cli.mohur(["serve", "--role", role, "--list-routes"])
            #expect(listed.status == 0, "\(listed.output)")
            mounted[role] = Set(listed.stdout.split(separator: "\n").map(String.init))
        }
        let all = mounted.values.reduce(Set<String>()) { $0.union($1) }
        #expect(all == documented, "undocumented: \(all.subtracting(documented)); not mounted: \(documented.subtracting(all))")

        let caller = try Subsystem(cli, agency: "MIA", name: "ministry-gateway",
                                   rights: "CIT:read,AUD:read,op:perm-issue,op:audit-read,op:sod-sign,op:pa-verify")
        let body = try cli.state.write("empty.json", "{}")
        for (role, routes) in mounted.sorted(by: { $0.key < $1.key }) {
            let service = try ServiceProcess(cli: cli, role: role)
            for route in routes.sorted() {
                let parts = route.split(separator: " ")
                let path = String(parts[1]).replacingOccurrences(of: "{name}", with: "csca-1")
                let query = path.contains("/audit/") && path != "/v1/audit/checkpoint" ? "?index=0&size=1&from=0&to=1" : ""
                let method = String(parts[0])
                let answer = try cli.mohur(["request", "send", method, "\(service.base)\(path)\(query)"]
                                           + (method == "POST" ? ["--body", body] : []) + caller.signing)
                #expect(!answer.stdout.contains("no such route") && !answer.stdout.contains("not served on this path"),
                        "\(role) \(route): \(answer.output)")
            }
            #expect(service.stop() == 0)
        }
    }
}
