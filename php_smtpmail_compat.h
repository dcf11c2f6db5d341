/*
 * php_smtpmail_compat.h: every difference between the PHP versions smtpmail
 * builds against, and the only file that tests PHP_VERSION_ID. The rest of
 * the glue is written for the newest engine API; what an older or newer
 * engine lacks is supplied here under a version guard.
 *
 * Built and tested: PHP 8.2, 8.4, 8.5 and 8.6 (scripts/check-php-versions);
 * thread-safe builds are compiled, not run (scripts/check-zts).
 */
#ifndef PHP_SMTPMAIL_COMPAT_H
#define PHP_SMTPMAIL_COMPAT_H

#include "php.h"

#if PHP_VERSION_ID < 80200
# error "smtpmail needs PHP 8.2 or newer"
#endif

/* PHP 8.6 dropped INI_STR(); zend_ini_string_ex() has been there since PHP 7
 * and answers the same: the current value, or NULL when unset or unknown. */
#if PHP_VERSION_ID >= 80600 && !defined(INI_STR)
# define INI_STR(name) zend_ini_string_ex((name), strlen(name), false, NULL)
#endif

#endif
