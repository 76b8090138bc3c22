# Everything you do with the site is a target here; `make` alone lists them.
# All of it runs through Docker Compose: the only tools needed on the machine
# are Docker (with Compose v2), make and git. Each recipe is one line; what
# takes more lives in infra/scripts/, where shellcheck (make test) reads it.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

# A second copy of the stack (the stack tests use several) only needs its own
# project name, ports and folders; everything below honours these.
export COMPOSE_PROJECT_NAME ?= rightsized
export SECRETS_DIR ?= ./.secrets
# The host folder that holds the backups (mounted at /backups in the backup service).
export BACKUP_DIR ?= ./backups
# The host folder of the owner's media (audio above all), which git never
# holds: Caddy serves it at /media/, migrate checks each episode's audio in
# it, make episode copies a recording into it, make media-push uploads it.
export MEDIA_DIR ?= ./media
# The host folder of OPAWG's lists of podcast apps and bots (make
# user-agents), which the download counter reads and git never holds.
export USER_AGENTS_DIR ?= ./user-agents
# The backup container runs as you, so backups are yours to copy off the server;
# the development web container too, so files it writes into the checkout are yours.
export HOST_UID ?= $(shell id -u)
export HOST_GID ?= $(shell id -g)
# Baked into the web image (shown by /health), so you can see what is running.
# A server has no .git: `make deploy` leaves the commit in .release-commit.
export APP_VERSION ?= $(shell git rev-parse --short HEAD 2>/dev/null \
	|| cut -c1-7 .release-commit 2>/dev/null || echo dev)
# Compose reads .env by itself; ENV_FILE points it at another file instead.
ENV_FILE ?= $(wildcard .env)
ifneq ($(ENV_FILE),)
export COMPOSE_ENV_FILES := $(ENV_FILE)
else
# No .env: a local site, whose mail goes to the development catcher.
export COMPOSE_PROFILES ?= mailcatcher
endif
# Production is compose.yaml alone; `make dev` layers compose.dev.yaml on it.
DEV_FILES := compose.yaml:compose.dev.yaml
SECRETS := $(SECRETS_DIR)/db_password $(SECRETS_DIR)/db_app_password $(SECRETS_DIR)/db_backup_password \
	$(SECRETS_DIR)/app_secret_key $(SECRETS_DIR)/restic_password $(SECRETS_DIR)/offsite \
	$(SECRETS_DIR)/smtp_password
# Where the stack tests reach the Docker daemon (rootless Docker: set this).
export DOCKER_SOCKET ?= /var/run/docker.sock
SCRIPTS := infra/scripts

.PHONY: help ## Show this list of targets
help:
	@awk -F' ## ' '/^## / { print "\n" substr($$0, 4) ":" } /^\.PHONY: [a-z-]+ ## / { sub(/^\.PHONY: /, "", $$1); printf "  %-16s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

## Run the site

.PHONY: up ## Build and start the production site (demo content locally), then print its URL
up: check-docker $(SECRETS) $(BACKUP_DIR) $(MEDIA_DIR) $(USER_AGENTS_DIR)/.
	@$(SCRIPTS)/up.sh

.PHONY: dev ## Start the site for development: code and templates reload on save, page cache off
dev: export COMPOSE_FILE := $(DEV_FILES)
dev: check-docker $(SECRETS) $(BACKUP_DIR) $(MEDIA_DIR) $(USER_AGENTS_DIR)/.
	docker compose up --build --detach --wait --remove-orphans && $(SCRIPTS)/url.sh

.PHONY: blog ## Preview the blog with Hugo's server at http://localhost:1313/blog/, reloading on save
blog: export COMPOSE_FILE := $(DEV_FILES)
blog: check-docker
	docker compose --profile blog up --build blog

.PHONY: down ## Stop the site (data in volumes is kept)
down: check-docker
	docker compose down --remove-orphans

.PHONY: url ## Print the site's address (and, locally, how to trust its certificate)
url: check-docker
	@$(SCRIPTS)/url.sh

.PHONY: ps ## Show the services and their health
ps: check-docker
	docker compose ps --all

.PHONY: logs ## Follow the logs (SERVICE=web for one service)
logs: check-docker
	docker compose logs --follow --tail=100 $(SERVICE)

.PHONY: doctor ## One screen on health, versions, disk, load, backups, certificates, and what needs attention
doctor: check-docker
	@$(SCRIPTS)/doctor.sh

.PHONY: watch ## Mail the owner once when a problem make doctor finds starts, and once when it clears (a timer runs it)
watch: check-docker
	@$(SCRIPTS)/watch.sh

.PHONY: mail ## Show the newest mail the local mail catcher received (N=5)
mail: check-docker
	docker compose exec mailcatcher show-mail $(or $(N),5)

.PHONY: status ## Episodes not public yet (scheduled, drafts) or any more (removed), and mail waiting
status: check-docker
	docker compose run --rm --no-deps -T migrate podcast-site status

.PHONY: preview ## Print the signed link that shows episode N's page before it is public (N=42)
preview: check-docker
	docker compose run --rm --no-deps -T migrate podcast-site preview-link $(N)

.PHONY: downloads ## Downloads per episode (7, 30 days, all time), per app, a daily chart (CSV=1: all, as CSV)
downloads: check-docker $(USER_AGENTS_DIR)/.
	@docker compose run --rm --no-deps -T migrate podcast-site downloads $(if $(CSV),--csv)

.PHONY: traffic ## A GoAccess report of Caddy's access log: page views, referrers, 404s, podcast apps
traffic: check-docker
	@$(SCRIPTS)/traffic.sh

.PHONY: stats ## Show each service's CPU and memory use once
stats: check-docker
	@$(SCRIPTS)/stats.sh

.PHONY: shell ## Open zsh in a development web container, with the app's settings and tools
shell: export COMPOSE_FILE := $(DEV_FILES)
shell: check-docker $(SECRETS)
	docker compose run --rm --build web zsh

.PHONY: psql ## Open psql in the database container (no port is ever published)
psql: check-docker
	docker compose exec db psql --username=podcast --dbname=podcast

.PHONY: build ## Build the images without starting anything
build: check-docker
	docker compose build

## Content and data

.PHONY: import ## Import content/ (or CONTENT=folder) into the database: creates or updates, never deletes
import: check-docker $(SECRETS) $(MEDIA_DIR) $(USER_AGENTS_DIR)/.
	@CONTENT="$(CONTENT)" $(SCRIPTS)/import.sh

.PHONY: episode ## Write the next episode's file from AUDIO=recording.mp3 (.m4a, .opus), measured (TITLE=, PUBLISH=)
episode: check-docker $(MEDIA_DIR)
	@$(SCRIPTS)/episode.sh

.PHONY: user-agents ## Update the OPAWG lists of podcast apps and bots the download counter uses (FROM=a clone)
user-agents:
	@FROM="$(FROM)" $(SCRIPTS)/user-agents.sh

.PHONY: import-feed ## Bring a show in from another host: URL=https://old-host/feed.xml (or a saved file) into content/ and site.toml
import-feed: check-docker
	@URL="$(URL)" CONTENT="$(CONTENT)" SITE="$(SITE)" $(SCRIPTS)/import-feed.sh

.PHONY: demo-media ## Make the demo show's audio, portraits and cover again (output is committed)
demo-media: check-docker
	@$(SCRIPTS)/demo-media.sh

.PHONY: migrate ## Run the database migrations now (make up runs them too)
migrate: check-docker $(SECRETS) $(MEDIA_DIR) $(USER_AGENTS_DIR)/.
	docker compose run --rm migrate

.PHONY: backup ## Take a database backup now and print its file
backup: check-docker
	@$(SCRIPTS)/backup.sh

.PHONY: restore ## Replace the database with FILE=backups/....dump (asks first; FORCE=1 skips)
restore: check-docker $(SECRETS) $(MEDIA_DIR) $(USER_AGENTS_DIR)/.
	@$(SCRIPTS)/restore.sh

.PHONY: restore-offsite ## Fetch the newest off-site backup and restore it (asks first; FORCE=1 skips)
restore-offsite: check-docker $(SECRETS) $(BACKUP_DIR) $(MEDIA_DIR) $(USER_AGENTS_DIR)/.
	@$(SCRIPTS)/restore-offsite.sh

## Ship it

.PHONY: media-push ## Upload new and changed media to HOST=user@server (resumable; never deletes there)
media-push:
	@HOST="$(HOST)" DEPLOY_DIR="$(DEPLOY_DIR)" DEPLOY_SSH_CONFIG="$(DEPLOY_SSH_CONFIG)" DRY_RUN="$(DRY_RUN)" $(SCRIPTS)/media-push.sh

.PHONY: redeploy ## Rebuild, import content/, and replace web (and what else changed) without failing a request
redeploy: check-docker $(SECRETS) $(BACKUP_DIR) $(MEDIA_DIR) $(USER_AGENTS_DIR)/.
	@$(SCRIPTS)/redeploy.sh

.PHONY: rollback ## Go back to the previous version in seconds, without a build or a failed request
rollback: check-docker $(SECRETS) $(MEDIA_DIR) $(USER_AGENTS_DIR)/.
	@$(SCRIPTS)/rollback.sh

.PHONY: deploy ## Ship this commit to HOST=user@server and redeploy it there, content included (DRY_RUN=1 prints)
deploy:
	@HOST="$(HOST)" DEPLOY_DIR="$(DEPLOY_DIR)" DEPLOY_REF="$(DEPLOY_REF)" DEPLOY_SSH_CONFIG="$(DEPLOY_SSH_CONFIG)" DRY_RUN="$(DRY_RUN)" $(SCRIPTS)/deploy.sh

.PHONY: clean ## Stop the site and DELETE its data volumes (asks first; FORCE=1 skips)
clean: check-docker
	@$(SCRIPTS)/clean.sh

## More servers: Docker Swarm (docs/scaling.md)

.PHONY: swarm-push ## Build this commit's images and push them to REGISTRY (set in .env)
swarm-push: check-docker
	@$(SCRIPTS)/swarm-push.sh

.PHONY: swarm-deploy ## Release the pushed version to this manager's swarm: migrate, then web one task at a time
swarm-deploy: check-docker $(SECRETS)
	@$(SCRIPTS)/swarm-deploy.sh

.PHONY: swarm-rm ## Remove the swarm stack (volumes stay; asks first; FORCE=1 skips)
swarm-rm: check-docker
	@$(SCRIPTS)/swarm-rm.sh

## Check it

.PHONY: check ## Lint, type-check and run the app's tests on a throwaway Postgres (about a minute)
check: check-docker
	@$(SCRIPTS)/test.sh check

.PHONY: fmt ## Format the code and apply ruff's safe fixes
fmt: check-docker
	@$(SCRIPTS)/test.sh fmt

.PHONY: test-stack ## Run the infrastructure and whole-stack tests (several minutes; TESTS=path for some)
test-stack: check-docker
	@$(SCRIPTS)/test.sh stack

.PHONY: bench ## Load private copies of the site with wrk; results in docs/performance-results.md (BENCH_SCALES=25,1000,10000)
bench: check-docker
	@$(SCRIPTS)/bench.sh

.PHONY: soak ## Run the site's routine under traffic for 30 minutes (SOAK_MINUTES=30); figures in docs/soak-results.md
soak: check-docker
	@SOAK_MINUTES=$(or $(SOAK_MINUTES),30) TESTS=tests/stack/test_soak.py $(SCRIPTS)/test.sh stack

.PHONY: test ## Run every test: make check, then make test-stack (what CI runs)
test: check-docker
	@$(SCRIPTS)/test.sh all

$(BACKUP_DIR):
	@mkdir -p $(BACKUP_DIR)

# Made here, as you: Docker would make a missing one, owned by root.
$(MEDIA_DIR):
	@mkdir -p $(MEDIA_DIR)

# By its "/.": make reads ./user-agents as the target `user-agents`, and this
# recipe would then replace the one that updates the lists.
$(USER_AGENTS_DIR)/.:
	@mkdir -p $(USER_AGENTS_DIR)

# Given by your mail provider, if your SMTP server needs a password: write it
# in. A blank line means none (Swarm refuses an empty secret file).
$(SECRETS_DIR)/smtp_password:
	@mkdir -p -m 700 $(SECRETS_DIR) && (umask 077 && echo > $@)

# Where an off-site tool's own files go (rclone.conf, keys), if it needs any.
$(SECRETS_DIR)/offsite:
	@mkdir -p -m 700 $@

# Secrets are made once, never printed, readable by their owner only.
$(SECRETS_DIR)/%:
	@$(SCRIPTS)/make-secret.sh $@

.PHONY: check-docker
check-docker:
	@$(SCRIPTS)/check-docker.sh
