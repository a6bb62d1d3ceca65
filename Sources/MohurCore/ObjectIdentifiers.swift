import SwiftASN1

/// Object identifiers Mohur names, with the ASN.1 that defines them.
public enum OID {
    // MARK: ICAO Doc 9303-12 (id-icao-mrtd-security ::= { joint-iso-itu-t(2) international-organizations(23) icao(136) mrtd(1) security(1) })

    /// id-icao-mrtd-security-ldsSecurityObject ::= { id-icao-mrtd-security 1 } (9303-10 §4.6.2).
    public static let ldsSecurityObject: ASN1ObjectIdentifier = [2, 23, 136, 1, 1, 1]
    /// id-icao-cscaMasterList ::= { id-icao-mrtd-security 2 } (9303-12 §8).
    public static let cscaMasterList: ASN1ObjectIdentifier = [2, 23, 136, 1, 1, 2]
    /// id-icao-cscaMasterListSigningKey ::= { id-icao-mrtd-security 3 }: Master List Signer EKU.
    public static let cscaMasterListSigningKey: ASN1ObjectIdentifier = [2, 23, 136, 1, 1, 3]
    /// id-icao-documentTypeList ::= { id-icao-mrtd-security 6 2 }: DocumentTypeList extension
    /// (9303-12 §7.1.1.3).
    public static let documentTypeList: ASN1ObjectIdentifier = [2, 23, 136, 1, 1, 6, 2]
    /// id-icao-mrtd-security-deviationListSigningKey ::= { id-icao-mrtd-security 8 }: Deviation
    /// List Signer EKU (9303-12 §9).
    public static let deviationListSigningKey: ASN1ObjectIdentifier = [2, 23, 136, 1, 1, 8]

    // MARK: RFC 5280 §4.2.1 certificate extensions (id-ce ::= { 2 5 29 })

    public static let subjectKeyIdentifier: ASN1ObjectIdentifier = [2, 5, 29, 14]
    public static let keyUsage: ASN1ObjectIdentifier = [2, 5, 29, 15]
    /// PrivateKeyUsagePeriod (RFC 3280 §4.2.1.4; required by 9303-12 §7.1.1 on CSCA and DS).
    public static let privateKeyUsagePeriod: ASN1ObjectIdentifier = [2, 5, 29, 16]
    public static let subjectAltName: ASN1ObjectIdentifier = [2, 5, 29, 17]
    public static let issuerAltName: ASN1ObjectIdentifier = [2, 5, 29, 18]
    public static let basicConstraints: ASN1ObjectIdentifier = [2, 5, 29, 19]
    public static let crlNumber: ASN1ObjectIdentifier = [2, 5, 29, 20]
    public static let nameConstraints: ASN1ObjectIdentifier = [2, 5, 29, 30]
    public static let crlDistributionPoints: ASN1ObjectIdentifier = [2, 5, 29, 31]
    public static let certificatePolicies: ASN1ObjectIdentifier = [2, 5, 29, 32]
    public static let authorityKeyIdentifier: ASN1ObjectIdentifier = [2, 5, 29, 35]
    public static let extendedKeyUsage: ASN1ObjectIdentifier = [2, 5, 29, 37]

    // MARK: RFC 5280 §4.2.1.12 key purposes (id-kp ::= { 1 3 6 1 5 5 7 3 })

    /// id-kp-serverAuth: TLS server.
    public static let serverAuthentication: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 3, 1]
    /// id-kp-clientAuth: TLS client, and here any caller that proves its identity to Mohur.
    public static let clientAuthentication: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 3, 2]

    // MARK: IAMAS private arc

    /// The IAMAS arc for Mohur's own extensions and policies. 1.3.6.1.4.1 is the IANA private
    /// enterprise arc; the number below is a placeholder of the project until IAMAS registers
    /// one, kept in one place so it can be changed with a migration.
    public static let iamas: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 59_599, 1]
    /// Certificate policy of the IAMAS corporate PKI (levels 1–3).
    public static let iamasCorporatePolicy: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 59_599, 1, 1]
    /// id-iamas-permissions: the critical permission extension of IAMAS certificates (agency,
    /// annex-2 rights, Mohur operations, officer role). Its ASN.1 module is in
    /// `CA/AgencyPermissions+DER.swift` and the README.
    public static let iamasPermissions: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 59_599, 1, 2]
    /// id-iamas-kp-trustDistribution: extended key usage of the level-1 certificate whose key
    /// signs the trust bundles border posts install, and nothing else.
    public static let iamasTrustDistribution: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 59_599, 1, 3, 1]
}
