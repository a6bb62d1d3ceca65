import SwiftASN1

/// The eContent of a CSCA master list (Doc 9303-12 §8.2):
/// ```
/// CscaMasterList ::= SEQUENCE {
///     version    CscaMasterListVersion,   -- v0(0)
///     certList   SET OF Certificate }
/// ```
/// Sign it with ``CMSSignedDataBuilder`` under eContentType ``LDSObjectIdentifier/cscaMasterList``.
public enum CSCAMasterListContent {
    /// The DER of a version-0 list holding `certificates` (each a complete DER Certificate),
    /// duplicates removed and in DER `SET OF` order (X.690 §11.6).
    public static func encode(_ certificates: [[UInt8]]) -> [UInt8] {
        let members = CMSSignedDataBuilder.derSetOrder(Array(Set(certificates)))
        return DERTree.constructed(.sequence, [.integer(0), .constructed(.set, members.map(DERTree.encoded))]).bytes
    }
}
