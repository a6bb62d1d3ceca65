// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "Mohur",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mohur", targets: ["mohur"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-http-structured-headers", from: "1.1.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.27.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    ],
    targets: [
        // C system libraries: module maps only.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CP11Kit", pkgConfig: "p11-kit-1",
                       providers: [.apt(["libp11-kit-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CPostgreSQL", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),
        // One-line C wrappers for the OpenSSL macros Swift cannot import.
        .target(name: "COpenSSLShims", dependencies: ["COpenSSL"]),

        // Swift modules, bottom to top.
        .target(name: "OpenSSLKit", dependencies: [
            "COpenSSL", "COpenSSLShims",
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ], swiftSettings: strict),
        .target(name: "MohurCore", dependencies: [
            "OpenSSLKit",
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ], swiftSettings: strict),
        .target(name: "LDS", dependencies: [.product(name: "SwiftASN1", package: "swift-asn1")], swiftSettings: strict),
        .target(name: "HSM", dependencies: ["CP11Kit", "OpenSSLKit", "MohurCore"], swiftSettings: strict),
        .target(name: "Storage", dependencies: ["CSQLite", "CPostgreSQL", "MohurCore"], swiftSettings: strict),
        .target(name: "CA", dependencies: [
            "OpenSSLKit", "MohurCore", "HSM", "Storage",
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ], swiftSettings: strict),
        .target(name: "PassiveAuth", dependencies: [
            "OpenSSLKit", "MohurCore", "Storage", "LDS",
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ], swiftSettings: strict),
        .target(name: "DocumentSigning", dependencies: [
            "LDS", "CA", "HSM", "Storage", "OpenSSLKit", "MohurCore",
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ], swiftSettings: strict),
        .target(name: "Audit", dependencies: ["Storage", "MohurCore", "OpenSSLKit"], swiftSettings: strict),
        // Who may do what: the permission decision point, officer sessions, dual control.
        .target(name: "Authz", dependencies: [
            "CA", "Storage", "MohurCore", "OpenSSLKit",
            .product(name: "RawStructuredFieldValues", package: "swift-http-structured-headers"),
        ], swiftSettings: strict),
        // The composition root shared by the CLI and the service: configuration, state, wiring.
        .target(name: "Runtime", dependencies: ["CA", "Authz", "Audit", "HSM", "Storage", "PassiveAuth", "LDS", "MohurCore", "OpenSSLKit"],
                swiftSettings: strict),
        // The HTTP service (Hummingbird 2): middleware, routes, problem JSON.
        .target(name: "Service", dependencies: [
            "Runtime", "Authz", "CA", "Audit", "DocumentSigning", "PassiveAuth", "LDS", "Storage", "MohurCore", "OpenSSLKit",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], exclude: ["openapi.yaml"], swiftSettings: strict),
        .executableTarget(name: "mohur", dependencies: [
            "Service", "Runtime", "Authz", "CA", "Audit", "HSM", "PassiveAuth", "DocumentSigning", "LDS", "Storage", "MohurCore", "OpenSSLKit",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ], exclude: ["Deployment"], swiftSettings: strict),
        .executableTarget(name: "mohur-bench", dependencies: [
            "Service", "Runtime", "Authz", "CA", "Audit", "HSM", "MohurCore", "OpenSSLKit", "PassiveAuth", "LDS", "DocumentSigning", "Storage",
            "MohurTestSupport",
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ], path: "Benchmarks/mohur-bench", swiftSettings: strict),

        .target(name: "MohurTestSupport", path: "Tests/MohurTestSupport", swiftSettings: strict),
        .testTarget(name: "OpenSSLKitTests", dependencies: [
            "OpenSSLKit", "MohurCore", "MohurTestSupport", .product(name: "SwiftASN1", package: "swift-asn1"),
        ], swiftSettings: strict),
        .testTarget(name: "HSMTests", dependencies: ["HSM", "OpenSSLKit", "MohurCore", "MohurTestSupport"], swiftSettings: strict),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "MohurCore", "MohurTestSupport"], swiftSettings: strict),
        .target(name: "PKITestSupport", dependencies: ["CA", "HSM", "Storage", "OpenSSLKit", "MohurCore", "MohurTestSupport"],
                path: "Tests/PKITestSupport", swiftSettings: strict),
        .testTarget(name: "CATests", dependencies: ["CA", "HSM", "Storage", "OpenSSLKit", "MohurCore", "MohurTestSupport", "PKITestSupport"], swiftSettings: strict),
        .testTarget(name: "DocumentSigningTests", dependencies: [
            "DocumentSigning", "LDS", "CA", "Audit", "HSM", "Storage", "OpenSSLKit", "MohurCore", "MohurTestSupport", "PKITestSupport",
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ], swiftSettings: strict),
        .testTarget(name: "LDSTests", dependencies: ["LDS", "MohurTestSupport", .product(name: "SwiftASN1", package: "swift-asn1")], swiftSettings: strict),
        .testTarget(name: "PassiveAuthTests", dependencies: [
            "PassiveAuth", "LDS", "OpenSSLKit", "MohurCore", "Storage", "HSM", "MohurTestSupport",
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ], swiftSettings: strict),
        .testTarget(name: "AuthzTests", dependencies: [
            "Authz", "CA", "HSM", "Storage", "OpenSSLKit", "MohurCore", "MohurTestSupport", "PKITestSupport",
            .product(name: "SwiftASN1", package: "swift-asn1"),
            .product(name: "RawStructuredFieldValues", package: "swift-http-structured-headers"),
        ], swiftSettings: strict),
        .testTarget(name: "AuditTests", dependencies: ["Audit", "CA", "HSM", "Storage", "OpenSSLKit", "MohurCore", "MohurTestSupport"], swiftSettings: strict),
        // Child process of the crash test: appends in a loop until killed.
        .executableTarget(name: "audit-crash-child", dependencies: ["Audit", "HSM", "Storage", "MohurCore"],
                          path: "Tests/AuditCrashChild", swiftSettings: strict),
        .testTarget(name: "mohurTests", dependencies: ["MohurCore", "OpenSSLKit", "MohurTestSupport"], exclude: ["Judges"],
                    swiftSettings: strict),
    ]
)
