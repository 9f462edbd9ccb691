//! One parser per format; each keeps the byte span of every key, value, instruction and
//! argument, and none panics on any input.

pub mod dockerfile;
pub mod env_file;
pub mod redis_conf;
pub mod systemd;
pub mod yaml;

use crate::source::Span;

/// Something in a file that stops it being read as its format, or a part of it being
/// understood: reported as a `parse-error` diagnostic at `span`; the rest goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    pub span: Span,
}
