// Pages of a ledger's first load written to the file on a thread of their own
// (docs/internals.md, "Pages written behind").
//
// A first load of metrics goes through a rollback journal (docs/internals.md, "A first load
// under a rollback journal"), and SQLite writes each page its small cache lets go with a
// `pwrite` on the thread that inserts the rows: copying the page into the kernel's cache and
// giving the file its blocks took about a tenth of that thread, which sets an import's pace.
// This VFS wraps the platform's default one. A main database file opened through it behaves
// exactly as the default one's until `ledger_sqlite_write_behind(db, 1, …)` switches it on for a
// connection: then `xWrite` copies the page into a bounded queue (256 pages) that a thread of
// the file's own writes in order, and every other call waits until the queue is empty before
// it goes to the file. So:
//
// - every read sees every write before it: a read of a page still queued waits for it, and
//   the size, the sync, the truncate, the locks and the file controls wait for all;
// - no write reaches the disk earlier than without the queue (only later), and all of them are
//   written before the sync SQLite makes before the commit removes the journal (aimt switches
//   it on only where SQLite syncs: `synchronous` NORMAL or FULL), so a kill leaves what a kill
//   leaves without it: a hot journal that puts the file back as it was;
// - a write that fails on the thread is answered to the next write, sync, truncate or size
//   query, and from then on the file is written directly, so SQLite's rollback of the failed
//   transaction writes its pages as it would;
// - the removal of the file's journal (the commit, or the end of a rollback, under
//   `journal_mode` DELETE) waits for the queue and answers a failure instead of removing it,
//   so a page that could not be written leaves a hot journal, never a file without the page.
//
// Files other than a main database (journals, the WAL, temporary files) are the default VFS's
// own, untouched. Where there are no POSIX threads (Windows), nothing is registered and the
// switch answers SQLITE_NOTFOUND: the pages are written as they come.
#include "LedgerSQLiteConfig.h"

#include <sqlite3.h>

#if defined(_WIN32)

int ledger_sqlite_write_behind(struct sqlite3 *db, int on, int failingPage, int holding) {
  (void)db;
  (void)on;
  (void)failingPage;
  (void)holding;
  return SQLITE_NOTFOUND;
}

void ledger_sqlite_register_write_behind(void) {}

#else

#include <pthread.h>
#if defined(__linux__)
#include <sys/resource.h>
#endif
#include <stdlib.h>
#include <string.h>

// The file control that switches the queue on or off (its argument a `Switch`): "AIMT",
// outside SQLite's own.
#define WRITE_BEHIND_CONTROL 0x41494d54

typedef struct Switch {
  int on;
  int failingPage;
  int holding;
} Switch;
// Pages queued at most: 4 MiB of 16 KiB pages.
#define QUEUE_PAGES 256
// Pages queued before the connection wakes the thread, unless it waits for the queue: a wake-up
// is a system call that wakes a thread on the other core, which cost the connection's thread 4 %
// of a first load when made every page and 7 % every 16 pages (docs/internals.md, "Pages
// written behind").
#define WAKING_PAGES 128

typedef struct QueuedPage {
  sqlite3_int64 offset;
  int amount;
  void *bytes;
} QueuedPage;

typedef struct BehindFile {
  sqlite3_file base;
  // The default VFS's file, in the memory after this struct.
  sqlite3_file *real;
  // The database's file name (SQLite keeps it until the file is closed).
  const char *name;
  // While switched on: the next file switched on (`onFiles`, under `onFilesMutex`).
  struct BehindFile *nextOn;
  // Switched by the connection's thread only, which alone queues pages.
  int on;
  // Whether `thread`, `mutex`, `work` and `written` exist (from the switch on to the switch off).
  int started;
  pthread_t thread;
  pthread_mutex_t mutex;
  // `work`: pages were queued, the connection waits for them, or the thread is to stop;
  // `written`: a page left the queue. Each is signalled only when its side waits.
  pthread_cond_t work;
  pthread_cond_t written;
  // Under `mutex`: the queue (the page at `head` is being written until it leaves it), the
  // thread's stop, who waits, the first failed write's code, and spare page buffers of
  // `spareBytes`.
  int threadWaits;
  int connectionWaits;
  QueuedPage queue[QUEUE_PAGES];
  int head;
  int count;
  int stop;
  int failure;
  // Pages the thread writes before it fails one as on a full disk (tests); -1: none fails.
  int failingPage;
  // True (tests): the thread writes a page only while the connection waits for it, so that
  // every page read back or queued past the queue's room is still queued when it is.
  int holding;
  void *spare[QUEUE_PAGES];
  int spareCount;
  int spareBytes;
} BehindFile;

static sqlite3_vfs behindVFS;
static sqlite3_vfs *defaultVFS;
static sqlite3_io_methods behindMethods;
// The files switched on, for the removal of a journal to find its database's.
static pthread_mutex_t onFilesMutex = PTHREAD_MUTEX_INITIALIZER;
static BehindFile *onFiles;

// The pages queued that wake the thread: never while holding (tests), when the connection
// waits only.
static int wakingPages(BehindFile *file) { return file->holding ? QUEUE_PAGES + 1 : WAKING_PAGES; }

static void *writePages(void *argument) {
  BehindFile *file = argument;
#if defined(__linux__)
  // Below the connection's thread, which sets the pace; on Linux, this thread's own priority.
  setpriority(PRIO_PROCESS, 0, 5);
#endif
  pthread_mutex_lock(&file->mutex);
  for (;;) {
    // Once awake, it writes until the queue is empty.
    while ((file->count == 0 || (file->count < wakingPages(file) && !file->connectionWaits))
           && !file->stop) {
      file->threadWaits = 1;
      pthread_cond_wait(&file->work, &file->mutex);
      file->threadWaits = 0;
    }
    if (file->count == 0) break;
    QueuedPage page = file->queue[file->head];
    pthread_mutex_unlock(&file->mutex);
    int rc = SQLITE_FULL;
    if (file->failingPage != 0) {
      rc = file->real->pMethods->xWrite(file->real, page.bytes, page.amount, page.offset);
    }
    pthread_mutex_lock(&file->mutex);
    if (file->failingPage > 0) file->failingPage -= 1;
    if (rc != SQLITE_OK && file->failure == SQLITE_OK) file->failure = rc;
    file->head = (file->head + 1) % QUEUE_PAGES;
    file->count -= 1;
    if (page.amount == file->spareBytes && file->spareCount < QUEUE_PAGES) {
      file->spare[file->spareCount++] = page.bytes;
    } else {
      free(page.bytes);
    }
    if (file->connectionWaits) pthread_cond_signal(&file->written);
  }
  pthread_mutex_unlock(&file->mutex);
  return NULL;
}

// Waits (under `mutex`) until a page leaves the queue.
static void waitForWritten(BehindFile *file) {
  file->connectionWaits = 1;
  if (file->threadWaits) pthread_cond_signal(&file->work);
  pthread_cond_wait(&file->written, &file->mutex);
  file->connectionWaits = 0;
}

// Waits until every queued page is written; the failure of one, once, turning the queue off.
static int drain(BehindFile *file, int answerFailure) {
  if (!file->on) return SQLITE_OK;
  pthread_mutex_lock(&file->mutex);
  while (file->count > 0) waitForWritten(file);
  int failure = file->failure;
  pthread_mutex_unlock(&file->mutex);
  if (failure == SQLITE_OK || !answerFailure) return SQLITE_OK;
  // From now on the file is written directly (the thread stays until switched off).
  file->on = 0;
  return failure;
}

static void switchOff(BehindFile *file) {
  if (!file->started) return;
  pthread_mutex_lock(&onFilesMutex);
  for (BehindFile **link = &onFiles; *link != NULL; link = &(*link)->nextOn) {
    if (*link == file) {
      *link = file->nextOn;
      break;
    }
  }
  pthread_mutex_unlock(&onFilesMutex);
  pthread_mutex_lock(&file->mutex);
  file->stop = 1;
  pthread_cond_signal(&file->work);
  pthread_mutex_unlock(&file->mutex);
  pthread_join(file->thread, NULL);
  for (int index = 0; index < file->spareCount; index++) free(file->spare[index]);
  pthread_cond_destroy(&file->work);
  pthread_cond_destroy(&file->written);
  pthread_mutex_destroy(&file->mutex);
  file->started = 0;
  file->on = 0;
}

static int switchOn(BehindFile *file, int failingPage, int holding) {
  if (file->started) return SQLITE_OK;
  file->failingPage = failingPage;
  file->holding = holding;
  file->head = 0;
  file->count = 0;
  file->stop = 0;
  file->failure = SQLITE_OK;
  file->spareCount = 0;
  file->spareBytes = 0;
  file->threadWaits = 0;
  file->connectionWaits = 0;
  if (pthread_mutex_init(&file->mutex, NULL) != 0) return SQLITE_NOMEM;
  if (pthread_cond_init(&file->work, NULL) != 0) {
    pthread_mutex_destroy(&file->mutex);
    return SQLITE_NOMEM;
  }
  if (pthread_cond_init(&file->written, NULL) != 0) {
    pthread_cond_destroy(&file->work);
    pthread_mutex_destroy(&file->mutex);
    return SQLITE_NOMEM;
  }
  pthread_t thread;
  if (pthread_create(&thread, NULL, writePages, file) != 0) {
    pthread_cond_destroy(&file->work);
    pthread_cond_destroy(&file->written);
    pthread_mutex_destroy(&file->mutex);
    return SQLITE_NOMEM;
  }
  file->thread = thread;
  file->started = 1;
  file->on = 1;
  pthread_mutex_lock(&onFilesMutex);
  file->nextOn = onFiles;
  onFiles = file;
  pthread_mutex_unlock(&onFilesMutex);
  return SQLITE_OK;
}

static int behindWrite(sqlite3_file *handle, const void *bytes, int amount, sqlite3_int64 offset) {
  BehindFile *file = (BehindFile *)handle;
  if (!file->on) return file->real->pMethods->xWrite(file->real, bytes, amount, offset);
  pthread_mutex_lock(&file->mutex);
  int failure = file->failure;
  if (failure == SQLITE_OK) {
    while (file->count == QUEUE_PAGES) waitForWritten(file);
  }
  void *copy = NULL;
  if (failure == SQLITE_OK && amount == file->spareBytes && file->spareCount > 0) {
    copy = file->spare[--file->spareCount];
  }
  pthread_mutex_unlock(&file->mutex);
  if (failure != SQLITE_OK) {
    drain(file, 1);
    return failure;
  }
  if (copy == NULL) {
    copy = malloc((size_t)amount);
    if (copy == NULL) {
      // No memory for the copy: written here, after the pages before it.
      int rc = drain(file, 1);
      return rc != SQLITE_OK ? rc : file->real->pMethods->xWrite(file->real, bytes, amount, offset);
    }
  }
  memcpy(copy, bytes, (size_t)amount);
  pthread_mutex_lock(&file->mutex);
  // Pages of one size are kept for reuse (SQLite writes whole pages of a database).
  if (amount != file->spareBytes) {
    for (int index = 0; index < file->spareCount; index++) free(file->spare[index]);
    file->spareCount = 0;
    file->spareBytes = amount;
  }
  file->queue[(file->head + file->count) % QUEUE_PAGES] = (QueuedPage){offset, amount, copy};
  file->count += 1;
  if (file->threadWaits && file->count >= wakingPages(file)) pthread_cond_signal(&file->work);
  pthread_mutex_unlock(&file->mutex);
  return SQLITE_OK;
}

static int behindRead(sqlite3_file *handle, void *bytes, int amount, sqlite3_int64 offset) {
  BehindFile *file = (BehindFile *)handle;
  if (file->on) {
    // A page still queued is read once it is written.
    pthread_mutex_lock(&file->mutex);
    int queued = 0;
    for (int index = 0; index < file->count && !queued; index++) {
      QueuedPage *page = &file->queue[(file->head + index) % QUEUE_PAGES];
      queued = page->offset < offset + amount && offset < page->offset + page->amount;
    }
    while (queued && file->count > 0) waitForWritten(file);
    pthread_mutex_unlock(&file->mutex);
  }
  return file->real->pMethods->xRead(file->real, bytes, amount, offset);
}

static int behindClose(sqlite3_file *handle) {
  BehindFile *file = (BehindFile *)handle;
  drain(file, 0);
  switchOff(file);
  int rc = file->real->pMethods->xClose(file->real);
  handle->pMethods = NULL;
  return rc;
}

static int behindTruncate(sqlite3_file *handle, sqlite3_int64 size) {
  BehindFile *file = (BehindFile *)handle;
  int rc = drain(file, 1);
  return rc != SQLITE_OK ? rc : file->real->pMethods->xTruncate(file->real, size);
}

static int behindSync(sqlite3_file *handle, int flags) {
  BehindFile *file = (BehindFile *)handle;
  int rc = drain(file, 1);
  return rc != SQLITE_OK ? rc : file->real->pMethods->xSync(file->real, flags);
}

static int behindFileSize(sqlite3_file *handle, sqlite3_int64 *size) {
  BehindFile *file = (BehindFile *)handle;
  int rc = drain(file, 1);
  return rc != SQLITE_OK ? rc : file->real->pMethods->xFileSize(file->real, size);
}

static int behindLock(sqlite3_file *handle, int level) {
  BehindFile *file = (BehindFile *)handle;
  drain(file, 0);
  return file->real->pMethods->xLock(file->real, level);
}

static int behindUnlock(sqlite3_file *handle, int level) {
  BehindFile *file = (BehindFile *)handle;
  drain(file, 0);
  return file->real->pMethods->xUnlock(file->real, level);
}

static int behindCheckReservedLock(sqlite3_file *handle, int *reserved) {
  BehindFile *file = (BehindFile *)handle;
  return file->real->pMethods->xCheckReservedLock(file->real, reserved);
}

static int behindFileControl(sqlite3_file *handle, int op, void *argument) {
  BehindFile *file = (BehindFile *)handle;
  if (op == WRITE_BEHIND_CONTROL) {
    Switch *change = argument;
    if (change->on) return switchOn(file, change->failingPage, change->holding);
    int rc = drain(file, 1);
    switchOff(file);
    return rc;
  }
  drain(file, 0);
  return file->real->pMethods->xFileControl(file->real, op, argument);
}

static int behindSectorSize(sqlite3_file *handle) {
  BehindFile *file = (BehindFile *)handle;
  return file->real->pMethods->xSectorSize(file->real);
}

static int behindDeviceCharacteristics(sqlite3_file *handle) {
  BehindFile *file = (BehindFile *)handle;
  return file->real->pMethods->xDeviceCharacteristics(file->real);
}

// The methods of version 2 (shared memory) and 3 (mapping), where the default file has them.
static int hasVersion(BehindFile *file, int version) {
  return file->real->pMethods->iVersion >= version;
}

static int behindShmMap(sqlite3_file *handle, int region, int size, int extend,
                        void volatile **map) {
  BehindFile *file = (BehindFile *)handle;
  if (!hasVersion(file, 2)) return SQLITE_IOERR_SHMMAP;
  drain(file, 0);
  return file->real->pMethods->xShmMap(file->real, region, size, extend, map);
}

static int behindShmLock(sqlite3_file *handle, int offset, int count, int flags) {
  BehindFile *file = (BehindFile *)handle;
  if (!hasVersion(file, 2)) return SQLITE_IOERR_SHMLOCK;
  drain(file, 0);
  return file->real->pMethods->xShmLock(file->real, offset, count, flags);
}

static void behindShmBarrier(sqlite3_file *handle) {
  BehindFile *file = (BehindFile *)handle;
  if (hasVersion(file, 2)) file->real->pMethods->xShmBarrier(file->real);
}

static int behindShmUnmap(sqlite3_file *handle, int deleteFlag) {
  BehindFile *file = (BehindFile *)handle;
  if (!hasVersion(file, 2)) return SQLITE_OK;
  drain(file, 0);
  return file->real->pMethods->xShmUnmap(file->real, deleteFlag);
}

static int behindFetch(sqlite3_file *handle, sqlite3_int64 offset, int amount, void **page) {
  BehindFile *file = (BehindFile *)handle;
  *page = NULL;
  if (!hasVersion(file, 3)) return SQLITE_OK;
  drain(file, 0);
  return file->real->pMethods->xFetch(file->real, offset, amount, page);
}

static int behindUnfetch(sqlite3_file *handle, sqlite3_int64 offset, void *page) {
  BehindFile *file = (BehindFile *)handle;
  if (!hasVersion(file, 3)) return SQLITE_OK;
  return file->real->pMethods->xUnfetch(file->real, offset, page);
}

// The bytes of a BehindFile, rounded up so that the default VFS's file after it is aligned.
static int behindBytes(void) { return (int)((sizeof(BehindFile) + 15) & ~(size_t)15); }

static int behindOpen(sqlite3_vfs *vfs, const char *name, sqlite3_file *handle, int flags,
                      int *outFlags) {
  (void)vfs;
  if (!(flags & SQLITE_OPEN_MAIN_DB)) {
    // Not a main database: the default VFS's file as it is.
    return defaultVFS->xOpen(defaultVFS, name, handle, flags, outFlags);
  }
  BehindFile *file = (BehindFile *)handle;
  memset(file, 0, sizeof(BehindFile));
  file->name = name;
  file->real = (sqlite3_file *)((char *)handle + behindBytes());
  int rc = defaultVFS->xOpen(defaultVFS, name, file->real, flags, outFlags);
  if (file->real->pMethods == NULL) {
    handle->pMethods = NULL;
    return rc;
  }
  handle->pMethods = &behindMethods;
  return rc;
}

// Whether `name` is the journal of the database file `file` (its name and "-journal").
static int isJournalOf(const char *name, BehindFile *file) {
  if (file->name == NULL) return 0;
  size_t length = strlen(file->name);
  return strncmp(name, file->name, length) == 0 && strcmp(name + length, "-journal") == 0;
}

// Removes a file; a switched-on database's journal only once its queue is written, and not
// at all when a page of it failed (the journal stays hot, and the next open plays it back).
static int behindDelete(sqlite3_vfs *vfs, const char *name, int syncDirectory) {
  (void)vfs;
  BehindFile *owner = NULL;
  pthread_mutex_lock(&onFilesMutex);
  for (BehindFile *file = onFiles; file != NULL && owner == NULL; file = file->nextOn) {
    if (isJournalOf(name, file)) owner = file;
  }
  pthread_mutex_unlock(&onFilesMutex);
  // The journal is removed by its database's connection, the one thread that switches its
  // file and queues its pages: the file stays switched on meanwhile.
  if (owner != NULL) {
    int rc = drain(owner, 1);
    if (rc != SQLITE_OK) return rc;
  }
  return defaultVFS->xDelete(defaultVFS, name, syncDirectory);
}

int ledger_sqlite_write_behind(struct sqlite3 *db, int on, int failingPage, int holding) {
  sqlite3_file *handle = NULL;
  if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &handle) != SQLITE_OK
      || handle == NULL || handle->pMethods != &behindMethods) {
    return SQLITE_NOTFOUND;
  }
  Switch change = {on, failingPage < 0 ? -1 : failingPage, holding != 0};
  return sqlite3_file_control(db, "main", WRITE_BEHIND_CONTROL, &change);
}

void ledger_sqlite_register_write_behind(void) {
  defaultVFS = sqlite3_vfs_find(NULL);
  if (defaultVFS == NULL || defaultVFS->iVersion < 1) return;
  behindMethods = (sqlite3_io_methods){
    .iVersion = 3,
    .xClose = behindClose,
    .xRead = behindRead,
    .xWrite = behindWrite,
    .xTruncate = behindTruncate,
    .xSync = behindSync,
    .xFileSize = behindFileSize,
    .xLock = behindLock,
    .xUnlock = behindUnlock,
    .xCheckReservedLock = behindCheckReservedLock,
    .xFileControl = behindFileControl,
    .xSectorSize = behindSectorSize,
    .xDeviceCharacteristics = behindDeviceCharacteristics,
    .xShmMap = behindShmMap,
    .xShmLock = behindShmLock,
    .xShmBarrier = behindShmBarrier,
    .xShmUnmap = behindShmUnmap,
    .xFetch = behindFetch,
    .xUnfetch = behindUnfetch,
  };
  behindVFS = *defaultVFS;
  behindVFS.szOsFile = behindBytes() + defaultVFS->szOsFile;
  behindVFS.zName = "aimt-write-behind";
  behindVFS.pNext = NULL;
  behindVFS.xOpen = behindOpen;
  behindVFS.xDelete = behindDelete;
  sqlite3_vfs_register(&behindVFS, 1);
}

#endif
