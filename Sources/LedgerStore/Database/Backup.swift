internal import Foundation
internal import GRDB

extension Ledger {
  /// Copies the ledger to `destination` with SQLite's online backup API: a consistent copy even
  /// while other processes write.
  ///
  /// The copy appears under `destination` whole or not at all. It is written under a temporary
  /// name in the same folder (`.NAME.aimt-tmp-XXXXXX`, mode 0600, created exclusively), switched
  /// to WAL and checkpointed into one self-contained file, flushed to disk, and only then given
  /// its name, without ever replacing a file of that name (a hard link, which fails if the name
  /// is taken; where the file system has no hard links, a check just before a rename). The
  /// folder is flushed last. On failure the temporary file is removed; on SIGINT, SIGTERM or
  /// SIGHUP too, before the process ends as the signal asks. Only a SIGKILL or a power cut can
  /// leave a temporary file, and then only under its temporary name.
  ///
  /// An existing `destination` is ``LedgerError/invalidData(_:)`` (a problem with the command
  /// line, on `FILE`); every other failure names the backup, not the ledger.
  public func backup(to destination: String) throws(LedgerError) {
    var status = stat()
    if lstat(destination, &status) == 0 { throw .backupExists(destination) }
    let folder = BackupFile.folder(of: destination)
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) else {
      throw .backup(destination, "the folder \(folder) does not exist; create it first")
    }
    guard isFolder.boolValue else {
      throw .backup(destination, "\(folder) is not a folder; give a path in a folder")
    }
    let temporary = try BackupFile(for: destination, in: folder)
    defer { temporary.release() }
    do throws(LedgerError) {
      try copy(to: temporary.path, destination: destination)
      try temporary.sync(destination)
      try temporary.publish(as: destination)
    } catch {
      temporary.remove()
      throw error
    }
    BackupFile.syncFolder(folder)
  }

  /// Copies every page into the (empty) file at `path`, in WAL mode and checkpointed so the
  /// copy is that one file.
  private func copy(to path: String, destination: String) throws(LedgerError) {
    do {
      let target = try DatabaseQueue(path: path)
      try writer.backup(to: target)
      let busy = try target.writeWithoutTransaction { db in
        try db.execute(sql: "PRAGMA journal_mode = WAL")
        return try Int.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") ?? 1
      }
      try target.close()
      if busy != 0 {
        throw LedgerError.backup(destination, "its copy could not be checkpointed; try again")
      }
      // Closing the only connection checkpoints and deletes the -wal; make sure nothing else
      // holds part of the copy.
      for suffix in ["-wal", "-journal"] {
        var status = stat()
        if lstat(path + suffix, &status) == 0, status.st_size > 0 {
          throw LedgerError.backup(destination, "its copy was left incomplete; try again")
        }
      }
    } catch let error as LedgerError {
      throw error
    } catch let error as DatabaseError {
      throw Self.backupError(error, ledger: self.path, destination: destination)
    } catch {
      throw .backup(destination, "\(error)")
    }
  }

  /// A failure of the backup API in words: the ledger's own troubles name the ledger, the
  /// copy's name the backup.
  private static func backupError(_ error: DatabaseError, ledger: String, destination: String)
    -> LedgerError
  {
    switch error.resultCode {
    case .SQLITE_BUSY, .SQLITE_LOCKED: .busy(path: ledger)
    case .SQLITE_CORRUPT, .SQLITE_NOTADB: .corrupt(path: ledger)
    case .SQLITE_FULL: .backup(destination, "the disk is full; free some space and try again")
    case .SQLITE_IOERR:
      .backup(destination, "the disk reported an input/output error; check the disk")
    case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN:
      .backup(
        destination,
        "the folder \(BackupFile.folder(of: destination)) is not writable; check its permissions")
    default:
      .backup(destination, "SQLite failed while copying (\(error.message ?? "unknown error"))")
    }
  }
}

extension LedgerError {
  /// The backup's file name is taken (aimt never overwrites).
  static func backupExists(_ destination: String) -> LedgerError {
    .invalidData([
      SourceLocation.commandLine.problem(
        "FILE", "\(destination) already exists; choose a new file name (aimt never overwrites)")
    ])
  }

  /// The backup could not be written, and why.
  static func backup(_ destination: String, _ reason: String) -> LedgerError {
    .storage(message: "cannot write the backup \(destination): \(reason)")
  }
}

/// The temporary file a backup is written to, and the signal handler that removes it if the
/// process is stopped meanwhile.
private struct BackupFile {
  /// Its path, in the destination's folder.
  let path: String
  /// Its path and SQLite's companions, as C strings for the signal handler.
  private let cleanup: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
  /// The signal dispositions to restore when the backup is over.
  private let previousSignals: [sigaction]

  /// Creates an empty temporary file for `destination` in `folder` (mode 0600, O_EXCL) and
  /// arranges for SIGINT, SIGTERM and SIGHUP to remove it.
  init(for destination: String, in folder: String) throws(LedgerError) {
    let name = (destination as NSString).lastPathComponent
    let companions = ["", "-journal", "-wal", "-shm"]
    cleanup = .allocate(capacity: companions.count + 1)
    cleanup.initialize(repeating: nil, count: companions.count + 1)
    previousSignals = BackupSignals.install(cleanup)
    for _ in 0..<100 {
      let candidate = folder + "/." + name + ".aimt-tmp-" + BackupFile.randomSuffix()
      let fd = Foundation.open(candidate, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
      if fd >= 0 {
        for (index, suffix) in companions.enumerated() {
          cleanup[index] = strdup(candidate + suffix)
        }
        close(fd)
        path = candidate
        return
      }
      let code = errno
      if code == EEXIST { continue }
      BackupSignals.restore(previousSignals)
      cleanup.deallocate()
      throw .backup(destination, BackupFile.reason(errno: code, folder: folder))
    }
    BackupSignals.restore(previousSignals)
    cleanup.deallocate()
    throw .backup(destination, "no free temporary name in \(folder); remove old .aimt-tmp files")
  }

  /// Flushes the copy to the disk.
  func sync(_ destination: String) throws(LedgerError) {
    let fd = Foundation.open(path, O_RDONLY | O_CLOEXEC)
    defer { if fd >= 0 { close(fd) } }
    if fd < 0 || fsync(fd) != 0 {
      throw .backup(destination, "flushing it to the disk failed (\(BackupFile.describe(errno)))")
    }
  }

  /// Gives the copy its name, refusing if that name appeared meanwhile.
  func publish(as destination: String) throws(LedgerError) {
    if link(path, destination) == 0 {
      unlink(path)
      return
    }
    let code = errno
    if code == EEXIST { throw .backupExists(destination) }
    guard [EPERM, ENOTSUP, EOPNOTSUPP, ENOSYS, EMLINK, EXDEV].contains(code) else {
      throw .backup(
        destination, BackupFile.reason(errno: code, folder: Self.folder(of: destination)))
    }
    // No hard links here (some network and FAT file systems): check, then rename.
    var status = stat()
    if lstat(destination, &status) == 0 { throw .backupExists(destination) }
    if rename(path, destination) != 0 {
      throw .backup(
        destination, BackupFile.reason(errno: errno, folder: Self.folder(of: destination)))
    }
  }

  /// Removes the temporary file and whatever SQLite left beside it.
  func remove() {
    var index = 0
    while let name = cleanup[index] {
      unlink(name)
      index += 1
    }
  }

  /// Restores the signal handlers and frees the names.
  func release() {
    BackupSignals.restore(previousSignals)
    var index = 0
    while let name = cleanup[index] {
      free(name)
      index += 1
    }
    cleanup.deallocate()
  }

  /// Flushes the folder, so that the new name survives a power cut; best effort (some file
  /// systems cannot flush a folder).
  static func syncFolder(_ folder: String) {
    let fd = Foundation.open(folder, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return }
    _ = fsync(fd)
    close(fd)
  }

  /// The folder `path` is in (`.` for a bare name).
  static func folder(of path: String) -> String {
    let folder = (path as NSString).deletingLastPathComponent
    return folder.isEmpty ? "." : folder
  }

  static func randomSuffix() -> String {
    let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    return String((0..<6).map { _ in letters[Int.random(in: 0..<letters.count)] })
  }

  /// Why a file could not be made in `folder`, and what to do.
  static func reason(errno code: Int32, folder: String) -> String {
    switch code {
    case EACCES, EPERM: "the folder \(folder) is not writable; check its permissions"
    case EROFS: "the folder \(folder) is on a read-only disk; choose another folder"
    case ENOSPC, EDQUOT: "the disk is full; free some space and try again"
    default: describe(code) + "; check the folder \(folder)"
    }
  }

  static func describe(_ code: Int32) -> String {
    String(cString: strerror(code)).lowercased()
  }
}

/// The handlers that remove a backup's temporary file when the process is asked to stop.
///
/// A signal handler may only touch plain memory and call async-signal-safe functions
/// (`unlink`, `signal`, `raise`), so the paths wait as C strings in a global the handler
/// reads; it is set before the handlers are installed and cleared after they are removed. A
/// signal the process ignores (SIGHUP under `nohup`) stays ignored.
private enum BackupSignals {
  static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

  /// Installs the handler; returns the dispositions it replaced, for ``restore(_:)``.
  static func install(_ paths: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> [sigaction] {
    backupCleanupPaths = paths
    return signals.map { number in
      var previous = sigaction()
      sigaction(number, nil, &previous)
      if !isIgnored(previous) { signal(number, removeBackupCopyAndStop) }
      return previous
    }
  }

  /// Puts back the dispositions `install` replaced.
  static func restore(_ previous: [sigaction]) {
    for (number, saved) in zip(signals, previous) {
      var action = saved
      sigaction(number, &action, nil)
    }
    backupCleanupPaths = nil
  }

  /// Whether `action` ignores its signal.
  ///
  /// The handler is the first member of `struct sigaction` on Linux and Darwin alike (a union
  /// whose members are spelled differently), and SIG_IGN is the pointer 1.
  static func isIgnored(_ action: sigaction) -> Bool {
    withUnsafeBytes(of: action) { $0.load(as: Int.self) } == unsafeBitCast(SIG_IGN, to: Int.self)
  }
}

/// The C strings the signal handler removes; only set while a backup is being written.
nonisolated(unsafe) private var backupCleanupPaths:
  UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil

/// Removes the temporary copy, then lets the signal end the process as it would have.
private func removeBackupCopyAndStop(_ number: Int32) {
  if let paths = backupCleanupPaths {
    var index = 0
    while let name = paths[index] {
      unlink(name)
      index += 1
    }
  }
  signal(number, SIG_DFL)
  raise(number)
}
