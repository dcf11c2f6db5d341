dnl config.m4 for smtpmail: phpize && ./configure && make
PHP_ARG_ENABLE([smtpmail],
  [whether to enable smtpmail support],
  [AS_HELP_STRING([--enable-smtpmail], [Enable smtpmail: mail() and smtp_send() through an authenticated TLS relay])],
  [no])

if test "$PHP_SMTPMAIL" != "no"; then
  dnl smtp_core uses libcrypto (HMAC-MD5 for CRAM-MD5, RAND_bytes, OPENSSL_cleanse);
  dnl TLS itself goes through ext/openssl's stream layer.
  PHP_SETUP_OPENSSL(SMTPMAIL_SHARED_LIBADD, [], [AC_MSG_ERROR([smtpmail needs OpenSSL's libcrypto (libssl-dev)])])
  PHP_SUBST(SMTPMAIL_SHARED_LIBADD)

  SMTPMAIL_CORE="smtp_core/smtp_addr.c smtp_core/smtp_buf.c smtp_core/smtp_canon.c smtp_core/smtp_compat.c \
    smtp_core/smtp_ehlo.c smtp_core/smtp_error.c smtp_core/smtp_headers.c smtp_core/smtp_idna.c smtp_core/smtp_message.c smtp_core/smtp_mime.c \
    smtp_core/smtp_limit.c smtp_core/smtp_oauth.c smtp_core/smtp_reply.c smtp_core/smtp_sasl.c smtp_core/smtp_policy.c smtp_core/smtp_session.c \
    smtp_core/smtp_spool.c smtp_core/smtp_winpath.c"
  PHP_NEW_EXTENSION(smtpmail, smtpmail.c smtpmail_log.c smtpmail_mail.c smtpmail_oauth.c smtpmail_pool.c smtpmail_send.c smtpmail_settings.c smtpmail_stream.c smtpmail_watch.c $SMTPMAIL_CORE, $ext_shared,, -DZEND_ENABLE_STATIC_TSRMLS_CACHE=1)
  PHP_ADD_BUILD_DIR($ext_builddir/smtp_core)
  PHP_ADD_EXTENSION_DEP(smtpmail, openssl)
  PHP_ADD_EXTENSION_DEP(smtpmail, spl)
fi
