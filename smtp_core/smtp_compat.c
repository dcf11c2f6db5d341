/* smtp_compat.c: see smtp_compat.h. */
#ifndef _WIN32
/* flock() is BSD, not POSIX: ask glibc and macOS to declare it even when the
 * build asks for strict POSIX (the C tests use -D_POSIX_C_SOURCE=200809L). */
# ifndef _DEFAULT_SOURCE
#  define _DEFAULT_SOURCE 1
# endif
# ifndef _DARWIN_C_SOURCE
#  define _DARWIN_C_SOURCE 1
# endif
#endif

#include "smtp_compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The texts of the SMTP_OS_E_* checks; NULL for an OS error number. */
static const char *own_err_text(int e)
{
	switch (e) {
	case SMTP_OS_E_NOT_REGULAR:
		return "not a regular file (a symlink, FIFO, device or directory is never used)";
	case SMTP_OS_E_NOT_DIR:
		return "not a directory (a symlink or file stands where a spool directory must be)";
	case SMTP_OS_E_OWNER:
		return "owned by another user (a spool must belong to the user PHP runs as)";
	case SMTP_OS_E_LOOSE:
		return "writable by its group or by others (chmod go-w, e.g. 0700)";
	default:
		return NULL;
	}
}

#ifdef _WIN32
# include <winsock2.h>
# include <windows.h>

uint64_t smtp_clock_ms(void)
{
	return (uint64_t)GetTickCount64();
}

uint64_t smtp_wall_ms(void)
{
	FILETIME ft;
	ULARGE_INTEGER t;

	GetSystemTimeAsFileTime(&ft);
	t.LowPart = ft.dwLowDateTime;
	t.HighPart = ft.dwHighDateTime;
	/* 100 ns ticks since 1601; 11644473600 s from 1601 to 1970. */
	return t.QuadPart / 10000u - 11644473600000ull;
}

int smtp_gmtime(time_t t, struct tm *out)
{
	return gmtime_s(out, &t) == 0 ? 0 : -1;
}

int smtp_hostname(char *buf, size_t cap)
{
	DWORD n = (DWORD)cap;
	if (cap == 0) {
		return -1;
	}
	if (!GetComputerNameExA(ComputerNameDnsFullyQualified, buf, &n)) {
		return -1;
	}
	return 0;
}

/* Sharing every access lets the spool rename or delete a file another process
 * has open, as POSIX does; without FILE_SHARE_DELETE a flusher holding a
 * message would stop everybody else from replacing its .retry file. */
# define SHARE_ALL (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)

static int last_error(void)
{
	DWORD e = GetLastError();
	return e == 0 ? (int)ERROR_GEN_FAILURE : (int)e;
}

/* A handle opened without following a reparse point must name a plain file. */
static int plain_file_only(HANDLE h)
{
	BY_HANDLE_FILE_INFORMATION info;

	if (GetFileType(h) != FILE_TYPE_DISK || !GetFileInformationByHandle(h, &info)) {
		return SMTP_OS_E_NOT_REGULAR;
	}
	if (info.dwFileAttributes & (FILE_ATTRIBUTE_REPARSE_POINT | FILE_ATTRIBUTE_DIRECTORY)) {
		return SMTP_OS_E_NOT_REGULAR;
	}
	return 0;
}

/* Opens path as a plain file (never a reparse point, directory or device). */
static int open_plain(const char *path, DWORD access, DWORD disposition, smtp_file_t *f)
{
	HANDLE h = CreateFileA(path, access, SHARE_ALL, NULL, disposition, FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT,
	                       NULL);
	int e;

	*f = SMTP_FILE_NONE;
	if (h == INVALID_HANDLE_VALUE) {
		return last_error();
	}
	if ((e = plain_file_only(h)) != 0) {
		CloseHandle(h);
		return e;
	}
	*f = h;
	return 0;
}

int smtp_file_create(const char *path, bool exclusive, smtp_file_t *f)
{
	return open_plain(path, GENERIC_WRITE, exclusive ? CREATE_NEW : CREATE_ALWAYS, f);
}

int smtp_file_open_read(const char *path, smtp_file_t *f)
{
	return open_plain(path, GENERIC_READ, OPEN_EXISTING, f);
}

int smtp_dir_check(const char *path, bool follow, smtp_owner_t *owner)
{
	DWORD attr = GetFileAttributesA(path);

	if (owner != NULL) {
		owner->known = false;
	}
	if (attr == INVALID_FILE_ATTRIBUTES) {
		return last_error();
	}
	if (!(attr & FILE_ATTRIBUTE_DIRECTORY) || (!follow && (attr & FILE_ATTRIBUTE_REPARSE_POINT))) {
		return SMTP_OS_E_NOT_DIR;
	}
	return 0;
}

int smtp_file_give(smtp_file_t f, const smtp_owner_t *owner)
{
	(void)f;
	(void)owner;
	return 0;
}

int smtp_path_give(const char *path, const smtp_owner_t *owner)
{
	(void)path;
	(void)owner;
	return 0;
}

int smtp_file_write(smtp_file_t f, const void *p, size_t n)
{
	const char *c = p;
	while (n > 0) {
		DWORD chunk = n > 0x40000000u ? 0x40000000u : (DWORD)n, done = 0;
		if (!WriteFile((HANDLE)f, c, chunk, &done, NULL)) {
			return last_error();
		}
		c += done;
		n -= done;
	}
	return 0;
}

int smtp_file_is_private(smtp_file_t f, bool *ok)
{
	(void)f;
	*ok = true;
	return 0;
}

void smtp_sleep_ms(unsigned ms)
{
	Sleep(ms);
}

int smtp_file_append(const char *path, const void *p, size_t n)
{
	HANDLE h = CreateFileA(path, FILE_APPEND_DATA, SHARE_ALL, NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
	int e;

	if (h == INVALID_HANDLE_VALUE) {
		return last_error();
	}
	e = smtp_file_write(h, p, n);
	CloseHandle(h);
	return e;
}

int smtp_file_read(smtp_file_t f, void *p, size_t n, size_t *got)
{
	DWORD chunk = n > 0x40000000u ? 0x40000000u : (DWORD)n, done = 0;
	*got = 0;
	if (!ReadFile((HANDLE)f, p, chunk, &done, NULL)) {
		return last_error();
	}
	*got = done;
	return 0;
}

int smtp_file_size(smtp_file_t f, uint64_t *size)
{
	LARGE_INTEGER li;
	if (!GetFileSizeEx((HANDLE)f, &li)) {
		return last_error();
	}
	*size = (uint64_t)li.QuadPart;
	return 0;
}

int smtp_file_sync(smtp_file_t f)
{
	return FlushFileBuffers((HANDLE)f) ? 0 : last_error();
}

int smtp_file_trylock(smtp_file_t f)
{
	OVERLAPPED ov;
	memset(&ov, 0, sizeof(ov));
	if (!LockFileEx((HANDLE)f, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, MAXDWORD, MAXDWORD, &ov)) {
		return last_error();
	}
	return 0;
}

int smtp_file_is_at(smtp_file_t f, const char *path, bool *same)
{
	BY_HANDLE_FILE_INFORMATION a, b;
	HANDLE h;
	int e;

	*same = false;
	if (!GetFileInformationByHandle((HANDLE)f, &a)) {
		return last_error();
	}
	/* No access rights needed to read a file's identity. */
	h = CreateFileA(path, 0, SHARE_ALL, NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
	if (h == INVALID_HANDLE_VALUE) {
		e = last_error();
		return smtp_os_err_is_missing(e) ? 0 : e;
	}
	if (!GetFileInformationByHandle(h, &b)) {
		e = last_error();
		CloseHandle(h);
		return e;
	}
	CloseHandle(h);
	*same = a.dwVolumeSerialNumber == b.dwVolumeSerialNumber && a.nFileIndexHigh == b.nFileIndexHigh &&
	        a.nFileIndexLow == b.nFileIndexLow;
	return 0;
}

void smtp_file_close(smtp_file_t f)
{
	if (f != SMTP_FILE_NONE) {
		/* Closing the handle would release a LockFileEx lock too, but only
		 * when the system gets to it; a waiting process wants it now. Failing
		 * on a handle that holds no lock is harmless. */
		OVERLAPPED ov;
		memset(&ov, 0, sizeof(ov));
		UnlockFileEx((HANDLE)f, 0, MAXDWORD, MAXDWORD, &ov);
		CloseHandle((HANDLE)f);
	}
}

int smtp_file_open_rw(const char *path, smtp_file_t *f)
{
	return open_plain(path, GENERIC_READ | GENERIC_WRITE, OPEN_ALWAYS, f);
}

int smtp_file_rewrite(smtp_file_t f, const void *p, size_t n)
{
	LARGE_INTEGER zero;
	int e;

	zero.QuadPart = 0;
	if (!SetFilePointerEx((HANDLE)f, zero, NULL, FILE_BEGIN)) {
		return last_error();
	}
	if ((e = smtp_file_write(f, p, n)) != 0) {
		return e;
	}
	return SetEndOfFile((HANDLE)f) ? 0 : last_error();
}

/* No directory notifications here: the caller polls. (ReadDirectoryChangesW
 * would do; polling once a second is what the flusher promises elsewhere.) */
struct smtp_dir_watch {
	int unused;
};

int smtp_dir_watch_open(const char *path, smtp_dir_watch_t **w)
{
	(void)path;
	*w = NULL;
	return (int)ERROR_NOT_SUPPORTED;
}

int smtp_dir_watch_wait(smtp_dir_watch_t *w, unsigned ms, bool *changed)
{
	(void)w;
	*changed = false;
	smtp_sleep_ms(ms);
	return 0;
}

void smtp_dir_watch_close(smtp_dir_watch_t *w)
{
	(void)w;
}

bool smtp_os_err_is_unsupported(int e)
{
	return e == (int)ERROR_NOT_SUPPORTED;
}

int smtp_dir_sync(const char *path)
{
	(void)path;
	return 0;
}

int smtp_dir_make(const char *path)
{
	DWORD attr;
	int e;

	/* The directory inherits its parent's ACL; Windows has no mode bits. */
	if (CreateDirectoryA(path, NULL)) {
		return 0;
	}
	e = last_error();
	if (e != ERROR_ALREADY_EXISTS) {
		return e;
	}
	attr = GetFileAttributesA(path);
	if (attr == INVALID_FILE_ATTRIBUTES) {
		return last_error();
	}
	return (attr & FILE_ATTRIBUTE_DIRECTORY) ? 0 : ERROR_DIRECTORY;
}

int smtp_dir_list(const char *path, bool (*each)(void *ctx, const char *name), void *ctx)
{
	WIN32_FIND_DATAA fd;
	HANDLE h;
	size_t n = strlen(path);
	char *pattern = malloc(n + 3);
	int e = 0;

	if (pattern == NULL) {
		return ERROR_NOT_ENOUGH_MEMORY;
	}
	memcpy(pattern, path, n);
	memcpy(pattern + n, "/*", 3);
	h = FindFirstFileA(pattern, &fd);
	free(pattern);
	if (h == INVALID_HANDLE_VALUE) {
		e = last_error();
		return e == ERROR_FILE_NOT_FOUND ? 0 : e;
	}
	for (;;) {
		if (strcmp(fd.cFileName, ".") != 0 && strcmp(fd.cFileName, "..") != 0 && !each(ctx, fd.cFileName)) {
			break;
		}
		if (!FindNextFileA(h, &fd)) {
			e = last_error();
			break;
		}
	}
	FindClose(h);
	return e == ERROR_NO_MORE_FILES ? 0 : e;
}

int smtp_path_rename(const char *from, const char *to)
{
	return MoveFileExA(from, to, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH) ? 0 : last_error();
}

int smtp_path_unlink(const char *path)
{
	return DeleteFileA(path) ? 0 : last_error();
}

unsigned long smtp_process_id(void)
{
	return (unsigned long)GetCurrentProcessId();
}

bool smtp_os_err_is_missing(int e)
{
	return e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND || e == ERROR_DELETE_PENDING;
}

bool smtp_os_err_is_busy(int e)
{
	return e == ERROR_LOCK_VIOLATION || e == ERROR_SHARING_VIOLATION;
}

void smtp_os_err_text(int e, char *buf, size_t cap)
{
	const char *own = own_err_text(e);
	DWORD n;

	if (own != NULL && cap > 0) {
		snprintf(buf, cap, "%s", own);
		return;
	}

	if (cap == 0) {
		return;
	}
	n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, (DWORD)e, 0, buf,
	                   (DWORD)cap, NULL);
	/* FormatMessage ends its text with CRLF and may leave a trailing dot. */
	while (n > 0 && (buf[n - 1] == '\r' || buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '.')) {
		n--;
	}
	if (n == 0) {
		const char *s = "system error";
		size_t k = strlen(s) < cap - 1 ? strlen(s) : cap - 1;
		memcpy(buf, s, k);
		n = (DWORD)k;
	}
	buf[n] = '\0';
}
#else
# include <dirent.h>
# include <errno.h>
# include <fcntl.h>
# include <stdio.h>
# include <sys/file.h>
# include <sys/stat.h>
# include <unistd.h>
# ifdef __linux__
#  include <poll.h>
#  include <sys/inotify.h>
# endif

uint64_t smtp_clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t smtp_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int smtp_gmtime(time_t t, struct tm *out)
{
	return gmtime_r(&t, out) ? 0 : -1;
}

int smtp_hostname(char *buf, size_t cap)
{
	if (cap == 0 || gethostname(buf, cap) != 0) {
		return -1;
	}
	buf[cap - 1] = '\0';
	return 0;
}

# ifndef O_CLOEXEC
#  define O_CLOEXEC 0
# endif

static int os_error(void)
{
	return errno == 0 ? EIO : errno;
}

# ifndef O_NOFOLLOW
#  define O_NOFOLLOW 0
# endif

/* A descriptor opened O_NOFOLLOW | O_NONBLOCK must be a regular file; then it
 * is made blocking again. */
static int regular_only(int fd)
{
	struct stat st;
	int flags;

	if (fstat(fd, &st) != 0) {
		return os_error();
	}
	if (!S_ISREG(st.st_mode)) {
		return SMTP_OS_E_NOT_REGULAR;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0 && (flags & O_NONBLOCK)) {
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	}
	return 0;
}

/* open() with O_NOFOLLOW on a symlink fails with ELOOP: say what it is. */
static int open_error(void)
{
	return errno == ELOOP ? SMTP_OS_E_NOT_REGULAR : os_error();
}

/* Opens path with flags (O_NOFOLLOW | O_NONBLOCK added): a regular file only. */
static int open_regular(const char *path, int flags, smtp_file_t *f)
{
	int fd, e;

	*f = SMTP_FILE_NONE;
	do {
		fd = open(path, flags | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		return open_error();
	}
	if ((e = regular_only(fd)) != 0) {
		close(fd);
		return e;
	}
	*f = fd;
	return 0;
}

int smtp_file_create(const char *path, bool exclusive, smtp_file_t *f)
{
	return open_regular(path, O_WRONLY | O_CREAT | (exclusive ? O_EXCL : O_TRUNC), f);
}

int smtp_file_open_read(const char *path, smtp_file_t *f)
{
	return open_regular(path, O_RDONLY, f);
}

int smtp_dir_check(const char *path, bool follow, smtp_owner_t *owner)
{
	struct stat st;

	if (owner != NULL) {
		owner->known = false;
	}
	if ((follow ? stat(path, &st) : lstat(path, &st)) != 0) {
		return os_error();
	}
	if (!S_ISDIR(st.st_mode)) {
		return SMTP_OS_E_NOT_DIR;
	}
	/* root may flush a spool that belongs to the web server's user; anyone
	 * else only their own: another user's directory could be filled with
	 * messages that would go out with this user's relay credentials. */
	if (geteuid() != 0 && st.st_uid != geteuid()) {
		return SMTP_OS_E_OWNER;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		return SMTP_OS_E_LOOSE;
	}
	if (owner != NULL) {
		owner->uid = (unsigned long)st.st_uid;
		owner->gid = (unsigned long)st.st_gid;
		owner->known = true;
	}
	return 0;
}

int smtp_file_give(smtp_file_t f, const smtp_owner_t *owner)
{
	if (owner == NULL || !owner->known || geteuid() != 0 || owner->uid == 0) {
		return 0;
	}
	return fchown(f, (uid_t)owner->uid, (gid_t)owner->gid) == 0 ? 0 : os_error();
}

int smtp_path_give(const char *path, const smtp_owner_t *owner)
{
	if (owner == NULL || !owner->known || geteuid() != 0 || owner->uid == 0) {
		return 0;
	}
	return lchown(path, (uid_t)owner->uid, (gid_t)owner->gid) == 0 ? 0 : os_error();
}

int smtp_file_write(smtp_file_t f, const void *p, size_t n)
{
	const char *c = p;
	while (n > 0) {
		ssize_t w = write(f, c, n);
		if (w < 0) {
			if (errno == EINTR) {
				continue;
			}
			return os_error();
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int smtp_file_is_private(smtp_file_t f, bool *ok)
{
	struct stat st;

	*ok = false;
	if (fstat(f, &st) != 0) {
		return os_error();
	}
	*ok = (st.st_uid == geteuid() || geteuid() == 0) && (st.st_mode & (S_IRWXG | S_IRWXO)) == 0;
	return 0;
}

void smtp_sleep_ms(unsigned ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ms / 1000u);
	ts.tv_nsec = (long)(ms % 1000u) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

int smtp_file_append(const char *path, const void *p, size_t n)
{
	int fd, e, flags;

	/* O_NONBLOCK only for the open: a FIFO without a reader fails at once
	 * (ENXIO) instead of holding the request. */
	do {
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0640);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		return os_error();
	}
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0) {
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	}
	e = smtp_file_write(fd, p, n);
	close(fd);
	return e;
}

int smtp_file_read(smtp_file_t f, void *p, size_t n, size_t *got)
{
	ssize_t r;
	*got = 0;
	do {
		r = read(f, p, n);
	} while (r < 0 && errno == EINTR);
	if (r < 0) {
		return os_error();
	}
	*got = (size_t)r;
	return 0;
}

int smtp_file_size(smtp_file_t f, uint64_t *size)
{
	struct stat st;
	if (fstat(f, &st) != 0) {
		return os_error();
	}
	*size = (uint64_t)st.st_size;
	return 0;
}

int smtp_file_sync(smtp_file_t f)
{
# ifdef F_FULLFSYNC
	/* macOS: fsync() leaves the data in the drive's cache; F_FULLFSYNC does not. */
	if (fcntl(f, F_FULLFSYNC) == 0) {
		return 0;
	}
# endif
	return fsync(f) == 0 ? 0 : os_error();
}

int smtp_file_trylock(smtp_file_t f)
{
	/* flock, not fcntl: an fcntl lock belongs to the process, so a second
	 * claim from the same process would succeed, and closing any other
	 * descriptor of the file would silently drop it. */
	int r;
	do {
		r = flock(f, LOCK_EX | LOCK_NB);
	} while (r != 0 && errno == EINTR);
	return r == 0 ? 0 : os_error();
}

int smtp_file_is_at(smtp_file_t f, const char *path, bool *same)
{
	struct stat a, b;

	*same = false;
	if (fstat(f, &a) != 0) {
		return os_error();
	}
	if (lstat(path, &b) != 0) {
		return errno == ENOENT ? 0 : os_error();
	}
	*same = a.st_dev == b.st_dev && a.st_ino == b.st_ino;
	return 0;
}

void smtp_file_close(smtp_file_t f)
{
	if (f >= 0) {
		close(f);
	}
}

int smtp_file_open_rw(const char *path, smtp_file_t *f)
{
	return open_regular(path, O_RDWR | O_CREAT, f);
}

int smtp_file_rewrite(smtp_file_t f, const void *p, size_t n)
{
	int e;

	if (lseek(f, 0, SEEK_SET) != 0) {
		return os_error();
	}
	if ((e = smtp_file_write(f, p, n)) != 0) {
		return e;
	}
	while (ftruncate(f, (off_t)n) != 0) {
		if (errno != EINTR) {
			return os_error();
		}
	}
	return 0;
}

# ifdef __linux__
struct smtp_dir_watch {
	int fd;
};

int smtp_dir_watch_open(const char *path, smtp_dir_watch_t **w)
{
	smtp_dir_watch_t *nw;
	int fd, e;

	*w = NULL;
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0) {
		return os_error();
	}
	/* A spool writer renames a finished file into the directory (IN_MOVED_TO);
	 * IN_CREATE covers whoever writes in place. */
	if (inotify_add_watch(fd, path, IN_MOVED_TO | IN_CREATE | IN_ONLYDIR) < 0) {
		e = os_error();
		close(fd);
		return e;
	}
	nw = malloc(sizeof(*nw));
	if (nw == NULL) {
		close(fd);
		return ENOMEM;
	}
	nw->fd = fd;
	*w = nw;
	return 0;
}

int smtp_dir_watch_wait(smtp_dir_watch_t *w, unsigned ms, bool *changed)
{
	struct pollfd p;
	char events[4096];
	int r;

	*changed = false;
	p.fd = w->fd;
	p.events = POLLIN;
	p.revents = 0;
	r = poll(&p, 1, ms > INT32_MAX ? INT32_MAX : (int)ms);
	if (r < 0) {
		return errno == EINTR ? 0 : os_error();
	}
	if (r == 0) {
		return 0;
	}
	/* Drain: what changed matters, not which names (the caller lists). */
	while (read(w->fd, events, sizeof(events)) > 0) {
		*changed = true;
	}
	return 0;
}

void smtp_dir_watch_close(smtp_dir_watch_t *w)
{
	if (w != NULL) {
		close(w->fd);
		free(w);
	}
}

bool smtp_os_err_is_unsupported(int e)
{
	return e == ENOSYS;
}
# else
struct smtp_dir_watch {
	int unused;
};

int smtp_dir_watch_open(const char *path, smtp_dir_watch_t **w)
{
	(void)path;
	*w = NULL;
	return ENOSYS;
}

int smtp_dir_watch_wait(smtp_dir_watch_t *w, unsigned ms, bool *changed)
{
	(void)w;
	*changed = false;
	smtp_sleep_ms(ms);
	return 0;
}

void smtp_dir_watch_close(smtp_dir_watch_t *w)
{
	(void)w;
}

bool smtp_os_err_is_unsupported(int e)
{
	return e == ENOSYS;
}
# endif

int smtp_dir_sync(const char *path)
{
	int fd, r;

	do {
		fd = open(path, O_RDONLY | O_CLOEXEC);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		return os_error();
	}
	r = fsync(fd) == 0 ? 0 : os_error();
	close(fd);
	/* Some file systems cannot sync a directory and say so; nothing more can be done there. */
	if (r == EINVAL || r == ENOTSUP) {
		r = 0;
	}
	return r;
}

int smtp_dir_make(const char *path)
{
	struct stat st;

	if (mkdir(path, 0700) == 0) {
		return 0;
	}
	if (errno != EEXIST) {
		return os_error();
	}
	if (stat(path, &st) != 0) {
		return os_error();
	}
	return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
}

int smtp_dir_list(const char *path, bool (*each)(void *ctx, const char *name), void *ctx)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int e = 0;

	if (d == NULL) {
		return os_error();
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			e = errno;
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
			continue;
		}
		if (!each(ctx, de->d_name)) {
			break;
		}
	}
	closedir(d);
	return e;
}

int smtp_path_rename(const char *from, const char *to)
{
	return rename(from, to) == 0 ? 0 : os_error();
}

int smtp_path_unlink(const char *path)
{
	return unlink(path) == 0 ? 0 : os_error();
}

unsigned long smtp_process_id(void)
{
	return (unsigned long)getpid();
}

bool smtp_os_err_is_missing(int e)
{
	return e == ENOENT;
}

bool smtp_os_err_is_busy(int e)
{
	return e == EWOULDBLOCK || e == EAGAIN;
}

void smtp_os_err_text(int e, char *buf, size_t cap)
{
	const char *own = own_err_text(e);

	if (own != NULL && cap > 0) {
		snprintf(buf, cap, "%s", own);
		return;
	}
	if (cap == 0) {
		return;
	}
# if defined(__GLIBC__) && defined(_GNU_SOURCE)
	{
		/* The GNU strerror_r returns its text, maybe not in buf. */
		const char *s = strerror_r(e, buf, cap);
		if (s != buf) {
			size_t n = strlen(s);
			n = n < cap - 1 ? n : cap - 1;
			memmove(buf, s, n);
			buf[n] = '\0';
		}
	}
# else
	if (strerror_r(e, buf, cap) != 0) {
		snprintf(buf, cap, "error %d", e);
	}
# endif
	buf[cap - 1] = '\0';
}
#endif
