# xtrace-view --format html: the timeline page (markup, style, script) is
# xtrace-view/timeline.html, built into the program as a C string literal.
# Tests: protoc --decode_raw reads back --format perfetto-proto (t-view-proto.sh).
$(B)/xtrace-view/timeline-page.h: xtrace-view/timeline.html mk/view-html.mk
	@mkdir -p $(dir $@)
	$(QUIET_GEN)sed -e 's/\\/\\\\/g; s/"/\\"/g; s/^/"/; s/$$/\\n"/' $< > $@.tmp && mv $@.tmp $@
$(B)/xtrace-view/html.o: $(B)/xtrace-view/timeline-page.h

EXTRA_DEPS_TEST += protobuf-compiler
