#!/usr/bin/python3
"""check_mail.py — checks one message saved by smtp_server.py against what report should send.

usage: check_mail.py BASE REPORT.html RCPT1,RCPT2 [--tls] [--auth USER]
BASE is OUTDIR/N (BASE.eml and BASE.json)."""
import email, email.header, email.policy, json, os, sys

base, html_path, rcpts = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
flags = sys.argv[4:]
meta = json.load(open(base + ".json"))
msg = email.message_from_bytes(open(base + ".eml", "rb").read(), policy=email.policy.default)

def fail(why):
    sys.exit(f"mail: {why}")

if sorted(meta["rcpt_tos"]) != sorted(rcpts):
    fail(f"recipients {meta['rcpt_tos']} != {rcpts}")
if "--tls" in flags and not meta["tls"]:
    fail("the message did not come over STARTTLS")
if "--auth" in flags and meta["auth_user"] != flags[flags.index("--auth") + 1]:
    fail(f"authenticated as {meta['auth_user']!r}")
raw_subject = msg.get("Subject", "")
subject = str(email.header.make_header(email.header.decode_header(raw_subject)))
raw_lines = open(base + ".eml", "rb").read().split(b"\r\n\r\n", 1)[0].decode("ascii").split("\r\n")
raw_subj = [l for l in raw_lines if l.lower().startswith("subject:")]
if len(raw_subj) != 1 or not raw_subj[0][8:].strip().startswith("=?UTF-8?B?"):
    fail(f"the subject is not one RFC 2047-encoded header: {raw_subj}")
if not subject.startswith("tickflow market report"):
    fail(f"subject {subject!r}")
for h in ("Date", "Message-ID", "MIME-Version", "From", "To"):
    if not msg.get(h):
        fail(f"header {h} missing")
if msg.get_content_type() != "multipart/mixed":
    fail(f"top-level type {msg.get_content_type()}")
parts = list(msg.iter_parts())
alt = parts[0]
if alt.get_content_type() != "multipart/alternative":
    fail(f"first part is {alt.get_content_type()}")
kinds = [p.get_content_type() for p in alt.iter_parts()]
if kinds != ["text/plain", "text/html"]:
    fail(f"alternative parts {kinds}")
text = list(alt.iter_parts())[0].get_content()
html = list(alt.iter_parts())[1].get_content()
report = open(html_path, encoding="utf-8").read()
if "Summary" not in text or "not investment advice" not in text:
    fail("the text part lacks the summary or the disclaimer")
if html != report:
    fail("the HTML part differs from the report file")
att = parts[1]
if att.get_filename() != os.path.basename(html_path) or att.get_content_disposition() != "attachment":
    fail(f"attachment {att.get_filename()!r} ({att.get_content_disposition()})")
if att.get_payload(decode=True).decode("utf-8") != report:
    fail("the attachment differs from the report file")
print(f"mail ok: to {rcpts}, subject {subject!r}, tls={meta['tls']}, auth={meta['auth_user']}")
