#!/usr/bin/env bash
# ops_install.sh — `make install` stages the binary under test and its man page into a temporary
# root; the installed binary runs; `man -l` and groff render the page without warnings; the page
# has a section for every command `tickflow help` lists and names every option of each command;
# `make uninstall` removes both files again. The example systemd units in contrib/systemd/ pass
# `systemd-analyze verify` (no warning at all) and its offline security check, carry the settings
# operators rely on, and every command line they run is accepted by the binary.
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.."

root=$TF_TMP/root
out=$(dirname "$TICKFLOW")
out=${out#"$PWD"/}
# -o: install the binary under test as it is (never rebuild it here); the page is made from it.
make --no-print-directory -o "$out/tickflow" OUT="$out" install DESTDIR="$root" PREFIX=/usr \
	>"$TF_TMP/install.log" 2>&1 || fail "make install failed: $(tail -5 "$TF_TMP/install.log")"
bin=$root/usr/bin/tickflow
page=$root/usr/share/man/man1/tickflow.1
[[ -x $bin ]] || fail "no executable $bin"
[[ -f $page ]] || fail "no man page $page"
[[ $(stat -c %a "$bin") == 755 ]] || fail "binary mode $(stat -c %a "$bin"), want 755"
[[ $(stat -c %a "$page") == 644 ]] || fail "man page mode $(stat -c %a "$page"), want 644"
cmp -s "$bin" "$TICKFLOW" || fail "installed binary differs from $TICKFLOW"

# The installed binary runs on its own (assets are embedded; nothing is read from the tree).
(cd "$TF_TMP" && "$bin" version) >"$TF_TMP/version" || fail "installed binary: version failed"
grep -qE '^tickflow [0-9]+\.[0-9]+\.[0-9]+' "$TF_TMP/version" || fail "version printed: $(cat "$TF_TMP/version")"
(cd "$TF_TMP" && "$bin" help) >"$TF_TMP/help" || fail "installed binary: help failed"
mapfile -t cmds < <(awk '/^commands:/{on=1; next} on && /^$/{exit} on {print $1}' "$TF_TMP/help")
((${#cmds[@]} >= 7)) || fail "help lists only ${#cmds[@]} commands"
grep -q '^\.TH TICKFLOW 1 .*tickflow [0-9]' "$page" || fail "page has no .TH line with the version"

# Rendering: no warnings from man or groff (all warning categories on).
LC_ALL=C.UTF-8 MANWIDTH=100 man --warnings=all -l "$page" >"$TF_TMP/page.txt" 2>"$TF_TMP/man.err" ||
	fail "man -l failed: $(cat "$TF_TMP/man.err")"
[[ ! -s $TF_TMP/man.err ]] || fail "man -l warns: $(head -5 "$TF_TMP/man.err")"
groff -man -ww -z "$page" 2>"$TF_TMP/groff.err" || fail "groff failed"
[[ ! -s $TF_TMP/groff.err ]] || fail "groff warns: $(head -5 "$TF_TMP/groff.err")"
grep -q '^NAME' "$TF_TMP/page.txt" && grep -q '^SYNOPSIS' "$TF_TMP/page.txt" && grep -q '^EXIT STATUS' "$TF_TMP/page.txt" ||
	fail "page lacks NAME, SYNOPSIS or EXIT STATUS"

# Every command has its section, and each section names every option its --help lists.
for c in "${cmds[@]}"; do
	awk -v c="$c" '$0 == "   tickflow " c {on=1; next} on && /^   tickflow / {exit} on && /^[A-Z]/ {exit} on' \
		"$TF_TMP/page.txt" >"$TF_TMP/sec-$c"
	[[ -s $TF_TMP/sec-$c ]] || fail "no section 'tickflow $c' in the rendered page"
	[[ $c == help || $c == version ]] && continue
	"$bin" "$c" --help | awk '/^common options:/{exit} /^  --/{print $1}' >"$TF_TMP/opts-$c"
	[[ -s $TF_TMP/opts-$c ]] || fail "'tickflow $c --help' lists no options"
	while read -r o; do
		grep -qE -- "^ +$o( |$)" "$TF_TMP/sec-$c" || fail "section 'tickflow $c' lacks option $o"
	done <"$TF_TMP/opts-$c"
done
for o in --config --log-level --log-format --help; do
	awk '/^COMMON OPTIONS/{on=1} /^ENVIRONMENT/{on=0} on' "$TF_TMP/page.txt" | grep -qE -- "^ +$o( |$)" ||
		fail "COMMON OPTIONS lacks $o"
done

# The same binary and SOURCE_DATE_EPOCH give the same page (reproducible packages).
SOURCE_DATE_EPOCH=1700000000 scripts/manpage.sh "$bin" >"$TF_TMP/a.1"
SOURCE_DATE_EPOCH=1700000000 scripts/manpage.sh "$bin" >"$TF_TMP/b.1"
cmp -s "$TF_TMP/a.1" "$TF_TMP/b.1" || fail "man page is not reproducible"
grep -q '"2023-11-14"' "$TF_TMP/a.1" || fail "SOURCE_DATE_EPOCH not used for the page date"

make --no-print-directory -o "$out/tickflow" OUT="$out" uninstall DESTDIR="$root" PREFIX=/usr >/dev/null ||
	fail "make uninstall failed"
[[ ! -e $bin && ! -e $page ]] || fail "make uninstall left files behind"
# ---- contrib/systemd ----
units=(contrib/systemd/*.service contrib/systemd/*.timer)
((${#units[@]} >= 7)) || fail "expected at least 7 units in contrib/systemd, found ${#units[@]}"
for n in broker ingest stream stream@ serve report; do
	[[ -f contrib/systemd/tickflow-$n.service ]] || fail "no contrib/systemd/tickflow-$n.service"
done
for u in contrib/systemd/*.service; do
	for key in '^User=tickflow$' '^StateDirectory=tickflow$' '^EnvironmentFile=-?/etc/tickflow/tickflow.env$' \
		'^NoNewPrivileges=yes$' '^ProtectSystem=strict$' '^ReadWritePaths=/var/lib/tickflow$'; do
		grep -qE "$key" "$u" || fail "$u lacks $key"
	done
	# Each command line the unit runs parses: with --help appended the binary must exit 0.
	grep -E '^Exec(Start|StartPre)=' "$u" | sed -E 's/^[^=]+=//' | while read -r exe args; do
		[[ $exe == /usr/local/bin/tickflow ]] || fail "$u runs $exe, not /usr/local/bin/tickflow"
		# shellcheck disable=SC2086
		"$TICKFLOW" $args --help >/dev/null 2>"$TF_TMP/unit-args.err" ||
			fail "$u: 'tickflow $args' is rejected: $(cat "$TF_TMP/unit-args.err")"
	done
done
grep -qE '^After=.*tickflow-broker.service' contrib/systemd/tickflow-ingest.service || fail "ingest is not ordered after the broker"
grep -qE '^Requires=tickflow-broker.service' contrib/systemd/tickflow-ingest.service || fail "ingest does not require the broker"
grep -qE '^After=.*tickflow-stream.service' contrib/systemd/tickflow-serve.service || fail "serve is not ordered after stream"
if command -v systemd-analyze >/dev/null; then
	# verify wants the executables to exist: point a copy of the units at the binary under test.
	mkdir -p "$TF_TMP/units"
	for u in "${units[@]}"; do sed "s|/usr/local/bin/tickflow|$TICKFLOW|g" "$u" >"$TF_TMP/units/$(basename "$u")"; done
	(cd "$TF_TMP/units" && SYSTEMD_LOG_COLOR=0 systemd-analyze verify --man=no ./*.service ./*.timer tickflow-stream@2.service) \
		>"$TF_TMP/verify.log" 2>&1 || fail "systemd-analyze verify failed: $(cat "$TF_TMP/verify.log")"
	[[ ! -s $TF_TMP/verify.log ]] || fail "systemd-analyze verify warns: $(head -5 "$TF_TMP/verify.log")"
	for u in "$TF_TMP"/units/*.service; do
		score=$(cd "$TF_TMP/units" && systemd-analyze security --offline=yes --no-pager "$(basename "$u")" 2>&1 |
			sed -nE 's/.*Overall exposure level for .*: ([0-9.]+).*/\1/p')
		[[ -n $score ]] || fail "no security score for $(basename "$u")"
		awk -v s="$score" 'BEGIN { exit !(s <= 3.0) }' || fail "$(basename "$u") exposure $score > 3.0"
	done
	# The timer fires every 6 hours.
	systemd-analyze calendar --iterations=3 "$(sed -n 's/^OnCalendar=//p' contrib/systemd/tickflow-report.timer)" \
		>"$TF_TMP/cal" 2>&1 || fail "bad OnCalendar: $(cat "$TF_TMP/cal")"
	mapfile -t next < <(sed -nE 's/.*(Next elapse|Iter\. #[0-9]+): [A-Za-z]+ ([0-9-]+ [0-9:]+) .*/\2/p' "$TF_TMP/cal")
	((${#next[@]} == 3)) || fail "calendar did not list 3 elapses: $(cat "$TF_TMP/cal")"
	for i in 1 2; do
		gap=$(($(date -u -d "${next[i]}" +%s) - $(date -u -d "${next[i - 1]}" +%s)))
		((gap == 21600)) || fail "report timer gap $gap s, want 6 h"
	done
else
	echo "ops_install: systemd-analyze not installed; units checked for structure only"
fi
grep -qE '^Unit=tickflow-report.service$' contrib/systemd/tickflow-report.timer || fail "timer does not start the report"
grep -qE '^Type=oneshot$' contrib/systemd/tickflow-report.service || fail "report service is not oneshot"

echo "ops_install: ok (${#cmds[@]} commands in the page)"
