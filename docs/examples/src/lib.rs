//! The code shown in the book, one module per chapter. The chapters include the
//! parts between `// ANCHOR: name` and `// ANCHOR_END: name` with mdBook's
//! `{{#include ../examples/src/FILE.rs:name}}`; `cargo test` compiles them, and
//! harness/tests/book.rs checks that every include and anchor exists.
//!
//! These are illustrations, not the labs' answers: nothing here is a student
//! function, and the reference solutions are never included into the book.

pub mod ch01_pids;
pub mod ch02_exec;
pub mod ch03_fork;
pub mod ch04_exit;
pub mod ch05_wait;
pub mod ch06_system;
pub mod ch09_signals;
