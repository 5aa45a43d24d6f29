#ifndef LEDGER_SQLITE_CONFIG_H
#define LEDGER_SQLITE_CONFIG_H

/// What `sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0)` answered when the program was loaded:
/// SQLITE_OK (0) once SQLite keeps no statistics of its memory (docs/internals.md, "SQLite's
/// memory statistics"), another code where SQLite refused, -1 where this platform runs no
/// load-time code.
int ledger_sqlite_memstatus_result(void);

#endif
