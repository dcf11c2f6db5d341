/*
 * smtp_compat.h: the only place where smtp_core touches something that differs
 * between POSIX systems and Windows. Everything else in smtp_core is ISO C99
 * plus OpenSSL's libcrypto.
 */
#ifndef SMTP_COMPAT_H
#define SMTP_COMPAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Milliseconds on a clock that never jumps (not wall time); for deadlines. */
uint64_t smtp_clock_ms(void);

/* Milliseconds since 1970 on the wall clock: shared by every process and
 * surviving a reboot, for state kept in files (smtp_limit.c). */
uint64_t smtp_wall_ms(void);

/* Broken-down UTC time; returns 0 on success. */
int smtp_gmtime(time_t t, struct tm *out);

/* This host's name into buf (NUL-terminated); returns 0 on success. */
int smtp_hostname(char *buf, size_t cap);

/*
 * Files and directories, for the spool (smtp_spool.c). Every function that can
 * fail returns 0 on success or the OS error number: errno on POSIX,
 * GetLastError() on Windows. smtp_os_err_text() turns it into words and the
 * smtp_os_err_is_*() predicates classify it, so callers never test errno
 * values themselves. Paths are UTF-8 (what PHP passes on every platform) and
 * may use '/' on both systems; on Windows they reach the ...W functions in
 * UTF-16, in their \\?\ form when longer than MAX_PATH allows (smtp_winpath.h).
 */
#ifdef _WIN32
typedef void *smtp_file_t;                          /* a HANDLE */
# define SMTP_FILE_NONE ((smtp_file_t)(intptr_t)-1) /* INVALID_HANDLE_VALUE */
#else
typedef int smtp_file_t;                            /* a file descriptor */
# define SMTP_FILE_NONE (-1)
#endif

/* The spool's own checks fail with these, beside the OS's error numbers (they
 * are negative, so they never collide with errno or GetLastError() values). */
#define SMTP_OS_E_NOT_REGULAR (-2)  /* a symlink, FIFO, device or directory where a file must be */
#define SMTP_OS_E_NOT_DIR (-3)      /* a symlink or a file where a directory must be */
#define SMTP_OS_E_OWNER (-4)        /* owned by another user than this process's */
#define SMTP_OS_E_LOOSE (-5)        /* its group or others may write to it */

/* Who owns a spool directory (POSIX uid and gid), so that files a root
 * process creates there can be handed to that user. */
typedef struct {
	unsigned long uid, gid;
	bool known;
} smtp_owner_t;

/* Creates path for writing, mode 0600, never through a symlink (a link there
 * is an error, not followed). exclusive: fails when path exists; otherwise an
 * existing regular file is truncated. *f is SMTP_FILE_NONE on failure. */
int smtp_file_create(const char *path, bool exclusive, smtp_file_t *f);
/* Opens path read-only: a regular file only, never through a symlink and
 * never waiting on a FIFO (SMTP_OS_E_NOT_REGULAR otherwise). The file may still
 * be renamed or unlinked by anyone while it is open (Windows:
 * FILE_SHARE_DELETE), as POSIX always allows. */
int smtp_file_open_read(const char *path, smtp_file_t *f);
/* Checks a spool directory: a directory (follow: path may be a symlink to one,
 * as an administrator may name it; otherwise path itself must be the
 * directory), owned by this process's user unless the process is root, with
 * no write bit for group or others. *owner (may be NULL) receives its owner.
 * Windows: only that it is a directory and no reparse point (junction,
 * symlink); ownership and ACLs are not checked there. */
int smtp_dir_check(const char *path, bool follow, smtp_owner_t *owner);
/* When this process is root, makes owner the owner of the open file f (or of
 * path, not following a symlink), so a root flusher keeps a spool's files its
 * owner's. Otherwise, and on Windows, nothing to do. */
int smtp_file_give(smtp_file_t f, const smtp_owner_t *owner);
int smtp_path_give(const char *path, const smtp_owner_t *owner);
/* Writes all n bytes (retrying short writes and EINTR). */
int smtp_file_write(smtp_file_t f, const void *p, size_t n);
/* Reads up to n bytes; *got is 0 at end of file. */
int smtp_file_read(smtp_file_t f, void *p, size_t n, size_t *got);
int smtp_file_size(smtp_file_t f, uint64_t *size);
/* Flushes the file's data and metadata to stable storage (fsync; F_FULLFSYNC
 * where it exists; FlushFileBuffers on Windows). */
int smtp_file_sync(smtp_file_t f);
/* Takes an exclusive lock on the whole file without waiting: flock(LOCK_EX |
 * LOCK_NB) on POSIX, LockFileEx on Windows. The lock belongs to this open
 * file, not to the process, so two opens in one process (or two threads of a
 * ZTS build) exclude each other too. Held elsewhere: an error for which
 * smtp_os_err_is_busy() is true. Released by smtp_file_close(). */
int smtp_file_trylock(smtp_file_t f);
/* *same becomes true when path names the very file f has open (same device
 * and inode; volume serial and file index on Windows), false when path is
 * missing or names another file (a symlink to f included). */
int smtp_file_is_at(smtp_file_t f, const char *path, bool *same);
/* Closes f, releasing its lock first (Windows: UnlockFileEx, then
 * CloseHandle); SMTP_FILE_NONE is a no-op. */
void smtp_file_close(smtp_file_t f);
/* Opens path for reading and writing, creating it (mode 0600) when missing,
 * never through a symlink and only a regular file: a small shared state file
 * (smtp_limit.c). Nothing is truncated. */
int smtp_file_open_rw(const char *path, smtp_file_t *f);
/* Replaces the whole content of f with the n bytes at p (write from offset 0,
 * then cut the file to n bytes). */
int smtp_file_rewrite(smtp_file_t f, const void *p, size_t n);

/* Watching a directory for new entries (a spool's queue/ for a flusher that
 * stays): inotify on Linux. Elsewhere smtp_dir_watch_open() returns an error
 * for which smtp_os_err_is_unsupported() is true, and the caller polls. */
typedef struct smtp_dir_watch smtp_dir_watch_t;
int smtp_dir_watch_open(const char *path, smtp_dir_watch_t **w);
/* Waits up to ms milliseconds for an entry to be created in or moved into the
 * directory; *changed tells whether one was. A signal ends the wait early
 * (*changed false). Pending events are consumed. */
int smtp_dir_watch_wait(smtp_dir_watch_t *w, unsigned ms, bool *changed);
/* NULL is a no-op. */
void smtp_dir_watch_close(smtp_dir_watch_t *w);
/* The OS offers no such facility here (ENOSYS; Windows: not supported). */
bool smtp_os_err_is_unsupported(int e);

/* *ok becomes true when f is a secret's file: owned by this process's user
 * (or the process is root) and neither readable nor writable by its group or
 * others. Windows: always true (ACLs are not checked there). */
int smtp_file_is_private(smtp_file_t f, bool *ok);
/* Sleeps about ms milliseconds (for a bounded wait on a lock). */
void smtp_sleep_ms(unsigned ms);

/* Appends n bytes to the file at path, creating it (mode 0640) when missing, in
 * one write where the system allows: a log line. Never blocks on opening a FIFO
 * that has no reader. */
int smtp_file_append(const char *path, const void *p, size_t n);

/* Makes the directory's entries (renames, creations, unlinks) durable:
 * fsync of the directory on POSIX, FlushFileBuffers on a directory handle
 * (FILE_FLAG_BACKUP_SEMANTICS) on Windows, which commits NTFS's log. A file
 * system that cannot sync a directory (EINVAL; Windows: FAT and some network
 * redirectors) is not an error: nothing more can be done there. */
int smtp_dir_sync(const char *path);
/* mkdir(path, 0700); success when path already is a directory (whose mode or
 * ACL is left as it is). Windows: created with a protected DACL granting full
 * access to SYSTEM and the directory's owner only, inherited by what is
 * created in it, instead of the parent's ACL. */
int smtp_dir_make(const char *path);
/* Calls each(ctx, name) for every entry of the directory except "." and "..",
 * in no particular order, until each returns false. */
int smtp_dir_list(const char *path, bool (*each)(void *ctx, const char *name), void *ctx);
/* Renames from to to, atomically replacing to if it exists (POSIX rename;
 * MoveFileEx with REPLACE_EXISTING and WRITE_THROUGH on Windows). */
int smtp_path_rename(const char *from, const char *to);
int smtp_path_unlink(const char *path);
/* The last modification of path (not followed if a symlink), in unix seconds. */
int smtp_path_mtime(const char *path, uint64_t *mtime);

/* This process's id, for unique file names. */
unsigned long smtp_process_id(void);

/* The file or a directory on its path does not exist (ENOENT; Windows: file
 * or path not found, or a file pending deletion: deleted while another handle
 * still has it open, which Windows reports as access denied). */
bool smtp_os_err_is_missing(int e);
/* A lock is held elsewhere (EWOULDBLOCK; Windows: lock or sharing violation). */
bool smtp_os_err_is_busy(int e);
/* The system's text for error e into buf (NUL-terminated, at most cap bytes,
 * UTF-8 on every platform). */
void smtp_os_err_text(int e, char *buf, size_t cap);

#endif
