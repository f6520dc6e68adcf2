# proclab's everyday commands. `just` alone lists them.
# Get just with `cargo install just` or `pip install rust-just`.

# list the recipes
default:
    @just --list

# grade your labs (all, or: just grade --lab fork); flags as for `cargo grade`
grade *ARGS:
    cargo grade {{ARGS}}

# the public cases of one lab, with diffs and hints for each failure
check LAB:
    cargo grade --lab {{LAB}} --public-only

# the next hint for a lab, each more specific than the last (or a level: just hint fork 2)
hint LAB LEVEL="":
    cargo proclab hint {{LAB}} {{LEVEL}}

# check a lab again on every save (add --poll where saves go unnoticed: WSL /mnt, NFS)
watch LAB *ARGS:
    cargo proclab watch {{LAB}} {{ARGS}}

# which labs pass, which you started, and what to do next (add --format json)
progress *ARGS:
    cargo proclab progress {{ARGS}}

# put a lab's pristine stub back; your file is saved in .proclab/backups/ first
reset LAB:
    cargo proclab reset {{LAB}}

# grade the reference solutions (instructors; they must score full marks)
reference *ARGS:
    cargo grade --reference {{ARGS}}

# the project's own tests (the README's test command)
test:
    cargo test --workspace

# re-record the snapshots from the reference (all labs, or: just bless fork,pids):
# as this machine runs them, as an ordinary user sees them (`.unprivileged`), and
# outside a PID namespace (`.nons`, kept only where the output differs)
bless LABS="":
    PROCLAB_LAB={{LABS}} INSTA_UPDATE=always INSTA_FORCE_PASS=1 cargo test -p proclab-harness --test snapshots
    PROCLAB_LAB={{LABS}} PROCLAB_UNPRIVILEGED=1 INSTA_UPDATE=always INSTA_FORCE_PASS=1 cargo test -p proclab-harness --test snapshots
    PROCLAB_LAB={{LABS}} PROCLAB_CONTAINMENT=best-effort INSTA_UPDATE=always INSTA_FORCE_PASS=1 cargo test -p proclab-harness --test snapshots
    PROCLAB_LAB={{LABS}} PROCLAB_CONTAINMENT=best-effort PROCLAB_UNPRIVILEGED=1 INSTA_UPDATE=always INSTA_FORCE_PASS=1 cargo test -p proclab-harness --test snapshots
    @echo "snapshots refreshed; review them with: git diff harness/"

# write the students' repository into DIR (no solutions, no hidden cases, fresh history)
handout DIR:
    cargo run -q -p proclab-harness --bin proclab-instructor -- handout {{DIR}}

# build the Gradescope autograder zip (default: autograder.zip)
gradescope OUT="autograder.zip":
    cargo run -q -p proclab-harness --bin proclab-instructor -- gradescope {{OUT}}

# grade every submission folder below DIR; CSV and reports into DIR-results
grade-class DIR:
    cargo grade --class {{DIR}} --out {{DIR}}-results

# what CI runs: tests as root and as an ordinary user, clippy, rustfmt
ci:
    bash .ci/run

# grade the whole reference N times with seeded jitter (add --load to busy every core)
stress N="100" *ARGS:
    cargo run --release -q -p proclab-harness --bin proclab-stress -- {{N}} {{ARGS}}

# measure the grader: warm suite time, overhead per case, cold build time
bench:
    cargo run --release -q -p proclab-harness --bin proclab-bench
