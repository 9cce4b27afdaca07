# tickflow — build, test, bench, fuzz. `make help` lists the targets.
#
# Variants live side by side: build/ is the optimised build, build/san-<list>/ a sanitizer build
# (SANITIZER=address,undefined is what `make test` uses), build/fuzz/ the clang libFuzzer build.

SANITIZER ?=
CC ?= cc
comma := ,

ifeq ($(SANITIZER),)
  OUT := build
  OPT := -O2
  SANFLAGS :=
else
  OUT := build/san-$(subst $(comma),-,$(SANITIZER))
  OPT := -O1
  SANFLAGS := -fsanitize=$(SANITIZER) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
CPPFLAGS := -Isrc -I/usr/include/postgresql -D_GNU_SOURCE -MMD -MP
CFLAGS := -std=c11 -g $(OPT) $(WARN) $(SANFLAGS) $(EXTRA_CFLAGS)
LDFLAGS := $(SANFLAGS)
LDLIBS := -lwslay -lssl -lcrypto -lcurl -lm -lpthread -lrdkafka -lsqlite3 -lpq

SRC := $(shell find src -name '*.c' | sort)
LIB_SRC := $(filter-out src/main.c,$(SRC))
OBJ := $(SRC:%.c=$(OUT)/obj/%.o)
LIB_OBJ := $(LIB_SRC:%.c=$(OUT)/obj/%.o)
UNIT_SRC := $(shell find tests/unit -name '*.c' | sort)
UNIT_OBJ := $(UNIT_SRC:%.c=$(OUT)/obj/%.o)
BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(OUT)/bench/%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_OBJ := $(LIB_SRC:%.c=build/fuzz/obj/%.o)
FUZZ_TIME ?= 60
# The page (web/) and the charting library, embedded into the binary (src/web/assets.h).
WEB_GEN := build/gen/web_assets.c
WEB_FILES := $(sort $(wildcard web/*.html web/*.css web/*.js)) node_modules/lightweight-charts/dist/lightweight-charts.standalone.production.js
OBJ += $(OUT)/obj/$(WEB_GEN:.c=.o)
LIB_OBJ += $(OUT)/obj/$(WEB_GEN:.c=.o)
FUZZ_OBJ += build/fuzz/obj/$(WEB_GEN:.c=.o)

.PHONY: all deps run test test-run check bench bench-build fuzz fuzz-build fuzz-smoke clean help lint

# Keep objects of the fuzz and bench chains (make would delete them as intermediates).
.SECONDARY:

all: deps $(OUT)/tickflow

help:
	@echo "make            build build/tickflow (installs missing Debian packages first)"
	@echo "make run        build and start everything: tickflow up \$$(ARGS) (e.g. ARGS=\"--symbols 2000\")"
	@echo "make test       build with ASan+UBSan and run every test"
	@echo "make bench      run the benchmarks and print their tables"
	@echo "make fuzz       run every libFuzzer target for FUZZ_TIME seconds (default 60)"
	@echo "make install    install the binary and man page under PREFIX (default /usr/local; DESTDIR honoured)"
	@echo "make lint       banned calls and formatting checks"
	@echo "SANITIZER=address|undefined|thread  build a sanitizer variant under build/san-*/"

deps:
	@scripts/deps.sh

$(OUT)/tickflow: $(OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUT)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(OUT)/unit_tests: $(UNIT_OBJ) $(LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUT)/bench/%: $(OUT)/obj/bench/%.o $(LIB_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -ljansson

# `make run ARGS="--symbols 2000"`: everything at once (tickflow up); Ctrl-C stops it cleanly.
run: all
	$(OUT)/tickflow up $(ARGS)

# The test command of README.md and .ci/run: sanitizer build, unit, fuzz smoke and integration tests.
test:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory SANITIZER=address,undefined test-run

test-run: $(OUT)/tickflow $(OUT)/unit_tests fuzz-build
	@tests/run.sh $(OUT)

check: test

bench: deps
	@$(MAKE) --no-print-directory SANITIZER= bench-build
	@scripts/bench.sh build

bench-build: $(OUT)/tickflow $(BENCH_BIN)

fuzz-build: $(FUZZ_BIN)

build/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	clang $(CPPFLAGS) -std=c11 -g -O1 $(WARN) -fsanitize=fuzzer-no-link,address,undefined -c -o $@ $<

build/fuzz/%: build/fuzz/obj/tests/fuzz/%.o $(FUZZ_OBJ)
	@mkdir -p $(@D)
	clang -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)

fuzz: deps fuzz-build
	@for f in $(FUZZ_BIN); do echo "== $$f ($(FUZZ_TIME)s)"; \
	  mkdir -p build/fuzz/corpus/$$(basename $$f); \
	  $$f -max_total_time=$(FUZZ_TIME) -rss_limit_mb=2048 build/fuzz/corpus/$$(basename $$f) tests/fuzz/seeds/$$(basename $$f) || exit 1; done

lint:
	@scripts/lint.sh

$(WEB_GEN): scripts/embed_web.sh $(WEB_FILES)
	@scripts/embed_web.sh $@ $(WEB_FILES)

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)

# ---- install (issue 7): the binary (web assets are embedded) and a man page generated from its
# own help text (scripts/manpage.sh). `make install PREFIX=/usr DESTDIR=/tmp/root` stages a package.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
.PHONY: install uninstall man

man: $(OUT)/tickflow.1

$(OUT)/tickflow.1: $(OUT)/tickflow scripts/manpage.sh
	scripts/manpage.sh $(OUT)/tickflow >$@.tmp && mv $@.tmp $@

install: $(OUT)/tickflow $(OUT)/tickflow.1
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(OUT)/tickflow $(DESTDIR)$(BINDIR)/tickflow
	install -m 0644 $(OUT)/tickflow.1 $(DESTDIR)$(MANDIR)/man1/tickflow.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tickflow $(DESTDIR)$(MANDIR)/man1/tickflow.1
