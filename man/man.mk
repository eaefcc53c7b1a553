# man/man.mk — the manual page and its consistency check.  Included from the
# top-level Makefile.
#   make man         build $(BUILD)/uringdump.8 from man/uringdump.8.rst
#                    (rst2man --strict: any docutils message is an error)
#   make man-check   every option that `uringdump --help` lists is documented
#                    in the man page and offered by the bash completion, and
#                    the completion offers no option --help does not list

RST2MAN    ?= rst2man
MAN_RST    := man/uringdump.8.rst
MAN_PAGE   := $(BUILD)/uringdump.8
COMPLETION := bash-completion/uringdump

.PHONY: man man-check

man: $(MAN_PAGE)

$(MAN_PAGE): $(MAN_RST) | $(BUILD)
	$(RST2MAN) --strict $< $@.tmp && mv $@.tmp $@

# The top-level install rule copies $(MAN_PAGE).
install: man

# Options come from the built binary's --help (the source of truth), not from
# src/cli/: its option lines ("  -j, --json", "      --btf FILE"), not the
# synopsis, which also shows the other commands' options.  The man page is
# searched with rst escapes ("\-\-") removed; the completion is run, without
# the bash-completion package, on "uringdump -".
man-check: $(MAN_PAGE) $(BUILD)/uringdump
	@help=$$($(BUILD)/uringdump --help 2>&1) || { \
	  echo "man-check: '$(BUILD)/uringdump --help' failed" >&2; exit 1; }; \
	long=$$(printf '%s\n' "$$help" | grep -E -- '^ +-' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); \
	short=$$(printf '%s\n' "$$help" | grep -oE -- '^ +-[a-zA-Z],' | tr -d ' ,' | sort -u); \
	if [ -z "$$long" ]; then echo "man-check: no long option in --help" >&2; exit 1; fi; \
	offered=$$(bash --norc --noprofile -c '. "$$1" && COMP_WORDS=(uringdump -) && COMP_CWORD=1 && \
	  _uringdump uringdump - uringdump && printf "%s\n" "$${COMPREPLY[@]}"' _ $(COMPLETION)) || { \
	  echo "man-check: running $(COMPLETION) failed" >&2; exit 1; }; \
	page=$$(sed 's/\\//g' $(MAN_RST)); \
	fail=0; \
	for o in $$long; do \
	  printf '%s\n' "$$page" | grep -qE -- "$$o([^a-z0-9-]|$$)" || { \
	    echo "man-check: $$o is not documented in $(MAN_RST)" >&2; fail=1; }; \
	done; \
	for o in $$long $$short; do \
	  printf '%s\n' "$$offered" | grep -qxF -- "$$o" || { \
	    echo "man-check: $(COMPLETION) does not offer $$o" >&2; fail=1; }; \
	done; \
	for o in $$offered; do \
	  printf '%s\n' $$long $$short | grep -qxF -- "$$o" || { \
	    echo "man-check: $(COMPLETION) offers $$o, which --help does not list" >&2; fail=1; }; \
	done; \
	[ $$fail -eq 0 ] && echo "man-check: $$(echo $$long | wc -w) long options documented and completed"; \
	exit $$fail
