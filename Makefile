# yiwang: the two commands. `make run` sets everything up and serves the demo street;
# `make test` sets everything up and runs lint, format check and the whole suite on SQLite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-browser test-all install system lint format clean

run: install
	$(BIN)/yiwang demo

test: install lint
	$(BIN)/pytest

test-browser: install
	$(BIN)/pytest -m browser

install: system $(STAMP) node_modules/.installed

# Debian packages the project needs at run time: pango for WeasyPrint's PDFs, a serif CJK font
# for printed papers (Noto Serif CJK SC) and WenQuanYi for page screenshots. Installed only when
# missing (apt-get as root, else through sudo).
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk fonts-wqy-microhei
system:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ] && command -v apt-get >/dev/null; then \
	  echo "安装 Debian 软件包 installing Debian packages: $$missing"; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

$(STAMP): pyproject.toml constraints.txt
	@echo "== 1/3 建虚拟环境 creating the virtual environment ($(VENV))"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	@echo "== 2/3 安装 Python 依赖（首次约需几分钟）installing Python packages, a few minutes the first time"
	$(BIN)/pip install --progress-bar off -c constraints.txt -e ".[test]"
	touch $@

# Front-end libraries (htmx, Leaflet, ECharts) from the npm registry, never committed.
node_modules/.installed: package.json package-lock.json
	@echo "== 3/3 安装前端库 installing front-end libraries (npm)"
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) node_modules staticfiles
