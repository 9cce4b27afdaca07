#!/usr/bin/env bash
# ops_install.sh — `make install` stages the binary under test and its man page into a temporary
# root; the installed binary runs; `man -l` and groff render the page without warnings; the page
# has a section for every command `tickflow help` lists and names every option of each command;
# `make uninstall` removes both files again.
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
echo "ops_install: ok (${#cmds[@]} commands in the page)"
