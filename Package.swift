// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "folio",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "folio", targets: ["folio"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/JohnSundell/Ink", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
    ],
    targets: [
        // Only GitStore imports this module (scripts/test checks it).
        .systemLibrary(
            name: "CLibGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]
        ),
        // libgit2's parsing of the system's CA certificates, put off until a command talks to a remote.
        .target(name: "CDeferredCertificates", linkerSettings: [.linkedLibrary("dl")]),
        // Crypto: the index file's SHA-1 (IndexFile).
        .target(name: "GitStore", dependencies: ["CLibGit2", "CDeferredCertificates", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Procedures", dependencies: ["Yams"]),
        // SSHSIG signatures parsed and checked in-process (swift-crypto only: no git, no Casebook).
        .target(name: "SSHSignatures", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),
        .target(name: "Casebook", dependencies: [
            "GitStore", "Procedures", "SSHSignatures", "Yams", "SwiftCSV", "ZIPFoundation",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The read-only web dashboard (`folio serve`): pages rendered from the case repository.
        .target(name: "Dashboard", dependencies: [
            "Casebook", "Procedures", "GitStore", "Ink",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ]),
        .executableTarget(
            name: "folio",
            dependencies: [
                "Casebook", "Procedures", "Dashboard",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Temporary repositories, the git command line and the built binary, for the tests only.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "GitStoreTests", dependencies: ["GitStore", "TestSupport"]),
        .testTarget(name: "ProceduresTests", dependencies: ["Procedures", "TestSupport"]),
        .testTarget(name: "CasebookTests", dependencies: ["Casebook", "GitStore", "Procedures", "TestSupport"]),
        .testTarget(name: "SSHSignaturesTests", dependencies: [
            "SSHSignatures", "TestSupport",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
        ]),
        .testTarget(name: "FolioTests", dependencies: ["folio", "TestSupport"]),
        .testTarget(name: "DashboardTests", dependencies: ["Dashboard", "Casebook", "Procedures", "TestSupport"]),
    ]
)
