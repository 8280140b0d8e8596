# Atrium — build, test and run. Every target does its own set-up on a fresh machine.
ATRIUM_HOME ?= $(CURDIR)/.atrium
export ATRIUM_HOME
# Kernels are compiled for the CPU of the machine that builds them (see Package.swift).
ATRIUM_TARGET_CPU ?= native
export ATRIUM_TARGET_CPU

SWIFT ?= swift
RELEASE = -c release -Xswiftc -enable-testing
APT_PACKAGES = libsqlite3-dev poppler-utils zlib1g-dev pkg-config python3-doc

.PHONY: all setup apt models python build test serve bench eval clean

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

# The official OpenAI Python client, for the test that drives `atrium serve` with it.
python:
	@python3 -c "import openai" 2>/dev/null || python3 -m pip install --quiet openai

setup: apt models python

build:
	$(SWIFT) build $(RELEASE)

test: setup
	$(SWIFT) build --build-tests $(RELEASE)
	SWIFT="$(SWIFT)" ./scripts/run-tests $(RELEASE) --skip-build

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

clean:
	rm -rf .build
