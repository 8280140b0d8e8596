# Atrium — build, test and run. Every target does its own set-up on a fresh machine.
ATRIUM_HOME ?= $(CURDIR)/.atrium
export ATRIUM_HOME
# The Swift code is compiled for a portable baseline (x86-64-v3) and the C kernels for every ISA
# level, chosen at start (see Package.swift); ATRIUM_TARGET_CPU=native builds for this machine only.
ifdef ATRIUM_TARGET_CPU
export ATRIUM_TARGET_CPU
endif

SWIFT ?= swift
RELEASE = -c release -Xswiftc -enable-testing
APT_PACKAGES = libsqlite3-dev poppler-utils zlib1g-dev pkg-config python3-doc curl util-linux
# For the aarch64 kernel test (scripts/test-kernels-c): a sysroot and qemu-user.
APT_PACKAGES += qemu-user libc6-dev-arm64-cross libgcc-12-dev-arm64-cross
# For the PostgreSQL store tests: scripts/run-tests starts a throwaway cluster (openssl makes
# its TLS certificate, for the sslmode tests).
APT_PACKAGES += postgresql openssl
# For the two-replica test behind nginx (deploy/nginx/atrium.conf, ReplicasBehindNginxTests).
APT_PACKAGES += nginx
# For the web console's browser test (Tests/ServerTests/Scripts/console_browser.py).
APT_PACKAGES += chromium chromium-driver

.PHONY: all setup apt models python build test test-kernels serve bench eval eval-guardrails console-screenshots clean

all: build

apt:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null \
		|| { echo "error: could not install$$missing"; exit 1; }; \
	fi

models:
	./scripts/fetch-models
	./scripts/fetch-gemma

# The official OpenAI Python client, for the test that drives `atrium serve` with it; Selenium
# for the console's browser test.
python:
	@python3 -c "import openai" 2>/dev/null || python3 -m pip install --quiet openai
	@python3 -c "import selenium" 2>/dev/null || python3 -m pip install --quiet selenium

setup: apt models python

build:
	$(SWIFT) build $(RELEASE)

test: setup test-kernels
	$(SWIFT) build --build-tests $(RELEASE)
	SWIFT="$(SWIFT)" ./scripts/run-tests $(RELEASE) --skip-build

# The C kernels of every ISA level against the scalar references, here and on aarch64 (qemu).
test-kernels: apt
	./scripts/test-kernels-c --require-aarch64

serve: setup build
	$$($(SWIFT) build $(RELEASE) --show-bin-path)/atrium serve --host 127.0.0.1 --port 8080

bench: models build
	$$($(SWIFT) build $(RELEASE) --show-bin-path)/atrium bench --model smollm2-135m

# Retrieval quality (Recall@10, nDCG@10 for BM25, vectors, hybrid; documents and chunks) on the
# Python library reference (python3-doc) and on GNU info manuals of Debian packages; see
# scripts/eval-retrieval. Only this target installs the manuals' packages.
EVAL_APT_PACKAGES = grep sed diffutils gzip wget findutils
eval: apt models build
	@$(MAKE) --no-print-directory apt APT_PACKAGES="$(EVAL_APT_PACKAGES)"
	./scripts/eval-retrieval --atrium $$($(SWIFT) build $(RELEASE) --show-bin-path)/atrium

# Guardrail detectors on a generated corpus (valid values and near misses per entity type, in
# running text, whole and streamed in random chunks): precision and recall per type.
eval-guardrails:
	$(SWIFT) build --build-tests $(RELEASE)
	$(SWIFT) test $(RELEASE) --skip-build --filter GuardrailEvaluationTests

# A PNG of every console page (headless Chromium) against a real `atrium serve` with demo data,
# into .build/console-screenshots (ignored by git); SCREENSHOTS=DIR to choose another folder.
SCREENSHOTS ?= .build/console-screenshots
console-screenshots: setup build
	./scripts/console-screenshots --atrium $$($(SWIFT) build $(RELEASE) --show-bin-path)/atrium --out $(SCREENSHOTS) --phone

clean:
	rm -rf .build
