//! `cargo xtask bench`: runs the benchmarks and prints their figures, which
//! are copied into BENCHMARKS.md with the method used.
//!
//! The Foundation defines no benchmark yet: the first figures (reserve and
//! settle pairs per second) arrive with the Database issue. Until then this
//! says so rather than pretending to measure anything.

use anyhow::Result;

pub fn run() -> Result<()> {
    println!("no benchmarks are defined yet; BENCHMARKS.md lists the planned figures");
    Ok(())
}
