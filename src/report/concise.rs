//! `path:line:col: severity[ID] message`, one line per diagnostic: for editors and grep.

use crate::diagnostic::{escape_control, escape_control_lines};
use crate::Report;
use std::fmt::Write;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for d in &report.diagnostics {
        let file = &report.files[d.file];
        let p = file.position(d.span.start);
        let _ = writeln!(
            out,
            "{}:{}:{}: {}[{}] {}",
            escape_control(&file.display),
            p.line,
            p.column,
            d.severity,
            d.rule,
            escape_control_lines(&d.message).replace('\n', " ")
        );
    }
    out
}
