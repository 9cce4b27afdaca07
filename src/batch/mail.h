/* mail.h — sending a report by SMTP through libcurl.
 *
 * The message: multipart/mixed { multipart/alternative { text/plain, text/html }, the report as an
 * attachment (text/html, base64) }, with Date, Message-ID, From, To, MIME-Version and an
 * RFC 2047-encoded Subject. Transport: smtps:// is TLS from the start; smtp:// to a non-local
 * host requires STARTTLS (the send fails rather than go out in clear), to a loopback host it uses
 * STARTTLS when offered. AUTH uses TICKFLOW_SMTP_USER / TICKFLOW_SMTP_PASSWORD from the
 * environment only; the password is never logged or put in an error message.
 *
 *   attempt ──ok──> done
 *      │ failure (connection, TLS, timeout, 4xx)      5xx or AUTH refused
 *      v                                               │
 *   wait backoff (doubling) ── attempts left? ─no──> fail with the server's last answer
 *      └─────────yes──────> attempt */
#ifndef TF_BATCH_MAIL_H
#define TF_BATCH_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct {
	const char *smtp_url;  /* smtp://host:587 or smtps://host:465 */
	const char *from;      /* envelope and header sender */
	const char *to;        /* "a@x,b@y" */
	const char *ca_file;   /* PEM to verify the server; NULL = system CAs */
	int retries;
	int64_t backoff_ms, timeout_ms;
} tf_mail_opts;

typedef struct {
	const char *subject;   /* UTF-8 */
	const char *text;      /* plain-text part */
	const char *html;      /* HTML part and attachment */
	size_t html_len;
	const char *attachment_name; /* "report-20240310-024700.html" */
} tf_mail_msg;

/* Sends msg to every recipient. TF_ERR_USAGE for a bad URL or recipient list; TF_ERR_REMOTE when
 * the server refused (why has its answer); TF_ERR_REFUSED/TF_ERR_TLS/TF_ERR_TIMEOUT/TF_ERR_IO when
 * every attempt failed to deliver; TF_ERR_STOPPED on a signal. *attempts says how many were made. */
tf_err tf_batch_mail_send(const tf_mail_opts *o, const tf_mail_msg *msg, int *attempts, char *why, size_t cap);

/* Writes "=?UTF-8?B?...?=" for s into out (cap bytes); TF_ERR_TOO_BIG when it does not fit. */
tf_err tf_batch_mail_encode_subject(const char *s, char *out, size_t cap);

/* Whether the host of an smtp(s):// URL is loopback (localhost, 127.0.0.0/8, ::1). */
int tf_batch_mail_host_is_local(const char *url);

#endif
