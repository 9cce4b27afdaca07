#!/usr/bin/python3
"""smtp_server.py — a real SMTP server for the tests: Debian's aiosmtpd on 127.0.0.1.

usage: smtp_server.py PORT OUTDIR [--tls CERT KEY] [--auth USER PASSWORD]
Every message is saved as OUTDIR/N.eml with OUTDIR/N.json (mail_from, rcpt_tos, tls, auth_user).
With --tls the server offers STARTTLS and refuses mail before it; with --auth it requires AUTH
(PLAIN/LOGIN, only after STARTTLS when --tls is given). Prints "ready" when listening."""
import asyncio, json, os, ssl, sys, time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

port, outdir = int(sys.argv[1]), sys.argv[2]
args = sys.argv[3:]
tls = auth = None
while args:
    if args[0] == "--tls":
        tls, args = (args[1], args[2]), args[3:]
    elif args[0] == "--auth":
        auth, args = (args[1], args[2]), args[3:]
    else:
        sys.exit(f"unknown argument {args[0]}")

class Saver:
    def __init__(self):
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        base = os.path.join(outdir, str(self.n))
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                "tls": session.ssl is not None,
                "auth_user": session.auth_data.login.decode() if session.authenticated and session.auth_data else None}
        with open(base + ".json.tmp", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".json.tmp", base + ".json")
        return "250 OK saved"

def authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth is not None and auth_data.login.decode() == auth[0] and auth_data.password.decode() == auth[1]
    return AuthResult(success=True, auth_data=auth_data) if ok else AuthResult(success=False, handled=False)

kw = {}
if tls:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(*tls)
    kw.update(tls_context=ctx, require_starttls=True)
if auth:
    kw.update(authenticator=authenticator, auth_required=True, auth_require_tls=bool(tls))
c = Controller(Saver(), hostname="127.0.0.1", port=port, **kw)
c.start()
print("ready", flush=True)
try:
    while True:
        time.sleep(1)
finally:
    c.stop()
