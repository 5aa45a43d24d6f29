import Foundation
import LedgerImport
package import LedgerStore

/// One generated file: its kind, its name in the output folder and how many rows it holds.
package struct DemoFile: Sendable, Equatable {
  /// The kind of record the file holds, which `aimt import` takes as KIND.
  package var kind: RecordKind
  /// The file's name (`metrics.csv`), in the folder the generator wrote to.
  package var name: String
  /// The rows written, not counting the header.
  package var rows: Int
}

/// Writes one CSV file row by row through a 1 MiB buffer, so memory stays flat however many
/// rows are written.
///
/// Cells are written as the exports write them: counts as plain digits, money as yuan with two
/// decimals (``Money/yuan(_:)``), text quoted only when it holds a comma, a quote or a newline.
final class DemoCSVFile {
  let kind: RecordKind
  let name: String
  let path: String
  private(set) var rows = 0
  private let handle: FileHandle
  private var buffer: [UInt8] = []
  private var atRowStart = true
  private static let flushSize = 1 << 20
  private static let zeroYuan = Array(Money.yuan(0).utf8)

  /// Creates (or truncates) `directory/name` and writes the header of `kind`.
  ///
  /// The file is private (mode 0600, whatever the umask, set before any data is written): it
  /// holds spend numbers, like the ledger.
  init(directory: String, kind: RecordKind) throws(LedgerError) {
    self.kind = kind
    name = kind.rawValue + ".csv"
    path = directory + "/" + name
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else {
      throw .storage(message: "cannot write \(path): check that the folder exists and is writable")
    }
    let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    guard fchmod(descriptor, 0o600) == 0 else {
      throw .storage(message: "cannot make \(path) private: \(String(cString: strerror(errno)))")
    }
    self.handle = handle
    buffer.reserveCapacity(Self.flushSize + 4096)
    for column in kind.columns { text(column) }
    try endRow(counting: false)
  }

  /// What was written, once the file is closed.
  var report: DemoFile { DemoFile(kind: kind, name: name, rows: rows) }

  /// Appends a text cell, quoted when it needs to be.
  func text(_ value: String) {
    separate()
    let bytes = Array(value.utf8)
    if bytes.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
      buffer.append(0x22)
      for byte in bytes {
        if byte == 0x22 { buffer.append(0x22) }
        buffer.append(byte)
      }
      buffer.append(0x22)
    } else {
      buffer.append(contentsOf: bytes)
    }
  }

  /// Appends a text cell already encoded as UTF-8, which needs no quoting (a date, say).
  func bytes(_ value: [UInt8]) {
    separate()
    buffer.append(contentsOf: value)
  }

  /// Appends an empty cell: the value is not given.
  func empty() { separate() }

  /// Appends a count as plain digits.
  func count(_ value: Int64) {
    separate()
    appendDigits(value)
  }

  /// Appends fen as yuan with two decimals (`2000000` → `20000.00`).
  func money(_ fen: Int64) {
    separate()
    if fen == 0 {
      buffer.append(contentsOf: Self.zeroYuan)
    } else {
      buffer.append(contentsOf: Money.yuan(fen).utf8)
    }
  }

  /// Ends the row (CRLF-free, `\n`), and writes the buffer out when it is full.
  func endRow() throws(LedgerError) { try endRow(counting: true) }

  /// Writes what is buffered and closes the file.
  func close() throws(LedgerError) {
    try flush()
    do {
      try handle.close()
    } catch {
      throw .storage(message: "cannot write \(path): \(error.localizedDescription)")
    }
  }

  /// Ends a row (the header's too, which is not counted).
  private func endRow(counting: Bool) throws(LedgerError) {
    buffer.append(0x0A)
    atRowStart = true
    if counting { rows += 1 }
    if buffer.count >= Self.flushSize { try flush() }
  }

  /// Writes the comma before every cell but a row's first.
  private func separate() {
    if atRowStart {
      atRowStart = false
    } else {
      buffer.append(0x2C)
    }
  }

  /// Writes a whole number's decimal digits straight into the buffer.
  ///
  /// No String is made: the metrics file holds millions of numbers.
  private func appendDigits(_ value: Int64) {
    if value < 0 { buffer.append(0x2D) }
    var magnitude = value.magnitude
    var width = 1
    var scale: UInt64 = 10
    while width < 19, magnitude >= scale {
      width += 1
      scale *= 10
    }
    if magnitude >= 10_000_000_000_000_000_000 { width = 20 }
    let first = buffer.count
    buffer.append(contentsOf: repeatElement(0x30, count: width))
    var index = first + width - 1
    while magnitude > 0 {
      buffer[index] = 0x30 + UInt8(magnitude % 10)
      magnitude /= 10
      index -= 1
    }
  }

  /// Writes the buffer to the file and empties it.
  private func flush() throws(LedgerError) {
    guard !buffer.isEmpty else { return }
    do {
      try handle.write(contentsOf: buffer)
    } catch {
      throw .storage(message: "cannot write \(path): \(error.localizedDescription)")
    }
    buffer.removeAll(keepingCapacity: true)
  }
}
