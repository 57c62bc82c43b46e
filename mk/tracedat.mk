# trace-cmd's trace.dat files (libxtrace/tracedat.c, docs/tracedat.md): the test helper that
# rewrites a trace.dat v7 with zlib compression (tests/integration/t-tracedat.sh).
TDAT_ZLIB := $(B)/tests/helpers/tdat-zlib

$(TDAT_ZLIB): tests/helpers/tdat-zlib.c
	@mkdir -p $(dir $@)
	$(QUIET_LINK)$(CC) -std=gnu11 -D_GNU_SOURCE -Wall -Wextra $(WERROR) $(CFLAGS) -o $@ $< \
		-lz -lzstd

EXTRA_CHECK += $(TDAT_ZLIB)
