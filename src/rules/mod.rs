//! The declarative rule engine: rule files (schema), loading and validation, CEL, evaluation.

pub mod cel;
pub mod cost;
pub mod eval;
pub mod examples;
pub mod load;
pub mod prefilter;
pub mod schema;
