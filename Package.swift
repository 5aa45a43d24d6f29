// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
  .enableUpcomingFeature("ExistentialAny"),
  .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
  name: "aimt",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "aimt", targets: ["aimt"]),
    .library(name: "LedgerStore", targets: ["LedgerStore"]),
    .library(name: "LedgerImport", targets: ["LedgerImport"]),
    .library(name: "LedgerQuery", targets: ["LedgerQuery"]),
    .library(name: "AimtDemo", targets: ["AimtDemo"]),
  ],
  dependencies: [
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
  ],
  targets: [
    // SQLite's process-wide settings, made in C when the program loads (docs/internals.md,
    // "SQLite's memory statistics").
    .target(name: "LedgerSQLiteConfig", linkerSettings: [.linkedLibrary("sqlite3")]),
    .target(
      name: "LedgerStore",
      dependencies: [
        "LedgerSQLiteConfig",
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "GRDBSQLite", package: "GRDB.swift"),
      ],
      // The schema lives in /migrations (linked here) and is compiled into the binary.
      resources: [.embedInCode("Schema/migrations")],
      swiftSettings: strict
    ),
    .target(
      name: "LedgerImport",
      dependencies: [
        "LedgerStore", .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "ZIPFoundation", package: "ZIPFoundation"),
      ],
      // The header profiles are data files compiled into the binary.
      resources: [.embedInCode("Profiles/json")],
      swiftSettings: strict
    ),
    .target(
      name: "LedgerQuery",
      dependencies: [
        "LedgerStore",
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "GRDBSQLite", package: "GRDB.swift"),
      ],
      swiftSettings: strict
    ),
    // The seeded sample ledger of `aimt demo` and the benchmarks: built through LedgerImport,
    // kept out of it so that LedgerImport is only about reading exports.
    .target(
      name: "AimtDemo",
      dependencies: ["LedgerStore", "LedgerImport"],
      swiftSettings: strict
    ),
    .executableTarget(
      name: "aimt",
      dependencies: [
        "LedgerStore",
        "LedgerImport",
        "LedgerQuery",
        "AimtDemo",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      swiftSettings: strict
    ),
    // What the test targets share (a seeded generator), so no test file keeps its own copy.
    .target(
      name: "TestSupport",
      dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")],
      path: "Tests/TestSupport"),
    .testTarget(
      name: "LedgerStoreTests",
      dependencies: [
        "LedgerStore", "LedgerSQLiteConfig", "TestSupport",
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "GRDBSQLite", package: "GRDB.swift"),
      ]
    ),
    .testTarget(
      name: "LedgerImportTests",
      dependencies: [
        "LedgerImport", "TestSupport", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
      ]
    ),
    .testTarget(
      name: "AimtDemoTests",
      dependencies: ["AimtDemo", "LedgerImport", .product(name: "GRDB", package: "GRDB.swift")]
    ),
    .testTarget(
      name: "LedgerQueryTests",
      dependencies: ["LedgerQuery", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")]
    ),
    .testTarget(name: "aimtTests", dependencies: ["aimt", "TestSupport"]),
  ],
  swiftLanguageModes: [.v6]
)
