#ifndef LEDGER_SQLITE_CONFIG_H
#define LEDGER_SQLITE_CONFIG_H

struct sqlite3;

/// What `sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0)` answered when the program was loaded:
/// SQLITE_OK (0) once SQLite keeps no statistics of its memory (docs/internals.md, "SQLite's
/// memory statistics"), another code where SQLite refused, -1 where this platform runs no
/// load-time code.
int ledger_sqlite_memstatus_result(void);

/// Switches the writing of connection `db`'s main database file behind, on a thread of its
/// own, on (`on` 1) or off (0) (docs/internals.md, "Pages written behind"). SQLITE_OK when
/// done; SQLITE_NOTFOUND where the file was not opened through aimt's VFS (or the platform
/// has none): the pages are then written as they come. Switching off waits for the pages
/// queued and answers the failure of one, if any. Two settings for tests: with `failingPage`
/// n >= 0 the thread writes n pages, then fails each as on a full disk (-1: none fails); with
/// `holding` 1 it writes a page only while the connection waits for one, so that every page
/// read back is still queued when it is.
int ledger_sqlite_write_behind(struct sqlite3 *db, int on, int failingPage, int holding);

/// Registers aimt's VFS as the default one (called once, when the program is loaded).
void ledger_sqlite_register_write_behind(void);

#endif
