# SPDX-License-Identifier: GPL-2.0
#
# kcap: packet capture sessions for Linux appliances.
#
#   make                 kcap.ko and the kcap tool
#   make module          kcap.ko for the running kernel, KDIR=<build tree>,
#                        or KERNEL=<6.1|6.12|5.10|7.x> (Debian kernel, cached)
#   make user            libkcap and the kcap tool (build/user/)
#   make check           quality gates, host tests, selftests in a VM (6.1)
#   make check-matrix    the same on every kernel of the matrix
#   make check-debug     the selftests on a 6.1 kernel built with KASAN,
#                        lockdep and kmemleak (built once, ~15 min), and a
#                        soak (SOAK_S= seconds, default 600)
#   make demo            boot a VM and show kcap at work
#   make bench           kcap against tcpdump in a VM (KERNEL=), and the
#                        writer on the host; bench/results.json
#   make install         kcap.ko (modules_install + depmod) and the tool
#   make dkms-install    kcap.ko through DKMS, rebuilt on kernel upgrades
#   make clean
#
# check, check-matrix, demo and bench install their Debian dependencies (as root).

VERSION := $(shell sed -n 's/^\#define KCAP_VERSION "\(.*\)"$$/\1/p' kmod/version.h)
PREFIX ?= /usr/local
DESTDIR ?=

# The module is built for KDIR when given or present (the running kernel),
# else for KERNEL, a Debian kernel fetched into the cache by tests/vm/.
KDIR ?= $(wildcard /lib/modules/$(shell uname -r)/build)
KERNEL ?= 6.1

all: module user

module:
ifneq ($(KDIR),)
	$(MAKE) -C kmod KDIR=$(KDIR)
else
	@echo "kcap: no build tree for the running kernel; building for Debian $(KERNEL) (KERNEL=)"
	+tests/vm/build-module $(KERNEL)
endif

user:
	$(MAKE) -C user

deps:
	tests/deps

check: deps
	tests/check

check-matrix:
	tests/deps --matrix
	tests/check --matrix

check-debug: deps
	tests/deps --debug
	tests/check --debug

demo: deps
	tests/demo

# BENCH_ARGS: more options of bench/run (a shorter run: --rounds 1 ...).
BENCH_RESULTS ?= bench/results.json
# BENCH_PLOT: the SVG drawn from the results (empty: none, and no
# matplotlib to install).
BENCH_PLOT ?= $(BENCH_RESULTS:.json=.svg)
bench: deps
	$(if $(BENCH_PLOT),tests/deps --bench)
	bench/run --kernel $(KERNEL) --results $(BENCH_RESULTS) \
		$(if $(BENCH_PLOT),--plot $(BENCH_PLOT)) $(BENCH_ARGS)

install: module-install user-install

module-install: module
	$(MAKE) -C kmod KDIR=$(or $(KDIR),$(error no kernel build tree: install linux-headers-$$(uname -r) or pass KDIR=)) \
		INSTALL_MOD_PATH=$(DESTDIR) install

user-install: user
	$(MAKE) -C user install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

# DKMS: the dkms command (with options: another tree, --no-depmod),
# DKMS_SRC: where it takes sources from, DKMS_KERNEL: -k RELEASE ... to
# build for another kernel than the running one.
DKMS ?= dkms
DKMS_SRC ?= /usr/src
DKMS_KERNEL ?=
DKMS_DIR := $(DKMS_SRC)/kcap-$(VERSION)

dkms-install:
	@command -v dkms >/dev/null || { echo "kcap: dkms is missing: apt-get install dkms"; exit 1; }
	$(DKMS) status -m kcap -v $(VERSION) | grep -q . && $(DKMS) remove -m kcap -v $(VERSION) --all || true
	rm -rf $(DKMS_DIR)
	mkdir -p $(DKMS_DIR)/kmod
	cp -r include $(DKMS_DIR)/
	sed 's/@VERSION@/$(VERSION)/' dkms.conf >$(DKMS_DIR)/dkms.conf
	cp $(filter-out %.mod.c, $(wildcard kmod/*.[ch])) kmod/Kbuild kmod/Makefile $(DKMS_DIR)/kmod/
	$(DKMS) add -m kcap -v $(VERSION)
	$(DKMS) build -m kcap -v $(VERSION) $(DKMS_KERNEL)
	$(DKMS) install -m kcap -v $(VERSION) $(DKMS_KERNEL)

dkms-remove:
	$(DKMS) remove -m kcap -v $(VERSION) --all
	rm -rf $(DKMS_DIR)

clean:
	rm -rf build
	$(MAKE) -C user clean
	rm -f kmod/*.o kmod/*.ko kmod/*.mod kmod/*.mod.c kmod/.*.cmd kmod/modules.order \
		kmod/Module.symvers

.PHONY: all module user deps check check-matrix demo bench install module-install \
	user-install dkms-install dkms-remove clean
