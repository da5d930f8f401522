# Front Counter: the two commands.
#   make run   - create .venv if needed, install the app into it, open the window
#   make test  - the same install with the test tools, then ruff, mypy and pytest (on SQLite,
#                then on PostgreSQL when it is installed)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TESTSTAMP := $(VENV)/.installed-test
ARGS ?=
# the suite runs on every core (each worker has its own files, databases and Qt)
PYTEST_ARGS ?= -n auto

.PHONY: run test lint typecheck pytest pytest-both bench bench-clean clean locale locale-update \
	installers

# the translations: each language's catalog (.po, kept in git) compiled to the .mo the app reads
LOCALE := resources/locale
CATALOGS := $(wildcard $(LOCALE)/*/LC_MESSAGES/frontcounter.po)
COMPILED := $(CATALOGS:.po=.mo)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# the app with its PostgreSQL driver (README: every workstation of a town on a server needs it);
# the stamps follow this file too, so a change of what is installed reaches an existing .venv
$(STAMP): pyproject.toml Makefile | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[postgresql]'
	touch $@

# the test install holds everything the app's does, so it stands for both
$(TESTSTAMP): pyproject.toml Makefile | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[postgresql,test]'
	touch $(STAMP) $@

# the window (no ARGS) first makes sure Qt's X11 libraries are there (installers/linux/qt_libraries.py)
run: $(STAMP) locale
	$(if $(ARGS),,@if [ -z "$$QT_QPA_PLATFORM" ]; then $(BIN)/python installers/linux/qt_libraries.py; fi)
	$(BIN)/frontcounter $(ARGS)

locale: $(COMPILED)

$(LOCALE)/%/LC_MESSAGES/frontcounter.mo: $(LOCALE)/%/LC_MESSAGES/frontcounter.po | $(STAMP)
	$(BIN)/pybabel compile --statistics -D frontcounter -d $(LOCALE) -l $*

# after changing user-facing strings: the template again, and each catalog brought up to date
# (new messages left empty for a translator; docs/translations.md)
locale-update: $(STAMP)
	$(BIN)/pybabel extract -F $(LOCALE)/babel.cfg -k _ -k N_ -k ngettext:1,2 \
		--add-location=file --sort-by-file --no-wrap --project="Front Counter" \
		--copyright-holder="The Front Counter developers" -o $(LOCALE)/frontcounter.pot desktop
	@# an extraction that found (almost) nothing would empty every catalog: stop instead
	@test $$(grep -c '^msgid' $(LOCALE)/frontcounter.pot) -gt 1000 || \
		{ echo "locale-update: the template has almost no messages; nothing updated"; exit 1; }
	$(BIN)/pybabel update --no-wrap --ignore-obsolete --no-fuzzy-matching -D frontcounter -d $(LOCALE) \
		-i $(LOCALE)/frontcounter.pot

lint: $(TESTSTAMP)
	$(BIN)/ruff check desktop tests benchmarks installers
	$(BIN)/ruff format --check desktop tests benchmarks installers

typecheck: $(TESTSTAMP)
	$(BIN)/mypy

# the suite on SQLite, then its database tests again on a throwaway PostgreSQL server (when
# PostgreSQL is installed; .ci/run installs it)
pytest: $(TESTSTAMP) locale
	.ci/with-postgres $(MAKE) --no-print-directory pytest-both

pytest-both:
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	@echo "--- the installers, built and run alone: the Debian package, then the Windows setup under Wine (about thirteen minutes)"
	$(BIN)/python -m pytest -o faulthandler_timeout=0 -m installer tests/test_installers.py tests/test_windows.py
	@if [ -n "$$FRONTCOUNTER_TEST_PG" ]; then \
		echo "--- the core suite again, on PostgreSQL"; \
		FRONTCOUNTER_TEST_DB=postgresql $(BIN)/python -m pytest -m "not sqlite_only" $(PYTEST_ARGS); \
	fi

test: lint typecheck pytest

# the installers, into dist/ (README: Installing): the Debian package, the Windows setup and the
# Windows portable zip, built from this checkout in an environment of its own under
# build/installers (PyInstaller and dpkg-deb; the embeddable Python, the locked Windows wheels
# and NSIS); installers/README.md
installers: locale
	$(BIN)/python installers/build.py all

# the towns it measures are made once and kept in bench-data/ for later runs (README: Benchmarks)
bench: $(STAMP)
	.ci/with-postgres $(BIN)/python -m benchmarks.run_all

bench-clean:
	rm -rf bench-data

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
