// The process-wide SQLite settings aimt makes, once, when the program is loaded: before any
// connection, which is when SQLite accepts them (docs/internals.md, "SQLite's memory
// statistics"). Swift cannot call `sqlite3_config`, a C variadic function, hence C.
#include "LedgerSQLiteConfig.h"

#include <sqlite3.h>

static int memstatusResult = -1;

// SQLite counts every allocation it makes in global statistics under one global mutex, which
// the two threads of a report's split read take and hand over millions of times. aimt reads
// no statistic (and sets no soft heap limit, which needs them), so it turns them off.
__attribute__((constructor)) static void ledger_sqlite_configure(void) {
  memstatusResult = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  // After every setting: registering a VFS initializes SQLite, which takes no setting after.
  ledger_sqlite_register_write_behind();
}

int ledger_sqlite_memstatus_result(void) { return memstatusResult; }
