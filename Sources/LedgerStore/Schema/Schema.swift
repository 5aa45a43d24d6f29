internal import GRDB

/// The ledger's schema: the SQL files of `/migrations`, compiled into the binary.
///
/// Migrations are named and append-only: a shipped file never changes, a change is a new file,
/// and each one is registered here in order. A test checks that this list and the folder agree.
package enum Schema {
  /// One migration: its identifier (the file name without `.sql`) and its SQL.
  package struct Migration: Sendable {
    /// `NNNN_name`, as recorded in the ledger's `grdb_migrations` table.
    package var identifier: String
    /// The SQL text of the file.
    package var sql: String
  }

  /// Every migration, in the order they apply.
  package static let migrations: [Migration] = [
    Migration(identifier: "0001_ledger", bytes: PackageResources._001_ledger_sql),
    Migration(identifier: "0002_analyst_views", bytes: PackageResources._002_analyst_views_sql),
    Migration(identifier: "0003_strict_numbers", bytes: PackageResources._003_strict_numbers_sql),
    Migration(
      identifier: "0004_refunds_and_materials",
      bytes: PackageResources._004_refunds_and_materials_sql),
    Migration(
      identifier: "0005_audience_flow_and_kol_quotes",
      bytes: PackageResources._005_audience_flow_and_kol_quotes_sql),
    Migration(identifier: "0006_promotion_cpm", bytes: PackageResources._006_promotion_cpm_sql),
    Migration(identifier: "0007_running_sums", bytes: PackageResources._007_running_sums_sql),
    Migration(identifier: "0008_day_totals", bytes: PackageResources._008_day_totals_sql),
    Migration(
      identifier: "0009_brand_day_totals", bytes: PackageResources._009_brand_day_totals_sql),
    Migration(identifier: "0010_running_chunks", bytes: PackageResources._010_running_chunks_sql),
  ]

  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    for migration in migrations {
      migrator.registerMigration(migration.identifier) { db in
        try db.execute(sql: migration.sql)
        // Derived rows a SQL file cannot compute: built from the facts in the same transaction.
        switch migration.identifier {
        // 0010 replaces the table 0007 made and fills it.
        case "0010_running_chunks": try RunningSums.rebuildAll(db, days: false)
        case "0008_day_totals": try RunningSums.rebuildDays(db)
        case "0009_brand_day_totals": try RunningSums.rebuildBrandDays(db)
        default: break
        }
      }
    }
    return migrator
  }
}

extension Schema.Migration {
  init(identifier: String, bytes: [UInt8]) {
    self.init(identifier: identifier, sql: String(decoding: bytes, as: UTF8.self))
  }
}
