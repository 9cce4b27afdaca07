/* mail.c — see mail.h for the message layout and the retry diagram. */
#include "batch/mail.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "batch/schedule.h"

tf_err tf_batch_mail_encode_subject(const char *s, char *out, size_t cap)
{
	size_t n = strlen(s), need = 12 + 4 * ((n + 2) / 3) + 1;
	if (need > cap || n > 900)
		return TF_ERR_TOO_BIG;
	memcpy(out, "=?UTF-8?B?", 10);
	int len = EVP_EncodeBlock((unsigned char *)out + 10, (const unsigned char *)s, (int)n);
	memcpy(out + 10 + len, "?=", 3);
	return TF_OK;
}

int tf_batch_mail_host_is_local(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL;
	int local = 0;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
	{
		struct in_addr a;
		local = !strcmp(host, "localhost") || !strcmp(host, "[::1]") ||
			(inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127);
	}
	curl_free(host);
	curl_url_cleanup(u);
	return local;
}

static struct curl_slist *recipients(const char *to, char *why, size_t cap)
{
	struct curl_slist *l = NULL;
	const char *p = to;
	while (*p) {
		size_t n = strcspn(p, ",");
		char addr[320];
		while (n && *p == ' ')
			p++, n--;
		size_t m = n;
		while (m && p[m - 1] == ' ')
			m--;
		if (!m || m >= sizeof addr - 2 || !memchr(p, '@', m) || memchr(p, '<', m) || memchr(p, '\r', m) ||
		    memchr(p, '\n', m)) {
			snprintf(why, cap, "--mail-to: '%.*s' is not an e-mail address", (int)(m < 80 ? m : 80), p);
			curl_slist_free_all(l);
			return NULL;
		}
		snprintf(addr, sizeof addr, "<%.*s>", (int)m, p);
		struct curl_slist *nl = curl_slist_append(l, addr);
		if (!nl) {
			curl_slist_free_all(l);
			return NULL;
		}
		l = nl;
		p += n;
		if (*p == ',')
			p++;
	}
	if (!l)
		snprintf(why, cap, "--mail-to is empty");
	return l;
}

static struct curl_slist *headers(const tf_mail_opts *o, const tf_mail_msg *msg)
{
	char line[1400], subj[1300], host[128] = "localhost";
	unsigned char rnd[8] = {0};
	time_t now = time(NULL);
	struct tm tm;
	struct curl_slist *h = NULL, *n;
	gethostname(host, sizeof host - 1);
	RAND_bytes(rnd, sizeof rnd);
	gmtime_r(&now, &tm);
	if (tf_batch_mail_encode_subject(msg->subject, subj, sizeof subj))
		snprintf(subj, sizeof subj, "tickflow report");
	char date[64];
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	const char *fmt[] = {"Date: %s", "From: %s", "To: %s", "Subject: %s", "Message-ID: <%lld.%02x%02x%02x%02x%02x%02x%02x%02x@%s>"};
	for (int i = 0; i < 5; i++) {
		if (i == 0)
			snprintf(line, sizeof line, fmt[0], date);
		else if (i == 1)
			snprintf(line, sizeof line, fmt[1], o->from);
		else if (i == 2)
			snprintf(line, sizeof line, fmt[2], o->to);
		else if (i == 3)
			snprintf(line, sizeof line, fmt[3], subj);
		else
			snprintf(line, sizeof line, fmt[4], (long long)tf_now_ms(), rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5],
				 rnd[6], rnd[7], host);
		if (!(n = curl_slist_append(h, line))) {
			curl_slist_free_all(h);
			return NULL;
		}
		h = n;
	}
	return h;
}

/* Builds multipart/mixed { multipart/alternative { text, html }, attachment } on c. */
static curl_mime *build_mime(CURL *c, const tf_mail_msg *msg)
{
	curl_mime *mime = curl_mime_init(c), *alt = curl_mime_init(c);
	if (!mime || !alt)
		goto fail;
	curl_mimepart *p = curl_mime_addpart(alt);
	curl_mime_data(p, msg->text, CURL_ZERO_TERMINATED);
	curl_mime_type(p, "text/plain; charset=utf-8");
	curl_mime_encoder(p, "quoted-printable");
	p = curl_mime_addpart(alt);
	curl_mime_data(p, msg->html, msg->html_len);
	curl_mime_type(p, "text/html; charset=utf-8");
	curl_mime_encoder(p, "quoted-printable");
	p = curl_mime_addpart(mime);
	if (curl_mime_subparts(p, alt) != CURLE_OK)
		goto fail;
	alt = NULL; /* owned by mime now */
	curl_mime_type(p, "multipart/alternative");
	p = curl_mime_addpart(mime);
	curl_mime_data(p, msg->html, msg->html_len);
	curl_mime_type(p, "text/html; charset=utf-8");
	curl_mime_filename(p, msg->attachment_name);
	curl_mime_encoder(p, "base64");
	return mime;
fail:
	curl_mime_free(alt);
	curl_mime_free(mime);
	return NULL;
}

/* One delivery attempt. *permanent is set when retrying cannot help (5xx, AUTH refused). */
static tf_err attempt(const tf_mail_opts *o, const tf_mail_msg *msg, struct curl_slist *rcpt, bool *permanent,
		      char *why, size_t cap)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hdr = headers(o, msg);
	curl_mime *mime = c ? build_mime(c, msg) : NULL;
	char ebuf[CURL_ERROR_SIZE] = "", from[340];
	tf_err err = TF_OK;
	*permanent = false;
	if (!c || !hdr || !mime) {
		err = TF_ERR_NOMEM;
		goto out;
	}
	bool implicit_tls = !strncmp(o->smtp_url, "smtps://", 8);
	snprintf(from, sizeof from, "<%s>", o->from);
	curl_easy_setopt(c, CURLOPT_URL, o->smtp_url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)o->timeout_ms);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	if (!implicit_tls)
		curl_easy_setopt(c, CURLOPT_USE_SSL,
				 tf_batch_mail_host_is_local(o->smtp_url) ? (long)CURLUSESSL_TRY : (long)CURLUSESSL_ALL);
	if (o->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
	const char *user = getenv("TICKFLOW_SMTP_USER"), *pass = getenv("TICKFLOW_SMTP_PASSWORD");
	if (user && *user) {
		curl_easy_setopt(c, CURLOPT_USERNAME, user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, pass ? pass : "");
	}
	CURLcode rc = curl_easy_perform(c);
	long code = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (rc == CURLE_OK)
		goto out;
	*permanent = rc == CURLE_LOGIN_DENIED || (code >= 500 && code < 600);
	snprintf(why, cap, "%s: %s (last SMTP reply %ld)", o->smtp_url, ebuf[0] ? ebuf : curl_easy_strerror(rc), code);
	err = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ? TF_ERR_REFUSED
	      : rc == CURLE_OPERATION_TIMEDOUT				  ? TF_ERR_TIMEOUT
	      : rc == CURLE_USE_SSL_FAILED || rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_PEER_FAILED_VERIFICATION
		      ? TF_ERR_TLS
	      : code >= 400 ? TF_ERR_REMOTE
			    : TF_ERR_IO;
	if (rc == CURLE_USE_SSL_FAILED)
		snprintf(why + strlen(why), cap - strlen(why), "; the server does not offer STARTTLS, required for non-local hosts");
out:
	curl_mime_free(mime);
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return err;
}

tf_err tf_batch_mail_send(const tf_mail_opts *o, const tf_mail_msg *msg, int *attempts, char *why, size_t cap)
{
	*attempts = 0;
	if (strncmp(o->smtp_url, "smtp://", 7) && strncmp(o->smtp_url, "smtps://", 8)) {
		snprintf(why, cap, "--smtp '%.100s' must start with smtp:// or smtps://", o->smtp_url);
		return TF_ERR_USAGE;
	}
	if (!o->from || !strchr(o->from, '@') || strpbrk(o->from, "<>\r\n")) {
		snprintf(why, cap, "--mail-from '%.100s' is not an e-mail address", o->from ? o->from : "");
		return TF_ERR_USAGE;
	}
	struct curl_slist *rcpt = recipients(o->to, why, cap);
	if (!rcpt)
		return TF_ERR_USAGE;
	int64_t backoff = o->backoff_ms > 0 ? o->backoff_ms : 1000;
	tf_err err;
	for (;;) {
		bool permanent;
		(*attempts)++;
		err = attempt(o, msg, rcpt, &permanent, why, cap);
		if (!err || permanent || *attempts > o->retries)
			break;
		tf_warn("sending mail failed (%s); retry %d of %d in %lld ms", why, *attempts, o->retries,
			(long long)backoff);
		if (!tf_batch_sleep(backoff)) {
			err = TF_ERR_STOPPED;
			break;
		}
		backoff = backoff * 2 > 300000 ? 300000 : backoff * 2;
	}
	curl_slist_free_all(rcpt);
	return err;
}
