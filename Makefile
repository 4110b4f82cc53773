# SPDX-License-Identifier: GPL-2.0
#
#   make                  the module (kmod/secgroup.ko) and the tool (tools/sgnl/sgnl)
#   make KDIR=...         against other kernel headers (default: the running
#                         kernel's, else Debian's 6.1 headers)
#   make C=1              also run sparse over the module
#   make check            every test: unit tests, fuzzing, VM selftests on 6.1 and 6.12
#   make check-debug      the VM selftests on the debug kernel (KASAN, lockdep, kmemleak)
#   make soak             an hour of changes under traffic on 6.12, memory sampled
#                         (SOAK_SECONDS to change the hour)
#   make demo             the article's three-tier example, live in a VM
#                         (HERE=1: on this host, which must be able to load it)
#   make bench            the datapath and control plane beside conntrack alone and
#                         nftables, in one VM run: Documentation/performance.md
#   make bench-classifier instructions per lookup, secgroup vs a linear scan
#   make deps             install what the above need (Debian 12, as root)
#   make install          module, sgnl, man page, completion, header (DESTDIR, PREFIX)

top := $(CURDIR)
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
		    $(lastword $(sort $(wildcard /usr/src/linux-headers-6.1.*-amd64))))
KREL := $(shell sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
B := build/$(KREL)

KSRC := Kbuild kmod/Kbuild $(wildcard kmod/*.c kmod/*.h) uapi/linux/secgroup.h

# CFLAGS is the user's (make CFLAGS=-O2 sgnl); what the build needs is
# added apart, so it cannot be lost
CFLAGS ?= -O2 -g
SG_CFLAGS := -Wall -Wextra -Werror -Wno-unused-parameter -std=gnu11 -Iuapi -Ikmod
# the version: VERSION, and the commit when built from git
VERSION := $(shell cat VERSION)$(shell git describe --always --dirty 2>/dev/null | sed 's/^/ (git /; s/$$/)/')
LIBNL_CFLAGS := $(shell pkg-config --cflags libnl-genl-3.0 json-c jansson libcurl 2>/dev/null)
# libcurl: its header only; sgnl loads it when etcd is used (tools/sgnl/etcd.c)
LIBNL_LIBS := $(shell pkg-config --libs libnl-genl-3.0 json-c jansson 2>/dev/null)

.PHONY: all module vm-prep sgnl deps check check-debug soak demo bench bench-classifier \
	unit fuzz clean mirror selftests-bin ynl-tools install install-module install-sgnl deb

all: module sgnl

deps:
	@tools/deps.sh

# Each kernel builds in its own tree of symlinks, so builds never mix.
mirror:
	@test -n "$(KREL)" || { echo "no kernel headers at '$(KDIR)': make deps" >&2; exit 1; }
	@for f in $(KSRC); do mkdir -p $(B)/$$(dirname $$f); \
		ln -sfn $(top)/$$f $(B)/$$f; done

# the module alone: kernel headers are all it needs
module: mirror
	$(MAKE) -C $(KDIR) M=$(top)/$(B) W=1 modules
	@cp $(B)/kmod/secgroup.ko kmod/secgroup.ko

# what a VM run needs: the module, sgnl, the selftests in C, and the
# kernel's YNL tools from linux-source-6.12 (selftests/ynl.sh)
vm-prep: module sgnl selftests-bin ynl-tools

ynl-tools:
	@python3 tests/ynl_check.py --extract

# ---- userspace ----

SGNL_SRC := $(wildcard tools/sgnl/*.c)
SGNL_HDR := $(wildcard tools/sgnl/*.h) uapi/linux/secgroup.h

sgnl: tools/sgnl/sgnl

tools/sgnl/sgnl: $(SGNL_SRC) $(SGNL_HDR) VERSION
	$(CC) $(SG_CFLAGS) $(CFLAGS) $(LIBNL_CFLAGS) -DSGNL_VERSION='"$(VERSION)"' \
		$(LDFLAGS) -o $@ $(SGNL_SRC) $(LIBNL_LIBS)

TBIN := tests/bin
CLS := kmod/classifier.c tests/ref.c tests/testlib.c
CLS_BENCH := kmod/classifier.c tests/ref.c

$(TBIN)/classifier_test: tests/classifier_test.c $(CLS) tests/*.h kmod/*.h
	@mkdir -p $(TBIN)
	$(CC) $(SG_CFLAGS) $(CFLAGS) -fsanitize=address,undefined -o $@ tests/classifier_test.c $(CLS)

$(TBIN)/sgnl_test: tests/sgnl_test.sh tools/sgnl/sgnl $(TBIN)/sgnl-fake
	@mkdir -p $(TBIN)
	@ln -sf ../sgnl_test.sh $@

# sgnl with tests/nl_fake.c for its netlink layer: the argument tests
$(TBIN)/sgnl-fake: $(filter-out tools/sgnl/nl.c,$(SGNL_SRC)) tests/nl_fake.c $(SGNL_HDR) VERSION
	@mkdir -p $(TBIN)
	$(CC) $(SG_CFLAGS) $(CFLAGS) $(LIBNL_CFLAGS) -Itools/sgnl -DSGNL_VERSION='"$(VERSION)"' \
		-fsanitize=address,undefined $(LDFLAGS) -o $@ \
		$(filter-out tools/sgnl/nl.c,$(SGNL_SRC)) tests/nl_fake.c $(LIBNL_LIBS)

$(TBIN)/fuzz_classifier: tests/fuzz_classifier.c $(CLS) tests/*.h kmod/*.h
	@mkdir -p $(TBIN)
	clang -O1 -g -Iuapi -Ikmod -fsanitize=fuzzer,address,undefined \
		-o $@ tests/fuzz_classifier.c $(CLS)

$(TBIN)/bench_classifier: tests/bench_classifier.c $(CLS) tests/*.h kmod/*.h
	@mkdir -p $(TBIN)
	$(CC) -O2 -g -Wall -Iuapi -Ikmod -o $@ tests/bench_classifier.c $(CLS_BENCH)

unit: $(TBIN)/classifier_test $(TBIN)/fuzz_classifier sgnl $(TBIN)/sgnl-fake
	@tests/run_unit

bench-classifier: $(TBIN)/bench_classifier
	@tests/bench_classifier.sh $(TBIN)/bench_classifier

# kselftest headers, from Debian's linux-source package at build time
KSFT := build/ksft
KSFT_TAR := /usr/src/linux-source-6.1.tar.xz
$(KSFT)/kselftest_harness.h:
	@mkdir -p $(KSFT)
	tar -xJf $(KSFT_TAR) -C $(KSFT) --strip-components=4 \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/tools/testing/selftests/kselftest.h

# the selftests in C: each program with the netlink helpers they share
SELFTEST_BIN := $(addprefix build/selftests/,netlink faults nlfuzz churn)
selftests-bin: $(SELFTEST_BIN)
build/selftests/%: selftests/%.c selftests/sgt.c selftests/sgt.h $(KSFT)/kselftest_harness.h \
		uapi/linux/secgroup.h
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -Werror -Iuapi -I$(KSFT) $(LIBNL_CFLAGS) \
		-o $@ $< selftests/sgt.c $(LIBNL_LIBS) -lpthread

# ---- whole runs ----

check:
	@tools/check

check-debug:
	@tools/check --debug

soak:
	@tools/deps.sh && tools/vm/run --kernel 6.12 --timeout $$(( $${SOAK_SECONDS:-3600} + 900 )) -- \
		env SGCHURN_SECONDS=$${SOAK_SECONDS:-3600} \
		SGTEST_TIMEOUT=$$(( $${SOAK_SECONDS:-3600} + 600 )) \
		selftests/run_selftests selftests/churn.sh

bench:
	@tools/deps.sh && tools/bench/bench

demo:
	@tools/demo $(if $(HERE),--here)

# ---- installing ----
# make install [DESTDIR=...] [PREFIX=/usr/local] [KDIR=...]: the module into
# /lib/modules/KREL/updates (then depmod), sgnl, its man page, completion
# and JSON schema, the uapi header, secgroup.service, and examples of
# modules-load.d and modprobe.d files.  CFLAGS and LDFLAGS are the user's.
PREFIX ?= /usr/local
UNITDIR ?= $(if $(filter /usr,$(PREFIX)),/lib,$(PREFIX)/lib)/systemd/system
DOC := $(DESTDIR)$(PREFIX)/share/doc/secgroup
install: install-module install-sgnl

install-module: module
	install -D -m 0644 $(B)/kmod/secgroup.ko $(DESTDIR)/lib/modules/$(KREL)/updates/secgroup.ko
	depmod $(if $(DESTDIR),-b $(DESTDIR)) $(KREL)

# the userspace half (debian/rules: the package sgnl)
install-sgnl: sgnl
	install -D -m 0755 tools/sgnl/sgnl $(DESTDIR)$(PREFIX)/sbin/sgnl
	install -D -m 0644 Documentation/sgnl.8 $(DESTDIR)$(PREFIX)/share/man/man8/sgnl.8
	install -D -m 0644 tools/sgnl/sgnl.bash-completion \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/sgnl
	install -D -m 0644 uapi/linux/secgroup.h $(DESTDIR)$(PREFIX)/include/linux/secgroup.h
	install -D -m 0644 Documentation/sgnl.schema.json $(DOC)/sgnl.schema.json
	install -D -m 0644 tools/install/modules-load.conf $(DOC)/examples/modules-load.d/secgroup.conf
	install -D -m 0644 tools/install/modprobe.conf $(DOC)/examples/modprobe.d/secgroup.conf
	install -D -m 0644 examples/three-tier.json $(DOC)/examples/three-tier.json
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|@SBINDIR@|$(PREFIX)/sbin|' tools/install/secgroup.service.in \
		>$(DESTDIR)$(UNITDIR)/secgroup.service

# the Debian packages sgnl and secgroup-dkms, into build/deb
deb:
	rm -rf build/deb && mkdir -p build/deb/src
	git archive HEAD | tar -x -C build/deb/src
	cd build/deb/src && dpkg-buildpackage -us -uc -b
	lintian --fail-on error,warning build/deb/*.changes

clean:
	rm -rf build $(TBIN) tools/sgnl/sgnl kmod/secgroup.ko
