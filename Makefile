# The few commands a newcomer needs; each is a thin wrapper over dev.py (which needs only Python).
.PHONY: demo test lint bench

demo:
	python3 dev.py demo

test:
	python3 dev.py test

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy config lianjian && .venv/bin/lint-imports

bench:
	.venv/bin/python bench/org_import.py && .venv/bin/python bench/audit_chain.py && .venv/bin/python bench/scope_lists.py
