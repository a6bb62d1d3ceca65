import Foundation
import MohurCore

/// Which witnesses' cosignatures a verifier requires before it trusts a checkpoint: a k-of-n
/// policy over witnesses and groups of them, in the line format of Sigsum trust policies
/// (one statement per line, `#` comments):
///
///     witness <cosignature vkey> [URL]
///     group <name> <k | all | any> <member> <member>…
///     quorum <witness or group name>
///
/// A member is a witness (by the name in its vkey) or an earlier group. Exactly one `quorum`
/// line says what must be satisfied.
public struct WitnessPolicy: Sendable {
    public let witnesses: [String: CosignerKey]
    public let urls: [String: String]
    let groups: [String: (threshold: Int, members: [String])]
    public let quorum: String

    public init(text: String, source: String = "the policy") throws(MohurError) {
        var witnesses: [String: CosignerKey] = [:]
        var urls: [String: String] = [:]
        var groups: [String: (threshold: Int, members: [String])] = [:]
        var quorum: String?
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            guard let keyword = fields.first else { continue }
            let at = "\(source) line \(number + 1)"
            switch keyword {
            case "witness":
                guard (2...3).contains(fields.count) else { throw .badInput("\(at): 'witness <vkey> [url]'") }
                let key: CosignerKey
                do { key = try CosignerKey(vkey: fields[1]) } catch { throw .badInput("\(at): \(error.reason)") }
                guard witnesses[key.name] == nil, groups[key.name] == nil else { throw .badInput("\(at): '\(key.name)' is defined twice") }
                witnesses[key.name] = key
                if fields.count == 3 { urls[key.name] = fields[2] }
            case "group":
                guard fields.count >= 4 else { throw .badInput("\(at): 'group <name> <k|all|any> <member>…'") }
                let name = fields[1], members = Array(fields[3...])
                guard witnesses[name] == nil, groups[name] == nil else { throw .badInput("\(at): '\(name)' is defined twice") }
                for member in members where witnesses[member] == nil && groups[member] == nil {
                    throw .badInput("\(at): member '\(member)' is not a witness or group defined above")
                }
                guard Set(members).count == members.count else { throw .badInput("\(at): group \(name) names a member twice") }
                let threshold: Int
                switch fields[2] {
                case "all": threshold = members.count
                case "any": threshold = 1
                default:
                    guard let k = Int(fields[2]), (1...members.count).contains(k) else {
                        throw .badInput("\(at): the threshold of group \(name) must be all, any or 1…\(members.count)")
                    }
                    threshold = k
                }
                groups[name] = (threshold, members)
            case "quorum":
                guard fields.count == 2 else { throw .badInput("\(at): 'quorum <witness or group>'") }
                guard quorum == nil else { throw .badInput("\(at): a second quorum line") }
                guard witnesses[fields[1]] != nil || groups[fields[1]] != nil else {
                    throw .badInput("\(at): quorum '\(fields[1])' is not a witness or group defined above")
                }
                quorum = fields[1]
            case "log":
                continue  // the log's own key comes from the journal, or --vkey
            default:
                throw .badInput("\(at): unknown statement '\(keyword)' (witness, group, quorum)")
            }
        }
        guard let quorum else { throw .badInput("\(source) has no 'quorum' line: say which witnesses must cosign") }
        self.witnesses = witnesses
        self.urls = urls
        self.groups = groups
        self.quorum = quorum
    }

    /// The witnesses whose cosignatures on `checkpoint` verify among `lines`. A line of a
    /// policy witness that fails to verify is refused outright.
    public func cosigners(of checkpoint: Checkpoint, in lines: [Substring]) throws(MohurError) -> Set<String> {
        var found = Set<String>()
        for (name, key) in witnesses where try key.verifiedTimestamp(of: checkpoint, in: lines) != nil {
            found.insert(name)
        }
        return found
    }

    /// Whether `cosigners` satisfy the quorum.
    public func isSatisfied(by cosigners: Set<String>) -> Bool { satisfied(quorum, cosigners) }

    private func satisfied(_ name: String, _ cosigners: Set<String>) -> Bool {
        guard let group = groups[name] else { return cosigners.contains(name) }
        return group.members.filter { satisfied($0, cosigners) }.count >= group.threshold
    }
}
