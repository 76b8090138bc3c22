# Everything you do with the site is a target here; `make` alone lists them.
# All of it runs through Docker Compose: the only tools needed on the machine
# are Docker (with Compose v2), make and git.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

# A second copy of the stack (the stack tests use one) only needs its own
# project name, ports and folders; everything below honours these.
export COMPOSE_PROJECT_NAME ?= rightsized
export SECRETS_DIR ?= ./.secrets
export BACKUP_DIR ?= ./backups
# The backup container runs as you, so backups are yours to copy off the server.
export BACKUP_UID ?= $(shell id -u)
export BACKUP_GID ?= $(shell id -g)
# Baked into the web image (shown by /health), so you can see what is running.
# A server has no .git: `make deploy` leaves the commit in .deployed-commit.
export APP_VERSION ?= $(shell git rev-parse --short HEAD 2>/dev/null \
	|| cut -c1-7 .deployed-commit 2>/dev/null || echo dev)
# Compose reads .env by itself; ENV_FILE points it at another file instead.
ENV_FILE ?= $(wildcard .env)
COMPOSE := docker compose $(if $(ENV_FILE),--env-file $(ENV_FILE))
SECRETS := $(SECRETS_DIR)/db_password $(SECRETS_DIR)/app_secret_key
# Where the stack tests reach the Docker daemon (rootless Docker: set this).
DOCKER_SOCKET ?= /var/run/docker.sock
TEST_COMPOSE := REPO_DIR="$(CURDIR)" DOCKER_SOCKET="$(DOCKER_SOCKET)" \
	docker compose --file tests/compose.yaml --project-name $(COMPOSE_PROJECT_NAME)-tests

.PHONY: help ## Show this list of targets
help:
	@echo "Usage: make <target>   (see README.md)"
	@grep -E '^\.PHONY: [a-z-]+ ## ' $(MAKEFILE_LIST) \
		| sed -E 's/^\.PHONY: ([a-z-]+) ## /\1\t/' | awk -F'\t' '{ printf "  %-10s %s\n", $$1, $$2 }'

.PHONY: up ## Build and start the whole site, then print its URL
up: check-docker $(SECRETS) $(BACKUP_DIR)
	$(COMPOSE) up --build --detach --wait
	@$(MAKE) url

# Zero-downtime replacement, the simplest design that works on one host:
# build first (the site keeps running), then migrate while the old web still
# serves (so a failing migration stops here, with nothing swapped; the running
# code must tolerate the new schema: expand/contract), then replace web. While
# it restarts, Caddy holds each request and retries it for up to 30 s
# (lb_try_duration in the Caddyfile): visitors see a slower response, never an
# error. Caddy and backup are replaced only when their image changed (a blog
# post, the Caddyfile); restarting Caddy drops connections for about a second.
# The image check is explicit because Compose versions differ in what else
# `up` recreates. Settings changed in .env need `make up`.
.PHONY: redeploy ## Rebuild and replace web (and what else changed) without failing a request
redeploy: check-docker $(SECRETS) $(BACKUP_DIR)
	@if [ -z "$$($(COMPOSE) ps --quiet --status running web)" ]; then \
		echo "The site is not running yet: make up."; \
		exec $(MAKE) up; \
	fi; \
	set -x; \
	$(COMPOSE) build; \
	$(COMPOSE) run --rm migrate; \
	$(COMPOSE) up --detach --no-deps --wait web; \
	for service in caddy backup; do \
		running=$$(docker inspect --format '{{.Image}}' "$$($(COMPOSE) ps --quiet $$service)"); \
		built=$$(docker image inspect --format '{{.Id}}' "$(COMPOSE_PROJECT_NAME)-$$service"); \
		[ "$$running" = "$$built" ] || $(COMPOSE) up --detach --no-deps $$service; \
	done; \
	set +x; \
	echo "Now serving version $(APP_VERSION)."; \
	$(MAKE) url

.PHONY: deploy ## Ship this commit to HOST=user@server and redeploy it there (DRY_RUN=1 prints)
deploy:
	@HOST="$(HOST)" DEPLOY_DIR="$(DEPLOY_DIR)" DEPLOY_REF="$(DEPLOY_REF)" DRY_RUN="$(DRY_RUN)" \
		infra/scripts/deploy.sh

.PHONY: backup ## Take a database backup now and print its file
backup: check-docker
	@status=0; file=$$($(COMPOSE) exec -T backup backup-now.sh manual) || status=$$?; \
		if [ -n "$$file" ]; then echo "Backup written: $(BACKUP_DIR)/$${file#/backups/}"; fi; \
		exit $$status

.PHONY: restore ## Replace the database with FILE=backups/....dump (asks first; FORCE=1 skips)
restore: check-docker $(SECRETS)
	@[ -n "$(FILE)" ] || { echo "Usage: make restore FILE=backups/podcast-....dump" >&2; exit 2; }
	@[ -f "$(FILE)" ] || { echo "$(FILE): no such file; nothing was changed." >&2; exit 2; }
	$(COMPOSE) run --rm --no-deps --volume "$(abspath $(FILE)):/restore.dump:ro" \
		backup restore.sh --check /restore.dump
	@if [ "$(FORCE)" != 1 ]; then \
		read -r -p "Replace the database of '$(COMPOSE_PROJECT_NAME)' with $(FILE)? [y/N] " answer; \
		[ "$$answer" = y ] || { echo "Nothing changed."; exit 1; }; \
	fi
	$(COMPOSE) stop web backup
	$(COMPOSE) up --detach --wait db
	$(COMPOSE) run --rm --no-deps --volume "$(abspath $(FILE)):/restore.dump:ro" \
		backup restore.sh /restore.dump
	$(COMPOSE) run --rm migrate
	$(COMPOSE) up --detach --no-deps --wait web
	$(COMPOSE) up --detach --no-deps backup
	@echo "Restored $(FILE); web is up and ready."

.PHONY: stats ## Show each service's CPU and memory use once
stats: check-docker
	@ids=$$($(COMPOSE) ps --quiet); [ -n "$$ids" ] || { echo "Nothing is running."; exit 0; }; \
		docker stats --no-stream --format 'table {{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}' $$ids

.PHONY: down ## Stop the site (data in volumes is kept)
down: check-docker
	$(COMPOSE) down --remove-orphans

.PHONY: build ## Build the images without starting anything
build: check-docker
	$(COMPOSE) build

.PHONY: logs ## Follow the logs (SERVICE=web for one service)
logs: check-docker
	$(COMPOSE) logs --follow --tail=100 $(SERVICE)

.PHONY: ps ## Show the services and their health
ps: check-docker
	$(COMPOSE) ps --all

.PHONY: migrate ## Run the database migrations now (make up runs them too)
migrate: check-docker $(SECRETS)
	$(COMPOSE) run --rm migrate

.PHONY: import ## Import apps/web/content into the site's database (creates or updates, never deletes)
import: check-docker $(SECRETS)
	$(COMPOSE) run --rm --volume "$(CURDIR)/apps/web/content:/app/content:ro" \
		migrate podcast-site import-content /app/content

.PHONY: psql ## Open psql in the database container (no port is ever published)
psql: check-docker
	$(COMPOSE) exec db psql --username=podcast --dbname=podcast

.PHONY: url ## Print the site's address (and, locally, how to trust its certificate)
url: check-docker
	@site=$$($(COMPOSE) exec -T caddy printenv SITE_ADDRESS); \
	port=$$($(COMPOSE) port caddy 443 | sed 's/.*://'); \
	url="https://$$site$$([ "$$port" = 443 ] || echo ":$$port")/"; \
	if [ "$$site" = localhost ]; then \
		$(COMPOSE) cp caddy:/data/caddy/pki/authorities/local/root.crt $(SECRETS_DIR)/caddy-local-ca.crt 2>/dev/null; \
		echo "The site is up: $$url"; \
		echo "It uses Caddy's local certificate authority; trust it in your browser, or:"; \
		echo "  curl --cacert $(SECRETS_DIR)/caddy-local-ca.crt $$url"; \
	else \
		echo "The site is up: $$url"; \
	fi

.PHONY: clean ## Stop the site and DELETE its data volumes (asks first; FORCE=1 skips)
clean: check-docker
	@if [ "$(FORCE)" != 1 ]; then \
		read -r -p "Delete the database and certificates of '$(COMPOSE_PROJECT_NAME)'? [y/N] " answer; \
		[ "$$answer" = y ] || { echo "Nothing deleted."; exit 1; }; \
	fi
	$(COMPOSE) down --volumes --remove-orphans

.PHONY: test ## Run every test: lint, app tests on Postgres, then the whole stack
test: check-docker
	$(TEST_COMPOSE) build
	@trap '$(TEST_COMPOSE) down --volumes --remove-orphans' EXIT; \
		$(TEST_COMPOSE) run --rm app-tests && $(TEST_COMPOSE) run --rm stack-tests

$(BACKUP_DIR):
	@mkdir -p $(BACKUP_DIR)

# Secrets are made once, never printed, readable by their owner only.
$(SECRETS_DIR)/%:
	@mkdir -p $(SECRETS_DIR) && chmod 700 $(SECRETS_DIR)
	@umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > $@
	@echo "Created the secret $@ (mode 0600)."

.PHONY: check-docker
check-docker:
	@command -v docker >/dev/null || { echo "Docker is not installed: https://docs.docker.com/engine/install/" >&2; exit 1; }
	@docker compose version >/dev/null 2>&1 || { echo "Docker Compose v2 is missing ('docker compose'): https://docs.docker.com/compose/install/" >&2; exit 1; }
	@docker info >/dev/null 2>&1 || { echo "Cannot reach the Docker daemon: is it running, and may this user use it?" >&2; exit 1; }
