//! Reporters: each renders a finished `Report`; adding a format is one module and one arm.

pub mod concise;
pub mod human;
pub mod json;

use crate::rules::load::Rule;
use crate::Report;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Concise,
    Json,
}

pub fn render(format: Format, report: &Report, rules: &[Rule], color: bool) -> String {
    match format {
        Format::Human => human::render(report, rules, color),
        Format::Concise => concise::render(report),
        Format::Json => json::render(report),
    }
}
