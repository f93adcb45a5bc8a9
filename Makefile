# Two commands on a fresh machine with Python 3.11+: `make demo` and `make test`.
# Everything else (the virtualenv, the install, the compiled catalogs, the browser for the
# training ground's tests) follows from them. `make try` opens the training ground.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
LOCALES := nl en
CATALOGS := $(foreach l,$(LOCALES),bot/locale/$(l)/LC_MESSAGES/bondgenoten.mo)

CHROMIUM := /usr/bin/chromium

.PHONY: demo try test lint bench catalogs compile clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

bot/locale/%/LC_MESSAGES/bondgenoten.mo: bot/locale/%/LC_MESSAGES/bondgenoten.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -l $* -i $< -o $@ >/dev/null

compile: $(CATALOGS)

demo: $(STAMP) compile
	$(BIN)/bondgenoten demo

# The training ground at http://127.0.0.1:8765/ (`make try PORT=9000` for another port).
try: $(STAMP) compile
	$(BIN)/bondgenoten try $(if $(PORT),--port $(PORT))

# The training ground's browser tests drive Debian's chromium (Playwright never downloads one).
$(CHROMIUM):
	@echo "Installing chromium for the browser tests (apt-get)..."
	@if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; else \
		echo "$(CHROMIUM) is missing: install Debian's chromium package as root" >&2; exit 1; fi; \
	$$SUDO apt-get update -qq >/dev/null && \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends \
		chromium >/dev/null

test: $(STAMP) compile $(CHROMIUM)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP) compile
	$(BIN)/python -m bench

# After changing texts in the code: refresh the template and both catalogs, then translate.
catalogs: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k ngettext:1,2 --no-location --sort-output \
		--project bondgenoten --omit-header -o bot/locale/bondgenoten.pot .
	for l in $(LOCALES); do \
		$(BIN)/pybabel update --ignore-obsolete --no-fuzzy-matching --omit-header -l $$l -D bondgenoten \
			-i bot/locale/bondgenoten.pot -d bot/locale; \
	done

clean:
	rm -rf $(VENV) $(CATALOGS) .pytest_cache .mypy_cache .ruff_cache
