//! One parser per format; each keeps the byte span of every key, value, instruction and
//! argument, and none panics on any input.

pub mod dockerfile;
pub mod yaml;
