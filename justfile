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

# grade the reference solutions (instructors; they must score full marks)
reference *ARGS:
    cargo grade --reference {{ARGS}}

# the project's own tests (the README's test command)
test:
    cargo test --workspace

# re-record every case's snapshot from the reference, after changing a case or a reference
bless:
    INSTA_UPDATE=always INSTA_FORCE_PASS=1 cargo test -p proclab-harness --test snapshots
    @echo "snapshots refreshed; review them with: git diff harness/"

# what CI runs: tests as root and as an ordinary user, clippy, rustfmt
ci:
    bash .ci/run

# measure the grader: warm suite time, overhead per case, cold build time
bench:
    cargo run --release -q -p proclab-harness --bin proclab-bench
