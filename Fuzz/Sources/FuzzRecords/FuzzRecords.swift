import LedgerImport
import LedgerStore

/// libFuzzer's entry point: reads `size` bytes as an export file (any encoding and format the
/// readers detect), then parses every field as money and as a count, as an import would.
///
/// A crash, a trap (overflow, out-of-bounds) or a sanitizer report is a finding; thrown
/// `ReadError`s and `ValueError`s are the expected answers to bad input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecords(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  guard var source = try? RecordFiles.open(bytes: bytes, name: "fuzz") else { return 0 }
  _ = source.header
  var records = 0
  while records < 10_000, (try? source.next()) == true {
    records += 1
    for index in 0...source.fieldCount {
      let text = source.string(at: index)
      _ = try? Money.parseYuan(text)
      _ = try? Count.parse(text)
      _ = try? Day.parse(text)
      source.withBytes(at: index) { field in _ = try? Money.parseYuan(utf8: field) }
    }
  }
  return 0
}

/// libFuzzer's driver, which parses its command line and calls the entry point.
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
  _ argc: UnsafeMutablePointer<CInt>,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
  _ body: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

/// The executable's entry point (SwiftPM names an executable's `main` after its target):
/// hands over to libFuzzer's driver.
@_cdecl("FuzzRecords_main")
public func fuzzMain(
  _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
) -> CInt {
  var count = argc
  var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
  return runFuzzerDriver(&count, &arguments) { data, size in fuzzRecords(data, size) }
}
