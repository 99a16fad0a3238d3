# Weft build. `make` builds the libraries and the weft command, `make test` runs every test,
# `make bench` runs the benchmarks. SAN=1 builds with AddressSanitizer+UBSan into build-san/;
# WERROR=1 turns warnings into errors (CI sets it).

CC ?= cc
ifeq ($(CC),cc)
CC := gcc
endif
SAN ?= 0
WERROR ?= 0
OPT ?= -O2

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla \
        -Wimplicit-fallthrough -Wpointer-arith -Wformat=2 -Wundef
CFLAGS_BASE := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(OPT) -g $(WARN) \
               -Iinclude -Isrc -fPIC -fno-strict-aliasing
ifeq ($(WERROR),1)
CFLAGS_BASE += -Werror
endif
ifeq ($(SAN),1)
BUILD ?= build-san
CFLAGS_BASE += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS_BASE := -fsanitize=address,undefined
else
BUILD ?= build
LDFLAGS_BASE :=
endif
CFLAGS_ALL := $(CFLAGS_BASE) $(CFLAGS)
LDFLAGS_ALL := $(LDFLAGS_BASE) $(LDFLAGS) -lm

LIB_SRC := $(sort $(wildcard src/util/*.c src/core/*.c src/component/*.c src/wasi/*.c src/wasi/p2/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_SRC := $(sort $(wildcard src/cli/*.c))
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
CONF_SRC := $(sort $(wildcard tests/conformance/*.c))
CONF_OBJ := $(CONF_SRC:%.c=$(BUILD)/obj/%.o)
CWAST_SRC := $(sort $(wildcard tests/component/*.c))
CWAST_OBJ := $(CWAST_SRC:%.c=$(BUILD)/obj/%.o)
# The test programs weft-wast and weft-cwast are thin mains over the runners of `weft wast`.
CLI_LIB_OBJ := $(filter-out $(BUILD)/obj/src/cli/main.o,$(CLI_OBJ))

.PHONY: all test unit conformance bench demo clean fuzz
all: $(BUILD)/libweft.a $(BUILD)/libweft.so $(BUILD)/weft $(BUILD)/weft-wast $(BUILD)/weft-cwast

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/libweft.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libweft.so: $(LIB_OBJ)
	$(CC) -shared -o $@ $^ $(LDFLAGS_ALL)

$(BUILD)/weft: $(CLI_OBJ) $(BUILD)/libweft.a
	$(CC) -o $@ $(CLI_OBJ) $(BUILD)/libweft.a $(LDFLAGS_ALL)

$(BUILD)/weft-wast: $(CONF_OBJ) $(CLI_LIB_OBJ) $(BUILD)/libweft.a
	$(CC) -o $@ $(CONF_OBJ) $(CLI_LIB_OBJ) $(BUILD)/libweft.a $(LDFLAGS_ALL)

$(BUILD)/weft-cwast: $(CWAST_OBJ) $(CLI_LIB_OBJ) $(BUILD)/libweft.a
	$(CC) -o $@ $(CWAST_OBJ) $(CLI_LIB_OBJ) $(BUILD)/libweft.a $(LDFLAGS_ALL)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libweft.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libweft.a $(LDFLAGS_ALL)

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

# Unit tests, then the command-line tests, then the conformance suites when ../shared exists.
test: all unit
	@bash tests/run-cli-tests $(BUILD)
	@bash tests/wasi2/run $(BUILD)
	@bash examples/run $(BUILD)
	@bash tests/conformance/run-suites $(BUILD)

# The component-call and async tables first, so the last line is the core suite's geomean.
bench: all
	@bash bench/component/run $(BUILD)
	@bash bench/async/run $(BUILD)
	@bash bench/run $(BUILD)

demo: all
	@bash scripts/demo $(BUILD)

fuzz:
	@bash fuzz/build

clean:
	rm -rf build build-san build-fuzz

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(CONF_OBJ:.o=.d) $(CWAST_SRC:%.c=$(BUILD)/obj/%.d)
