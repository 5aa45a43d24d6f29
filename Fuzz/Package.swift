// swift-tools-version:6.1
// libFuzzer targets for the hand-written parsers (the CSV/JSON record readers, the money and
// count parsers). Not part of the main build; see README "Fuzzing":
//   cd Fuzz && swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
//   .build/release/FuzzRecords -max_total_time=60 corpus/
import PackageDescription

let package = Package(
  name: "aimt-fuzz",
  platforms: [.macOS(.v15)],
  dependencies: [.package(name: "aimt", path: "..")],
  targets: [
    .executableTarget(
      name: "FuzzRecords",
      dependencies: [
        .product(name: "LedgerImport", package: "aimt"),
        .product(name: "LedgerStore", package: "aimt"),
      ]
    )
  ],
  swiftLanguageModes: [.v6]
)
