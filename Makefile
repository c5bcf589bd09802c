# Each stage of the pipeline, the tests, the benchmarks and the container. Configuration: environment (README).
NPM ?= npm
RUN = $(NPM) start -s --

.PHONY: install migrate import status fix-data sync-courses checker register all-jobs dry-run runs demo sandbox serve test typecheck bench bench-import bench-budget bench-pipeline fixtures docker

install:
	$(NPM) ci

migrate:
	$(RUN) migrate

FILE ?= fixtures/leads.csv
import: ## make import FILE=path (default: the sample)
	$(RUN) import $(FILE)

status:
	$(RUN) status

fix-data:
	$(RUN) run fixData

sync-courses:
	$(RUN) run syncCourses

checker:
	$(RUN) run checker

register:
	$(RUN) run register

all-jobs:
	$(RUN) run allJobs

dry-run:
	$(RUN) run allJobs --dry-run

runs:
	$(RUN) runs

demo:
	$(RUN) demo

sandbox:
	$(RUN) sandbox

serve:
	$(RUN) serve

test:
	$(NPM) test

typecheck:
	$(NPM) run typecheck

bench: bench-import bench-budget bench-pipeline

bench-import:
	$(NPM) run bench:import

bench-budget:
	$(NPM) run bench:budget

bench-pipeline:
	$(NPM) run bench:pipeline

fixtures:
	$(NPM) run fixtures

docker:
	docker build -t kroton-leads .
