# SKPI_BOOTSTRAP_MAKEFILE
# The two-command entry point for a fresh clone.  It installs what the build
# needs (build-aux/deps.sh), generates the autotools files, configures in
# build/ and hands every target to the Makefile there.  Packagers can ignore
# it: autoreconf -fi; mkdir b && cd b && ../configure && make && make install.
#
#   make demo    build, then report on the bundled sample data
#   make test    build, then run every test (what CI runs)
#   make X       any other target of the autotools build (install, doc,
#                distcheck, bench, abi-check, ...), run in build/

BUILD ?= build
CONFIGURE_FLAGS ?=
SAMPLE = data/sample

.PHONY: all demo test deps clean-build
all: $(BUILD)/Makefile
	$(MAKE) -C $(BUILD)

demo: all
	$(BUILD)/tools/supportkpi report --contacts $(SAMPLE)/contacts.csv \
	  --costs $(SAMPLE)/costs.csv --rates $(SAMPLE)/rates.csv --by channel

test: $(BUILD)/Makefile
	$(MAKE) -C $(BUILD) check

deps:
	sh build-aux/deps.sh

$(BUILD)/Makefile:
	sh build-aux/deps.sh
	autoreconf -fi
	mkdir -p $(BUILD)
	cd $(BUILD) && ../configure $(CONFIGURE_FLAGS)

clean-build:
	rm -rf $(BUILD)

# This file is not generated: never try to remake it through the rule below.
Makefile: ;

# Everything else goes to the autotools build.
%: $(BUILD)/Makefile
	$(MAKE) -C $(BUILD) $@
