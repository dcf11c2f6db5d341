/*
 * smtp_winpath.h: the text of Windows file names, as pure functions.
 *
 * PHP hands the extension UTF-8 paths on every platform (on Windows since
 * PHP 7.1). The Win32 ...W functions take UTF-16, and a path of MAX_PATH
 * (260) characters or more only in its \\?\ form, which Windows then uses
 * verbatim: no '/' to '\' translation, no "." or ".." resolved. This module
 * converts between the two encodings and builds that form. It does no I/O,
 * keeps no globals and calls no Windows function, so it is compiled on every
 * platform and unit-tested on Linux (tests/c/test_winpath.c); smtp_compat.c's
 * Windows branch is its user.
 */
#ifndef SMTP_WINPATH_H
#define SMTP_WINPATH_H

#include <stddef.h>
#include <stdint.h>

/* One UTF-16 code unit: the same type as Windows' WCHAR in C. */
typedef uint16_t smtp_wchar_t;

typedef enum {
	SMTP_WPATH_OK = 0,
	SMTP_WPATH_E_UTF8,     /* not UTF-8 (RFC 3629), or a NUL inside the path */
	SMTP_WPATH_E_RELATIVE, /* too long for a plain Win32 path and not absolute, so no \\?\ form exists */
	SMTP_WPATH_E_NAME,     /* too long, and a name in it ends in '.' or ' ', which a plain path would strip and \\?\ would keep */
	SMTP_WPATH_E_NOMEM
} smtp_wpath_rc_t;

/* The longest path (in UTF-16 units, without its NUL) passed to Windows as it
 * is: CreateDirectoryW's limit, MAX_PATH (260) less room for an 8.3 name (12)
 * and the NUL. Longer paths get the \\?\ form. */
#define SMTP_WPATH_PLAIN_MAX 247

/* Decodes n bytes of UTF-8 into UTF-16: strict RFC 3629 (no overlong form,
 * no surrogate code point, nothing above U+10FFFF, no truncated sequence).
 * out (cap units) may be NULL with cap 0 to count only; *outlen receives the
 * units the whole text needs, even when they do not fit (then only cap are
 * written). No NUL is added. SMTP_WPATH_E_UTF8 on the first bad byte. */
smtp_wpath_rc_t smtp_utf8_to_utf16(const char *s, size_t n, smtp_wchar_t *out, size_t cap, size_t *outlen);

/* Encodes n UTF-16 units as UTF-8 into out (cap bytes, cap >= 1), always
 * NUL-terminated and cut only between characters; an unpaired surrogate
 * becomes U+FFFD. Returns the bytes the whole text needs without the NUL
 * (as snprintf does): the result was cut when that is >= cap. */
size_t smtp_utf16_to_utf8(const smtp_wchar_t *s, size_t n, char *out, size_t cap);

/* The path for the Win32 ...W functions: *out (malloc'd, NUL-terminated, the
 * caller frees it) is the UTF-8 path in UTF-16 with each '/' made '\'. When
 * that is longer than SMTP_WPATH_PLAIN_MAX units it becomes its \\?\ form
 * ("\\?\C:\..." for a drive path, "\\?\UNC\server\share\..." for a UNC path),
 * with what Win32 would do to a plain path done here: repeated separators
 * collapsed, "." dropped and ".." taking off the name before it (never the
 * drive or share). A path that already starts with \\?\ or \\.\ is kept
 * exactly as given. *out is NULL on failure. */
smtp_wpath_rc_t smtp_wpath_make(const char *path, smtp_wchar_t **out);

#endif
