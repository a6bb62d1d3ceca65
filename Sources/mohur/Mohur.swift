import ArgumentParser
import Foundation
import MohurCore

/// `mohur`: the officer's command line for the IAMAS PKI. The root command only dispatches.
struct Mohur: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mohur",
        abstract: "Mohur — PKI and document security of IAMAS: keys in an HSM, the four signature levels, ICAO passport PKI.",
        discussion: """
            Levels: L1 the IAMAS Central Root CA; L2 one segment CA per agency; L3 cross-certification with the \
            national PKI; L4 ICAO: CSCA, Document Signers, Master List and Deviation List Signers.

            State lives in --state DIR (env MOHUR_STATE, default ./.mohur): SQLite plus the key store configuration. \
            Keys stay in the HSM (PKCS#11 through p11-kit; an embedded SoftHSM2 token by default). The HSM PIN comes \
            from the environment variable MOHUR_HSM_PIN or the PIN file named in the state's config.json — never \
            from the command line.

            Start with `mohur init`, then `mohur ca list`. Commands that change state or read the audit journal run as \
            an identified officer: `mohur login --as URI`, or `--as` on one command. A development state (made by \
            `make run`) logs its development officers in automatically.

            Exit status: 0 success; 1 refused by policy; 2 bad usage or input; 3 system failure (HSM, database); \
            75 temporarily unavailable (the HSM does not answer: nothing was done, run it again).
            """,
        subcommands: [InitCommand.self, LoginCommand.self, LogoutCommand.self, WhoAmICommand.self, CAGroup.self, CertGroup.self, CRLGroup.self, CSCAGroup.self, DSGroup.self, SODGroup.self, WitnessGroup.self, StatusCommand.self, MLGroup.self, DLGroup.self, PKDGroup.self,
                      HSMGroup.self, TrustGroup.self, PAGroup.self, AuditGroup.self, PermGroup.self, OfficerGroup.self,
                      ApproveGroup.self, ServeCommand.self, RequestGroup.self, BackupCommand.self, RestoreCommand.self])
}

@main
enum Entry {
    static func main() async {
        do {
            var command = try Mohur.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as MohurError {
            report(error.description, code: error.exitCode)
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let code = Mohur.exitCode(for: error)
            if code == .success {
                print(Mohur.fullMessage(for: error))
                Foundation.exit(0)
            }
            let message = Mohur.fullMessage(for: error)
            FileHandle.standardError.write(Data((message + "\n").utf8))
            // ArgumentParser's usage errors (64) and anything unclassified map to Mohur's codes.
            Foundation.exit(code == .validationFailure ? 2 : (code.rawValue == 1 ? 3 : code.rawValue))
        }
    }

    static func report(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("mohur: error: \(message)\n".utf8))
        Foundation.exit(code)
    }
}
