# Two commands from a fresh machine: `make demo` and `make test`.
#
# The environment is locked. requirements.lock pins every package the project and its
# test extra pull in, direct and transitive, at the exact version the suite last passed
# with, for CPython 3.11 on Linux x86-64 (what CI runs). pyproject.toml keeps the lower
# bounds the code needs; the lock says which versions were actually tested.
#
# Tool: pip-tools' pip-compile writes the lock, and plain pip installs from it as a
# constraints file (`pip install -c requirements.lock -e '.[test]'`). Why this and not uv or
# Poetry: installing needs nothing but the pip every venv already has, so `make test` on a
# fresh machine bootstraps no extra tool; pip-compile resolves with pip itself, so it honours
# the pip configuration of the machine it runs on (its indexes, find-links, certificate and
# global constraints), which uv does not read. pip-tools runs only in `make lock`, in a venv
# of its own (.venv-lock) so that it never changes the environment under test. The lock is
# a constraints file, not a requirements file: the project's own dependency list still
# decides what is installed; the lock only fixes the versions. It carries no hashes: a
# machine may serve the same release as a locally built wheel, which a hash would reject.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock
LOCK_VENV := .venv-lock
# the installer and the lock tool are pinned too, so a new pip cannot change the resolution
PIP := pip==26.3
PIP_TOOLS := pip-tools==7.7.0
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet \
	--extra test --strip-extras --no-emit-index-url --no-emit-find-links \
	--output-file $(LOCK) pyproject.toml

.PHONY: demo test test-quick lint bench lock lock-upgrade mesa-venv clean

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet '$(PIP)'
	$(BIN)/pip install --quiet -c $(LOCK) -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/thermidor run soviet-1917-1928 --store results.duckdb  # the default seed, 1

# everything: ruff, mypy and the whole pytest suite, slow ensemble tests included, then the
# tutorial notebook executed on a kernel of this venv (nbmake; last, so that the model's
# compiled kernels are cached by then and it runs in well under a minute)
NOTEBOOKS := --nbmake tests docs/tutorial.ipynb
test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest $(NOTEBOOKS)

# the same without the tests marked slow (the ensembles of stylized facts and a few others)
test-quick: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest -m "not slow" $(NOTEBOOKS)

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py

# Mesa's current release for benchmarks/epstein_vs_mesa.py, in a venv of its own (.venv-mesa):
# Mesa 3.5.1 needs Python >= 3.12 while the project's venv runs 3.11 (and keeps Mesa 3.3.1 for
# tests/classic/test_epstein.py). Not part of `make test` or CI. MESA_PYTHON picks the Python;
# by default the first Python >= 3.12 among python3, python3.14, python3.13, python3.12 on PATH
# and pyenv's versions (~/.pyenv/versions/3.1x/bin/python3).
MESA_VENV := .venv-mesa
MESA_LOCK := benchmarks/mesa-requirements.lock
MESA_PYTHON ?= $(shell for p in python3 python3.14 python3.13 python3.12 \
	$$HOME/.pyenv/versions/3.1[2-9]*/bin/python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	&& { command -v $$p; break; }; done)

$(MESA_VENV)/.installed: $(MESA_LOCK)
	@test -n "$(MESA_PYTHON)" || { echo "error: no Python >= 3.12 found for Mesa 3.5.1; set MESA_PYTHON=/path/to/python3.12" >&2; exit 2; }
	$(MESA_PYTHON) -m venv $(MESA_VENV)
	$(MESA_VENV)/bin/pip install --quiet '$(PIP)'
	$(MESA_VENV)/bin/pip install --quiet --no-deps -r $(MESA_LOCK)
	$(MESA_VENV)/bin/pip check
	touch $@

mesa-venv: $(MESA_VENV)/.installed

$(LOCK_VENV)/bin/pip-compile:
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet '$(PIP)' '$(PIP_TOOLS)'

# re-resolve after editing pyproject.toml's dependencies: pins that still fit are kept
lock: $(LOCK_VENV)/bin/pip-compile
	$(PIP_COMPILE)

# move every pin to the newest version pyproject.toml allows (then run `make test`)
lock-upgrade: $(LOCK_VENV)/bin/pip-compile
	$(PIP_COMPILE) --upgrade

clean:
	rm -rf $(VENV) $(LOCK_VENV) $(MESA_VENV) results.duckdb .pytest_cache
	find src -name "*.nbi" -delete -o -name "*.nbc" -delete  # numba caches (they miss edits to kernels in other modules)
