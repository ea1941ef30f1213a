# kafka-lab: `make spec` runs the lab's spec, `make test` runs every test.
# Both set up what they need first (Docker engine, Kafka image), so they work on a fresh machine.
# `make unit` runs only the unit tests: no Docker engine, image or Kafka needed, about 10 s.

KAFKA_VERSION ?= 3.9.1
export KAFKA_VERSION
# The image the harness runs; point it at apache/kafka:3.9.1 (or any image with that contract)
# to skip the local build.
# KAFKA_LAB_JAVA=25 names the image built on Java 25 instead (make bench-java compares them).
KAFKA_LAB_IMAGE ?= kafka-lab/kafka:$(KAFKA_VERSION)$(if $(filter 25,$(KAFKA_LAB_JAVA)),-jdk25)
export KAFKA_LAB_IMAGE

GO ?= go
# One package at a time: each starts its own Kafka, and the machine has 2 cores.
GOTEST = $(GO) test -p 1 -count=1 -timeout 60m

.PHONY: kafka-lab all setup docker image image-docker dist spec spec-local matrix test unit vet bench bench-java soak sweep clean cluster down grade grade-class handout gradescope gradescope-tiers

all: spec

# The one binary, with the features built in: ./kafka-lab check [FOLDER] works from any folder.
kafka-lab:
	$(GO) build -o kafka-lab ./cmd/kafka-lab

setup docker:
	bash harness/setup.sh

# Builds the image unless KAFKA_LAB_IMAGE names another one (which the harness pulls if needed).
# Another image (apache/kafka:3.9.1, say) has no Python for the student's programs: then it
# builds the program image they run from instead (harness/image/programs.sh; a few seconds, and
# well under one when cached), unless KAFKA_LAB_PROGRAM_IMAGE names one.
image: setup
	@case "$(KAFKA_LAB_IMAGE)" in \
	  kafka-lab/*) IMAGE=$(KAFKA_LAB_IMAGE) harness/image/build.sh ;; \
	  *) echo "image: using $(KAFKA_LAB_IMAGE)"; [ -n "$$KAFKA_LAB_PROGRAM_IMAGE" ] || harness/image/programs.sh ;; \
	esac

# The same image on any Docker engine (macOS, Windows, Ubuntu; no setup, no Debian): docker build
# of harness/image/Dockerfile from BASE, any Debian bookworm image (see docs/image.md).
BASE ?= debian:bookworm-slim
image-docker:
	docker build --build-arg BASE='$(BASE)' --build-arg KAFKA_VERSION='$(KAFKA_VERSION)' -t '$(KAFKA_LAB_IMAGE)' harness/image

# The Kafka distribution the image holds, as a folder: graders without Docker run Kafka from it
# as local processes (KAFKA_LAB_DIST; see harness/container/local.go and gradescope/), with the
# entry point's format template (setup-check.sh), as the image has it.
DIST ?= $(HOME)/.cache/kafka-lab/dist-$(KAFKA_VERSION)
dist:
	harness/image/dist.sh '$(DIST)'
	harness/image/setup-check.sh '$(DIST)' '$(DIST)/etc'

# The main job: the lab's executable spec (features/) against real Kafka, grading the bundled
# reference submission or SUBMISSION=<folder>; TAGS=@section-3 runs one section. By default it
# runs what depends on the submission; TAGS=@kafka-only runs the scenarios that check Kafka
# itself (section 7's acks table and durability run), and `go test` runs both.
SPEC_TAGS = $(or $(TAGS),~@kafka-only)
spec: image
	$(GOTEST) -v -run '^TestFeatures$$' . -godog.tags='$(SPEC_TAGS)' $(if $(SUBMISSION),-submission='$(abspath $(SUBMISSION))')

# The whole spec (every scenario, the @kafka-only ones too) on each Kafka of the matrix, each
# with its own image (built when missing or out of date): `make matrix`, or VERSIONS="4.4.0".
# Each version's log goes to $(MATRIX_LOGS)/<version>.log; the end is one line per version
# with its result and time. docs/image.md lists the versions and what differs between them.
VERSIONS ?= 3.9.1 4.1.1 4.4.0
MATRIX_LOGS ?= $(HOME)/.cache/kafka-lab/matrix
matrix: setup
	@mkdir -p '$(MATRIX_LOGS)'; summary=; failed=0; \
	for v in $(VERSIONS); do \
	  log='$(MATRIX_LOGS)'/$$v.log; start=$$(date +%s); \
	  echo "matrix: Kafka $$v (log: $$log)"; \
	  if KAFKA_VERSION=$$v IMAGE=kafka-lab/kafka:$$v harness/image/build.sh >$$log 2>&1 && \
	     KAFKA_VERSION=$$v KAFKA_LAB_IMAGE=kafka-lab/kafka:$$v $(GOTEST) -v -run '^TestFeatures$$' . >>$$log 2>&1; then \
	    result=passed; else result=FAILED; failed=1; fi; \
	  line=$$(printf '%-8s %-7s %5d s  %s' $$v $$result $$(( $$(date +%s) - start )) "$$(date -u +%F)"); \
	  echo "matrix: $$line"; summary="$$summary$$line\n"; \
	done; \
	printf '\nKafka    result   time   date\n%b' "$$summary"; exit $$failed

# Grading with reports (Gradescope results.json, GitHub Classroom, cucumber JSON, JUnit XML):
# one submission, `make grade SUBMISSION=dir [OUT=grades]`, or a class, one folder per student,
# `make grade-class CLASS=dir [OUT=grades] [WORKERS=2]`; a class run again resumes.
OUT ?= grades
# The spec without Docker: Kafka, the lab's commands and the programs as local processes.
spec-local: dist
	KAFKA_LAB_DIST='$(DIST)' $(GOTEST) -v -run '^TestFeatures$$' . -godog.tags='$(SPEC_TAGS)' $(if $(SUBMISSION),-submission='$(abspath $(SUBMISSION))')

grade: image
	$(GO) run ./cmd/grade -out '$(OUT)' $(if $(TAGS),-tags '$(TAGS)') '$(or $(SUBMISSION),testdata/submissions/reference)'

grade-class: image
	$(GO) run ./cmd/grade batch -out '$(OUT)' $(if $(WORKERS),-workers $(WORKERS)) $(if $(TAGS),-tags '$(TAGS)') '$(CLASS)'

# The Gradescope autograder bundle (setup.sh + run_autograder): gradescope-autograder.zip.
gradescope:
	bash gradescope/bundle.sh

# The bundle in containers limited like Gradescope's tiers (0.5 CPU / 768 MB, 1 / 1.5 GB,
# 2 / 3 GB): time and score of each, on the reference or SUBMISSION=<folder>.
gradescope-tiers: image
	bash gradescope/tiers.sh $(if $(SUBMISSION),'$(abspath $(SUBMISSION))')

# The features as one Markdown document to print and hand out.
handout:
	$(GO) run ./cmd/handout > handout.md
	@echo "handout.md written"

vet:
	$(GO) vet ./...

# The tests come in two layers. Unit tests need nothing but Go; integration tests run Kafka (in
# Docker, or as local processes from the distribution), the spec, or cmd/grade. One gate decides
# (internal/integration): an integration test skips under -short; one whose engine or tool is
# missing skips saying what and how to get it, or under CI=true fails, if CI provides it.
#
# The unit layer alone, the fast check while editing: no setup, no Docker engine.
unit:
	$(GO) test -short ./...

# Every test, both layers: the unit tests, the harness's own tests (real Docker) and the spec;
# the Gradescope bundle (local processes, no Docker); then the harness's tests that differ with
# local processes.
test: image dist vet
	$(GOTEST) ./...
	KAFKA_LAB_DIST='$(DIST)' $(GOTEST) ./harness/cluster ./harness/runner ./harness/sandbox

# Speed and memory against the budgets, as ratios measured in one run; the figures are written
# into docs/bench.md (between its markers), never by hand.
bench: image dist
	$(GO) run ./cmd/bench -dist '$(DIST)' -doc docs/bench.md

# The lab's image on Java 17 (class-data sharing) and on Java 25 (ahead-of-time caches, see
# harness/image/cds.sh) side by side, with where a grading's CPU goes: docs/bench.md's second table.
bench-java: image
	IMAGE=kafka-lab/kafka:$(KAFKA_VERSION)-jdk25 harness/image/build.sh
	$(GO) run ./cmd/bench -compare kafka-lab/kafka:$(KAFKA_VERSION)-jdk25 -doc docs/bench.md

# Verdicts that depend on the submission alone: the bundled submissions graded ROUNDS times in
# batches (grade batch, 2 workers, a class per part of TestSubmissions' table, on that part's
# scenarios) beside a busy loop on every core; it lists every verdict that differed between
# rounds, with both messages, every harness error and every verdict the judge of
# TestSubmissions refuses (SOAK_OUT/soak.txt). Long, so not in `make test`. TAGS grades every
# submission on those scenarios instead; ONLY (submission folders, comma-separated) narrows it;
# LOCAL=1 grades on local processes.
ROUNDS ?= 3
SOAK_OUT ?= $(HOME)/.cache/kafka-lab/soak
soak: image $(if $(LOCAL),dist)
	$(if $(LOCAL),KAFKA_LAB_DIST='$(DIST)') $(GO) test -p 1 -count=1 -timeout 8h -v -run '^TestSoak$$' . \
	  -soak.rounds=$(ROUNDS) -soak.out='$(SOAK_OUT)' $(if $(TAGS),-soak.tags='$(TAGS)') $(if $(ONLY),-soak.only='$(ONLY)')

# A cluster for doing the lab by hand, left running: TOPOLOGY=single (sections 1-6) or ha
# (section 7: three brokers and a controller). It prints how to open a terminal next to a broker.
TOPOLOGY ?= single
cluster: image
	$(GO) run ./cmd/cluster up $(TOPOLOGY)

# Removes the cluster `make cluster` started.
down:
	$(GO) run ./cmd/cluster down

# Removes every container and network of kafka-lab on this machine, of any run.
sweep:
	-docker rm -f $$(docker ps -aq --filter label=kafka-lab=1) 2>/dev/null
	-docker network rm $$(docker network ls -q --filter label=kafka-lab=1) 2>/dev/null
