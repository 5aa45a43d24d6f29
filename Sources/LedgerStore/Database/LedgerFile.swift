import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What is at a ledger path before SQLite is allowed to open it.
///
/// SQLite opens anything it is given: a FIFO blocks, `/dev/null` gets a `-journal` beside it,
/// a text file gets a journal and an error. aimt looks first, so a wrong `--db` is refused with
/// a sentence and nothing is created.
enum LedgerFile {
  case missing
  /// A zero-byte regular file: SQLite's empty database, which only `aimt init` turns into a
  /// ledger.
  case empty
  /// A regular file that starts with SQLite's header.
  case sqlite

  /// The 16 bytes every SQLite database file starts with.
  static let header = Array("SQLite format 3\0".utf8)

  /// The error for a zero-byte file where a ledger was expected.
  static func emptyFile(_ path: String) -> LedgerError {
    .emptyFile(path: path)
  }

  static func inspect(_ path: String) throws(LedgerError) -> LedgerFile {
    var info = stat()
    if stat(path, &info) != 0 {
      let code = errno
      if code == ENOENT { return .missing }
      let reason = String(cString: strerror(code)).lowercased()
      throw .cannotOpen(path: path, reason: "\(reason); check the path and its permissions")
    }
    let type = info.st_mode & S_IFMT
    if type == S_IFDIR {
      throw .cannotOpen(path: path, reason: "it is a folder; give the path of a ledger file")
    }
    guard type == S_IFREG else {
      throw .cannotOpen(
        path: path,
        reason: "it is not a regular file (a device, FIFO or socket); "
          + "give the path of a ledger file")
    }
    if info.st_size == 0 { return .empty }
    let fd = open(path, O_RDONLY | O_NONBLOCK)
    guard fd >= 0 else {
      let reason = String(cString: strerror(errno)).lowercased()
      throw .cannotOpen(path: path, reason: "\(reason); check its permissions")
    }
    defer { close(fd) }
    var bytes = [UInt8](repeating: 0, count: header.count)
    let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, header.count) }
    guard count == header.count, bytes == header else { throw .notALedger(path: path) }
    return .sqlite
  }
}
