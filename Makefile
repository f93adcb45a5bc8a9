# Two commands on a fresh machine with Python 3.11+: `make demo` and `make test`.
# Everything else (the virtualenv, the install, the compiled catalogs) follows from them.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
LOCALES := nl en
CATALOGS := $(foreach l,$(LOCALES),bot/locale/$(l)/LC_MESSAGES/bondgenoten.mo)

.PHONY: demo test lint bench catalogs compile clean

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

test: $(STAMP) compile
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
