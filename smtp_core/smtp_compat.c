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
# include <sddl.h>

# include "smtp_winpath.h"

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

/* Room for a DNS name (RFC 1035 2.3.4: 255 octets) and its NUL, in UTF-16. */
# define HOSTNAME_UNITS 256

int smtp_hostname(char *buf, size_t cap)
{
	WCHAR name[HOSTNAME_UNITS];
	DWORD n = HOSTNAME_UNITS;

	if (cap == 0 || !GetComputerNameExW(ComputerNameDnsFullyQualified, name, &n)) {
		return -1;
	}
	return smtp_utf16_to_utf8(name, n, buf, cap) < cap ? 0 : -1;
}

/* Sharing every access lets the spool rename or delete a file another process
 * has open, as POSIX does; without FILE_SHARE_DELETE a flusher holding a
 * message would stop everybody else from replacing its .retry file. */
# define SHARE_ALL (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)

/* NTSTATUS of a file that is deleted but still open somewhere. */
# define NT_STATUS_DELETE_PENDING ((LONG)0xC0000056L)

typedef LONG(WINAPI *nt_status_fn)(void);

/* GetLastError(), except that a file pending deletion is ERROR_DELETE_PENDING.
 * On a volume with the legacy delete semantics (FAT, network shares, NTFS
 * before Windows 10 1709) a file deleted while another handle has it open
 * keeps its name until that handle closes, and opening it fails with
 * STATUS_DELETE_PENDING, which Win32 reports as ERROR_ACCESS_DENIED. Only the
 * NT status tells the two apart; ntdll exports it to every process. */
static int last_error(void)
{
	DWORD e = GetLastError();

	if (e == ERROR_ACCESS_DENIED) {
		HMODULE nt = GetModuleHandleW(L"ntdll.dll");
		FARPROC p = nt != NULL ? GetProcAddress(nt, "RtlGetLastNtStatus") : NULL;
		/* Through void (*)(void): the one cast between function types that
		 * compilers accept without a warning. */
		if (p != NULL && ((nt_status_fn)(void (*)(void))p)() == NT_STATUS_DELETE_PENDING) {
			return ERROR_DELETE_PENDING;
		}
	}
	return e == 0 ? (int)ERROR_GEN_FAILURE : (int)e;
}

/* The ...W form of a UTF-8 path (see smtp_winpath.h) into *w, to free();
 * returns 0 or a Windows error number. */
static int wide(const char *path, WCHAR **w)
{
	smtp_wchar_t *p = NULL;

	*w = NULL;
	switch (smtp_wpath_make(path, &p)) {
	case SMTP_WPATH_OK:
		*w = p;
		return 0;
	case SMTP_WPATH_E_UTF8:
		return ERROR_NO_UNICODE_TRANSLATION;
	case SMTP_WPATH_E_RELATIVE:
		return ERROR_FILENAME_EXCED_RANGE;
	case SMTP_WPATH_E_NAME:
		return ERROR_INVALID_NAME;
	default:
		return ERROR_NOT_ENOUGH_MEMORY;
	}
}

/* CreateFileW on a UTF-8 path; *h is INVALID_HANDLE_VALUE on failure. */
static int create_file(const char *path, DWORD access, DWORD disposition, DWORD flags, HANDLE *h)
{
	WCHAR *w;
	int e;

	*h = INVALID_HANDLE_VALUE;
	if ((e = wide(path, &w)) != 0) {
		return e;
	}
	*h = CreateFileW(w, access, SHARE_ALL, NULL, disposition, flags, NULL);
	e = *h == INVALID_HANDLE_VALUE ? last_error() : 0;
	free(w);
	return e;
}

/* GetFileAttributesW on a UTF-8 path. */
static int attributes(const char *path, DWORD *attr)
{
	WCHAR *w;
	int e;

	if ((e = wide(path, &w)) != 0) {
		return e;
	}
	*attr = GetFileAttributesW(w);
	e = *attr == INVALID_FILE_ATTRIBUTES ? last_error() : 0;
	free(w);
	return e;
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

/* Opens path as a plain file: FILE_FLAG_OPEN_REPARSE_POINT opens a symlink or
 * junction itself instead of its target, and the check refuses it then, as
 * it refuses a directory or a device. */
static int open_plain(const char *path, DWORD access, DWORD disposition, smtp_file_t *f)
{
	HANDLE h;
	int e;

	*f = SMTP_FILE_NONE;
	if ((e = create_file(path, access, disposition, FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, &h)) != 0) {
		return e;
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
	DWORD attr;
	int e;

	if (owner != NULL) {
		owner->known = false;
	}
	if ((e = attributes(path, &attr)) != 0) {
		return e;
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
	HANDLE h;
	int e;

	if ((e = create_file(path, FILE_APPEND_DATA, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, &h)) != 0) {
		return e;
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

/* The whole file: offset 0, length 2^64 - 1, as LockFileEx and UnlockFileEx
 * must both be told. */
static void whole_file(OVERLAPPED *ov)
{
	memset(ov, 0, sizeof(*ov));
}

int smtp_file_trylock(smtp_file_t f)
{
	OVERLAPPED ov;
	whole_file(&ov);
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
	/* No access rights needed to read a file's identity. The name itself, not
	 * what a link there points to (like lstat); BACKUP_SEMANTICS lets it open a
	 * directory, which then differs from f. */
	e = create_file(path, 0, OPEN_EXISTING, FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS, &h);
	if (e != 0) {
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
		OVERLAPPED ov;
		/* Closing the handle would release a lock too, but only "when the
		 * system gets around to it" (LockFileEx's documentation): another
		 * flusher polling for the message could still find it locked. An
		 * explicit unlock is immediate; on a file this handle never locked it
		 * fails with ERROR_NOT_LOCKED, which is nothing to report. */
		whole_file(&ov);
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

/*
 * The spool's durable publish on Windows is the POSIX one, step for step:
 * write the file, FlushFileBuffers it (data and size on the disk), MoveFileExW
 * it into place with MOVEFILE_WRITE_THROUGH, then FlushFileBuffers a handle
 * on the directory, which makes NTFS commit its log up to the rename, so the
 * new name is on the disk before smtp_spool_write() reports success. A file
 * system that cannot flush a directory says so (FAT, some network
 * redirectors): as with EINVAL on POSIX, nothing more can be done there.
 */
int smtp_dir_sync(const char *path)
{
	HANDLE h;
	int e;

	/* FlushFileBuffers needs a handle with write access; BACKUP_SEMANTICS
	 * is what lets CreateFile open a directory at all. */
	e = create_file(path, GENERIC_WRITE, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, &h);
	if (e != 0) {
		return e;
	}
	e = FlushFileBuffers(h) ? 0 : last_error();
	CloseHandle(h);
	if (e == ERROR_INVALID_FUNCTION || e == ERROR_NOT_SUPPORTED || e == ERROR_INVALID_PARAMETER) {
		e = 0;
	}
	return e;
}

/* What "mode 0700" means on Windows: a protected DACL (P: nothing inherited
 * from the parent, whose ACL may let Users or Everyone in) granting full
 * access to SYSTEM (SY) and to the directory's owner (OW, the OWNER RIGHTS SID,
 * which also takes away the owner's implicit right to rewrite the DACL beyond
 * what is granted here), inherited by the files and directories created in it
 * (OICI). The owner is the creating token's default owner: the user, or the
 * Administrators group for an elevated administrator. No one else, not even
 * Administrators unless they own it, can read a spooled message. */
# define SPOOL_DIR_SDDL L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;OW)"

int smtp_dir_make(const char *path)
{
	SECURITY_ATTRIBUTES sa;
	PSECURITY_DESCRIPTOR sd = NULL;
	DWORD attr;
	WCHAR *w;
	int e;

	if ((e = wide(path, &w)) != 0) {
		return e;
	}
	if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(SPOOL_DIR_SDDL, SDDL_REVISION_1, &sd, NULL)) {
		/* Never fall back to an inherited ACL: a spool others can read is
		 * worse than none. */
		e = last_error();
		free(w);
		return e;
	}
	sa.nLength = sizeof(sa);
	sa.lpSecurityDescriptor = sd;
	sa.bInheritHandle = FALSE;
	e = CreateDirectoryW(w, &sa) ? 0 : last_error();
	LocalFree(sd);
	if (e == ERROR_ALREADY_EXISTS) {
		/* An existing directory keeps its ACL, as mkdir() keeps its mode. */
		attr = GetFileAttributesW(w);
		if (attr == INVALID_FILE_ATTRIBUTES) {
			e = last_error();
		} else {
			e = (attr & FILE_ATTRIBUTE_DIRECTORY) ? 0 : ERROR_DIRECTORY;
		}
	}
	free(w);
	return e;
}

/* Room for a directory entry's name in UTF-8: MAX_PATH UTF-16 units of up to
 * 3 bytes each (a surrogate pair is 2 units and 4 bytes), and the NUL. */
# define ENTRY_NAME_MAX (MAX_PATH * 3 + 1)

int smtp_dir_list(const char *path, bool (*each)(void *ctx, const char *name), void *ctx)
{
	WIN32_FIND_DATAW fd;
	char name[ENTRY_NAME_MAX];
	HANDLE h;
	size_t n = strlen(path), len;
	char *pattern = malloc(n + 3);
	WCHAR *w;
	int e;

	if (pattern == NULL) {
		return ERROR_NOT_ENOUGH_MEMORY;
	}
	memcpy(pattern, path, n);
	memcpy(pattern + n, "/*", 3);
	e = wide(pattern, &w);
	free(pattern);
	if (e != 0) {
		return e;
	}
	h = FindFirstFileW(w, &fd);
	free(w);
	if (h == INVALID_HANDLE_VALUE) {
		e = last_error();
		return e == ERROR_FILE_NOT_FOUND ? 0 : e;
	}
	for (;;) {
		for (len = 0; len < MAX_PATH && fd.cFileName[len] != 0; len++) {
		}
		smtp_utf16_to_utf8(fd.cFileName, len, name, sizeof(name));
		if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0 && !each(ctx, name)) {
			e = 0;
			break;
		}
		if (!FindNextFileW(h, &fd)) {
			e = last_error();
			break;
		}
	}
	FindClose(h);
	return e == ERROR_NO_MORE_FILES ? 0 : e;
}

int smtp_path_rename(const char *from, const char *to)
{
	WCHAR *wf, *wt;
	int e;

	if ((e = wide(from, &wf)) != 0) {
		return e;
	}
	if ((e = wide(to, &wt)) != 0) {
		free(wf);
		return e;
	}
	/* WRITE_THROUGH only matters when the move is a copy and a delete (across
	 * volumes); the spool's renames stay in one directory tree, and
	 * smtp_dir_sync() is what makes them durable. */
	e = MoveFileExW(wf, wt, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH) ? 0 : last_error();
	free(wf);
	free(wt);
	return e;
}

int smtp_path_unlink(const char *path)
{
	WCHAR *w;
	int e;

	if ((e = wide(path, &w)) != 0) {
		return e;
	}
	e = DeleteFileW(w) ? 0 : last_error();
	free(w);
	return e;
}

int smtp_path_mtime(const char *path, uint64_t *mtime)
{
	WIN32_FILE_ATTRIBUTE_DATA a;
	ULARGE_INTEGER t;

	if (!GetFileAttributesExA(path, GetFileExInfoStandard, &a)) {
		return last_error();
	}
	t.LowPart = a.ftLastWriteTime.dwLowDateTime;
	t.HighPart = a.ftLastWriteTime.dwHighDateTime;
	/* FILETIME counts 100 ns steps since 1601-01-01; 11644473600 s to 1970. */
	t.QuadPart /= 10000000u;
	*mtime = t.QuadPart > 11644473600u ? t.QuadPart - 11644473600u : 0;
	return 0;
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

/* Room for a system message in UTF-16. */
# define MESSAGE_UNITS 512

void smtp_os_err_text(int e, char *buf, size_t cap)
{
	const char *own = own_err_text(e);
	WCHAR text[MESSAGE_UNITS];
	DWORD n;

	if (cap == 0) {
		return;
	}
	if (own != NULL) {
		snprintf(buf, cap, "%s", own);
		return;
	}
	/* The wide message in the user's language, then UTF-8 (what PHP and the
	 * rest of smtpmail speak), never the ANSI code page. */
	n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, (DWORD)e, 0, text,
	                   MESSAGE_UNITS, NULL);
	/* FormatMessage ends its text with CRLF and may leave a trailing dot. */
	while (n > 0 && (text[n - 1] == '\r' || text[n - 1] == '\n' || text[n - 1] == ' ' || text[n - 1] == '.')) {
		n--;
	}
	if (n == 0) {
		snprintf(buf, cap, "system error %d", e);
		return;
	}
	smtp_utf16_to_utf8(text, n, buf, cap);
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

int smtp_path_mtime(const char *path, uint64_t *mtime)
{
	struct stat st;

	/* lstat: a symlink planted in the spool is judged by itself, never followed. */
	if (lstat(path, &st) != 0) {
		return os_error();
	}
	*mtime = st.st_mtime > 0 ? (uint64_t)st.st_mtime : 0;
	return 0;
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
