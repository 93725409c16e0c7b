//! Loom models of hoare's lock-free and lock-based parts live in `tests/`;
//! this crate has no code of its own. Run them with
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p loom-tests --release`.
