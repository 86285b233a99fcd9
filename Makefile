# Safer Python — the two commands a person needs are `make lab` and `make test`.
# Everything installs into .venv from requirements.txt with hash checking.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
STAMP  := $(VENV)/.installed
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
PYTEST_WORKERS ?= 2
# nbgrader calls alembic from PATH: put the venv first for every recipe.
export PATH := $(BIN):$(PATH)

.PHONY: help lab test check release nav lesson grade bench-grading lock clean hub hub-user

help:
	@echo "make lab      set up .venv and open the course in JupyterLab (learner view; ROLE=instructor for nbgrader's instructor tools)"
	@echo "make test     set up .venv and run the whole test suite (what CI runs)"
	@echo "make check    static checks only: ruff, mypy, bandit"
	@echo "make release  regenerate exercises/ from autograder/source (nbgrader)"
	@echo "make nav      regenerate every lesson's header and footer cells (and README's lesson table) from course.toml"
	@echo "make lesson N=05 FUNCTIONS=\"f g\"  scaffold planned lesson 05: notebook, topic package, exercise, tests"
	@echo "make grade ASSIGNMENT=03_injection   grade every submission in autograder/submitted (parallel, confined with bubblewrap)"
	@echo "           [UNCONFINED=1]            grade without confinement (practice only; refuses otherwise when bwrap is missing)"
	@echo "make bench-grading [SUBMISSIONS=60]  class grading vs serial nbgrader autograde"
	@echo "make hub      (root) set up and start a JupyterHub class on 127.0.0.1 [HUB_ROOT=/srv/safer-python]"
	@echo "make hub-user NAME=ada [ROLE=instructor]   (root) add a learner or instructor account to the class"
	@echo "make lock     re-pin requirements.txt from requirements.in and sync environment.yml"

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"' \
		|| { echo "Python 3.11 or newer is needed; set PYTHON=/path/to/python3.11"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) \
		|| { echo "could not create $(VENV): install the venv module (e.g. apt install python3.11-venv)"; exit 1; }
	@echo "installing pinned dependencies into $(VENV) (hash-checked; about a minute) …"
	$(BIN)/python -m pip install --disable-pip-version-check --progress-bar off --require-hashes -r requirements.txt
	$(BIN)/python -m pip install --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

# Who JupyterLab is for: learners see nbgrader's student tools only (the Jupyter config in
# binder/learner/, the same set-up binder/postBuild gives Binder); instructors see all of
# nbgrader (Create Assignment, Formgrader, Courses): `make lab ROLE=instructor`.
ROLE ?= learner
LAB_CONFIG_learner := $(CURDIR)/binder/learner
LAB_CONFIG_instructor :=

lab: $(STAMP)
	@case "$(ROLE)" in learner|instructor) ;; *) echo "ROLE must be learner or instructor, not '$(ROLE)'"; exit 2;; esac
	$(if $(LAB_CONFIG_$(ROLE)),JUPYTER_CONFIG_PATH="$(LAB_CONFIG_$(ROLE))$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}") \
		$(BIN)/jupyter lab --ip=127.0.0.1 $(ROOT_FLAG) --ServerApp.root_dir=$(CURDIR) \
		--LabApp.default_url=/lab/tree/notebooks/00_Start_Here.ipynb

test: $(STAMP) check
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile \
		--nbval-lax --nbval-current-env --nbval-cell-timeout=300 --durations=25 tests notebooks

check: $(STAMP)
	$(BIN)/ruff check seclab tests deploy autograder/nbgrader_config.py
	$(BIN)/mypy
	$(BIN)/bandit -q -r seclab deploy -c pyproject.toml

release: $(STAMP)
	$(BIN)/python -m seclab.release

ASSIGNMENT ?=
COURSE ?= autograder
SUBMISSIONS ?= 60
grade: $(STAMP)
	@test -n "$(ASSIGNMENT)" || { echo "usage: make grade ASSIGNMENT=03_injection"; exit 2; }
	$(BIN)/python -m seclab.grading.cli $(ASSIGNMENT) --course-dir $(COURSE) $(if $(UNCONFINED),--unconfined)

bench-grading: $(STAMP)
	$(BIN)/python -m seclab.grading.bench --n $(SUBMISSIONS)

nav: $(STAMP)
	$(BIN)/python -m seclab.navigation

N ?=
FUNCTIONS ?=
lesson: $(STAMP)
	@test -n "$(N)" -a -n "$(FUNCTIONS)" || { echo 'usage: make lesson N=05 FUNCTIONS="security_headers app_config" [ARGS="--title ... --topic ... --no-exploit"]'; exit 2; }
	$(BIN)/python -m seclab.scaffold $(N) --functions $(FUNCTIONS) $(ARGS)

HUB_ROOT ?= /srv/safer-python
hub: $(STAMP)
	$(BIN)/python deploy/jupyterhub/hub.py setup --root $(HUB_ROOT) $(HUB_ARGS)
	$(BIN)/python deploy/jupyterhub/hub.py start --root $(HUB_ROOT)

NAME ?=
hub-user: $(STAMP)
	@test -n "$(NAME)" || { echo "usage: make hub-user NAME=ada [ROLE=instructor]"; exit 2; }
	$(BIN)/python deploy/jupyterhub/hub.py add-user $(NAME) --root $(HUB_ROOT) $(if $(filter instructor,$(ROLE)),--instructor,)

lock:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q uv==0.13.9
	$(BIN)/uv pip compile -q --generate-hashes --universal --python-version 3.11 requirements.in -o requirements.txt
	$(BIN)/python -m seclab.pins

clean:
	rm -rf $(VENV) autograder/release autograder/submitted autograder/autograded autograder/feedback autograder/gradebook.db
