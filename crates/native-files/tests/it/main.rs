//! native-files against generated files of every kind: one test binary.

mod corpus;
mod detect;
mod images;
mod limits;
mod pdf;
mod support;
mod text;
mod wire;
