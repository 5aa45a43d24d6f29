// swift-tools-version:6.1
// An example program that uses aimt's libraries through their public API only: a separate
// package, so nothing `package`-level of aimt's is visible to it. CI builds and runs it.
import PackageDescription

let package = Package(
  name: "ImportAndReport",
  platforms: [.macOS(.v15)],
  dependencies: [.package(name: "aimt", path: "../..")],
  targets: [
    .executableTarget(
      name: "ImportAndReport",
      dependencies: [
        .product(name: "LedgerStore", package: "aimt"),
        .product(name: "LedgerImport", package: "aimt"),
        .product(name: "LedgerQuery", package: "aimt"),
      ]
    )
  ],
  swiftLanguageModes: [.v6]
)
