import SwiftASN1

/// Object identifiers used by EF.SOD and the LDS security object.
///
/// Each constant quotes its ASN.1 definition. Real-world variants that passports in
/// circulation carry are kept next to the standard ones.
public enum LDSObjectIdentifier {
    // MARK: ICAO (Doc 9303-10 §4.6.2, Doc 9303-12 §9)

    /// `id-icao-mrtd-security-ldsSecurityObject`, 2.23.136.1.1.1 — the eContentType of EF.SOD.
    ///
    /// ```
    /// id-icao OBJECT IDENTIFIER ::= { joint-iso-itu-t(2) international-organizations(23) icao(136) }
    /// id-icao-mrtd OBJECT IDENTIFIER ::= { id-icao 1 }
    /// id-icao-mrtd-security OBJECT IDENTIFIER ::= { id-icao-mrtd 1 }
    /// id-icao-mrtd-security-ldsSecurityObject OBJECT IDENTIFIER ::= { id-icao-mrtd-security 1 }
    /// ```
    public static let ldsSecurityObject: ASN1ObjectIdentifier = [2, 23, 136, 1, 1, 1]

    /// Legacy LDS security object OID, 1.3.27.1.1.1, found as eContentType in early French and
    /// Belgian passports (pre-standard arc `{ iso(1) identified-organization(3) 27 1 1 1 }`).
    /// Accepted on decode; never written.
    public static let legacyLDSSecurityObject: ASN1ObjectIdentifier = [1, 3, 27, 1, 1, 1]

    /// `id-icao-cscaMasterList`, 2.23.136.1.1.2 — the eContentType of a CSCA master list.
    ///
    /// ```
    /// id-icao-cscaMasterList OBJECT IDENTIFIER ::= { id-icao-mrtd-security 2 }
    /// ```
    public static let cscaMasterList: ASN1ObjectIdentifier = [2, 23, 136, 1, 1, 2]

    /// `id-icao-DeviationList`, 2.23.136.1.1.7 — the eContentType of a deviation list, and the
    /// arc of the deviation types (Doc 9303-12 §9.2).
    public static let deviationList: ASN1ObjectIdentifier = [2, 23, 136, 1, 1, 7]

    // MARK: CMS (RFC 5652)

    /// `id-data`, 1.2.840.113549.1.7.1. Chinese passports use it as the eContentType of EF.SOD
    /// instead of ``ldsSecurityObject``; accepted on decode.
    ///
    /// ```
    /// id-data OBJECT IDENTIFIER ::= { iso(1) member-body(2) us(840) rsadsi(113549) pkcs(1) pkcs7(7) 1 }
    /// ```
    public static let data: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 7, 1]

    /// `id-signedData`, 1.2.840.113549.1.7.2 — the contentType of the ContentInfo inside EF.SOD.
    ///
    /// ```
    /// id-signedData OBJECT IDENTIFIER ::= { iso(1) member-body(2) us(840) rsadsi(113549) pkcs(1) pkcs7(7) 2 }
    /// ```
    public static let signedData: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 7, 2]

    /// `id-contentType`, 1.2.840.113549.1.9.3 — signed attribute naming the eContentType (RFC 5652 §11.1).
    ///
    /// ```
    /// id-contentType OBJECT IDENTIFIER ::= { iso(1) member-body(2) us(840) rsadsi(113549) pkcs(1) pkcs9(9) 3 }
    /// ContentType ::= OBJECT IDENTIFIER
    /// ```
    public static let contentTypeAttribute: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 9, 3]

    /// `id-messageDigest`, 1.2.840.113549.1.9.4 — signed attribute holding the eContent digest (RFC 5652 §11.2).
    ///
    /// ```
    /// id-messageDigest OBJECT IDENTIFIER ::= { iso(1) member-body(2) us(840) rsadsi(113549) pkcs(1) pkcs9(9) 4 }
    /// MessageDigest ::= OCTET STRING
    /// ```
    public static let messageDigestAttribute: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 9, 4]

    /// `id-signingTime`, 1.2.840.113549.1.9.5 — signed attribute with the signing time (RFC 5652 §11.3).
    ///
    /// ```
    /// id-signingTime OBJECT IDENTIFIER ::= { iso(1) member-body(2) us(840) rsadsi(113549) pkcs(1) pkcs9(9) 5 }
    /// SigningTime ::= Time
    /// Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime }
    /// ```
    public static let signingTimeAttribute: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 9, 5]

    /// `id-aa-CMSAlgorithmProtection`, 1.2.840.113549.1.9.52 (RFC 6211), seen in Indonesian SODs.
    ///
    /// ```
    /// id-aa-CMSAlgorithmProtection OBJECT IDENTIFIER ::= { iso(1) member-body(2) us(840)
    ///     rsadsi(113549) pkcs(1) pkcs9(9) 52 }
    /// ```
    public static let cmsAlgorithmProtectionAttribute: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 9, 52]

    // MARK: Hash algorithms (Doc 9303-12 §4.4.2; RFC 3279, RFC 5754)

    /// `id-sha1`, 1.3.14.3.2.26.
    ///
    /// ```
    /// id-sha1 OBJECT IDENTIFIER ::= { iso(1) identified-organization(3) oiw(14) secsig(3) algorithms(2) 26 }
    /// ```
    public static let sha1: ASN1ObjectIdentifier = [1, 3, 14, 3, 2, 26]

    /// `id-sha224`, 2.16.840.1.101.3.4.2.4.
    ///
    /// ```
    /// id-sha224 OBJECT IDENTIFIER ::= { joint-iso-itu-t(2) country(16) us(840) organization(1)
    ///     gov(101) csor(3) nistalgorithm(4) hashalgs(2) 4 }
    /// ```
    public static let sha224: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 4]

    /// `id-sha256`, 2.16.840.1.101.3.4.2.1.
    ///
    /// ```
    /// id-sha256 OBJECT IDENTIFIER ::= { joint-iso-itu-t(2) country(16) us(840) organization(1)
    ///     gov(101) csor(3) nistalgorithm(4) hashalgs(2) 1 }
    /// ```
    public static let sha256: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 1]

    /// `id-sha384`, 2.16.840.1.101.3.4.2.2.
    ///
    /// ```
    /// id-sha384 OBJECT IDENTIFIER ::= { joint-iso-itu-t(2) country(16) us(840) organization(1)
    ///     gov(101) csor(3) nistalgorithm(4) hashalgs(2) 2 }
    /// ```
    public static let sha384: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 2]

    /// `id-sha512`, 2.16.840.1.101.3.4.2.3.
    ///
    /// ```
    /// id-sha512 OBJECT IDENTIFIER ::= { joint-iso-itu-t(2) country(16) us(840) organization(1)
    ///     gov(101) csor(3) nistalgorithm(4) hashalgs(2) 3 }
    /// ```
    public static let sha512: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 3]

    /// The eContentTypes accepted inside EF.SOD: the ICAO OID, the legacy FR/BE OID and `id-data` (CN).
    public static let acceptedSODContentTypes: [ASN1ObjectIdentifier] = [ldsSecurityObject, legacyLDSSecurityObject, data]
}
