/*
 * smtpmail_watch.c: SIGTERM and SIGINT for a flusher that stays
 * (smtp_spool_flush(['watch' => N])).
 *
 * A watch must end cleanly when systemd or supervisord stops it: finish the
 * message in flight, leave the spool consistent, return. So for the duration
 * of the watch, and only then, SIGTERM and SIGINT set a flag instead of
 * ending the process; the handlers that were there before (PHP's own, or
 * ext/pcntl's, which PHP routes through zend_signal) are saved and put back
 * when the watch returns, so a script's pcntl_signal() handlers keep working
 * afterwards. (pcntl itself installs one C handler that only records the
 * signal and lets the VM call the PHP callback later; a watch runs no PHP
 * code, so it records the signal the same way and acts on it itself.)
 *
 * While a message is being sent the two signals are blocked, so no system
 * call of the SMTP dialogue is interrupted; they are let in only while the
 * watch waits for work, and between two messages the flag and the pending
 * set are both looked at.
 */
#ifdef HAVE_CONFIG_H
# include "config.h"
#endif

#include "php.h"

#include <signal.h>
#if defined(ZTS) && !defined(PHP_WIN32)
# include <pthread.h>
#endif

#include "php_smtpmail.h"

/* Set by the handler; read by the watch loop. A process has one set of signal
 * handlers, so this is process-wide by nature (one watch at a time). */
static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int signo)
{
	(void)signo;
	stop_requested = 1;
}

#ifndef PHP_WIN32
static void mask_stop_signals(int how)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
# ifdef ZTS
	pthread_sigmask(how, &set, NULL);
# else
	sigprocmask(how, &set, NULL);
# endif
}
#endif

void php_smtpmail_watch_signals_begin(php_smtpmail_watch_signals_t *w)
{
	stop_requested = 0;
#ifndef PHP_WIN32
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a wait for work should end at once. Sends never see the
	 * signal (blocked), so nothing else is interrupted. */
	sa.sa_flags = 0;
# ifdef ZTS
	pthread_sigmask(SIG_SETMASK, NULL, &w->mask);
# else
	sigprocmask(SIG_SETMASK, NULL, &w->mask);
# endif
	mask_stop_signals(SIG_BLOCK);
	sigaction(SIGTERM, &sa, &w->term);
	sigaction(SIGINT, &sa, &w->intr);
#else
	w->term = signal(SIGTERM, on_stop_signal);
	w->intr = signal(SIGINT, on_stop_signal);
#endif
}

void php_smtpmail_watch_signals_end(php_smtpmail_watch_signals_t *w)
{
#ifndef PHP_WIN32
	/* A signal still pending lands on our handler, not on the restored one:
	 * take it now, while ours is installed. */
	mask_stop_signals(SIG_UNBLOCK);
	sigaction(SIGTERM, &w->term, NULL);
	sigaction(SIGINT, &w->intr, NULL);
# ifdef ZTS
	pthread_sigmask(SIG_SETMASK, &w->mask, NULL);
# else
	sigprocmask(SIG_SETMASK, &w->mask, NULL);
# endif
#else
	signal(SIGTERM, w->term);
	signal(SIGINT, w->intr);
#endif
}

void php_smtpmail_watch_wait_begin(void)
{
#ifndef PHP_WIN32
	mask_stop_signals(SIG_UNBLOCK);
#endif
}

void php_smtpmail_watch_wait_end(void)
{
#ifndef PHP_WIN32
	mask_stop_signals(SIG_BLOCK);
#endif
}

bool php_smtpmail_watch_stop_requested(void)
{
#ifndef PHP_WIN32
	sigset_t pending;

	if (!stop_requested && sigpending(&pending) == 0
	    && (sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1)) {
		/* Blocked while a message was sent: it counts all the same. */
		return true;
	}
#endif
	return stop_requested != 0;
}
