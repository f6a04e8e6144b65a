//! The figures the landing page quotes from the last benchmark run (bench/results/latest.json),
//! or an honest "not yet measured" when there is none.

use crate::json::{self, Value};
use std::path::Path;

/// The benchmark figures, if a run exists.
pub struct Figures {
    doc: Option<Value>,
}

impl Figures {
    /// Reads the results file; a missing or unreadable file means nothing was measured.
    pub fn load(path: &Path) -> Figures {
        let doc = std::fs::read_to_string(path)
            .ok()
            .and_then(|t| json::parse(&t));
        Figures { doc }
    }

    /// Looks up a number.
    pub fn number(&self, path: &[&str]) -> Option<f64> {
        self.doc.as_ref()?.at(path)?.as_f64()
    }

    /// The binary size as measured by the run, e.g. `27,456 bytes`.
    pub fn binary_size(&self) -> String {
        match self.number(&["verbosel", "binary_bytes"]) {
            Some(n) => format!("{} bytes", thousands(n as u64)),
            None => "not yet measured".to_string(),
        }
    }

    /// The median cold start, e.g. `0.41 ms`.
    pub fn cold_start(&self) -> String {
        match self.number(&["verbosel", "cold_start_ms"]) {
            Some(ms) => format!("{ms:.2} ms"),
            None => "not yet measured".to_string(),
        }
    }

    /// The benchmark section's HTML fragment: one group of bars per test, widths relative to
    /// the best result in the group.
    pub fn html(&self) -> String {
        let Some(doc) = &self.doc else {
            return "<p class=\"bench-empty\">not yet measured: run <code>bench/run.sh</code> and rebuild.</p>".to_string();
        };
        let mut html = String::new();
        let note = format!(
            "{} · {} · {}",
            esc(doc.get("date").and_then(Value::as_str).unwrap_or("?")),
            esc(doc.get("machine").and_then(Value::as_str).unwrap_or("?")),
            esc(doc
                .get("command")
                .and_then(Value::as_str)
                .unwrap_or("bench/run.sh")),
        );
        for group in doc.get("tests").and_then(Value::as_array).unwrap_or(&[]) {
            let title = group.get("title").and_then(Value::as_str).unwrap_or("?");
            let unit = group.get("unit").and_then(Value::as_str).unwrap_or("");
            let higher_better = group.get("higher_is_better") != Some(&Value::Bool(false));
            let rows: Vec<(&str, f64)> = group
                .get("results")
                .and_then(Value::as_array)
                .unwrap_or(&[])
                .iter()
                .filter_map(|r| Some((r.get("server")?.as_str()?, r.get("median")?.as_f64()?)))
                .collect();
            if rows.is_empty() {
                continue;
            }
            let best = if higher_better {
                rows.iter().map(|r| r.1).fold(0.0, f64::max)
            } else {
                rows.iter().map(|r| r.1).fold(f64::INFINITY, f64::min)
            };
            html.push_str(&format!(
                "<div class=\"bench-group\"><h3>{}</h3>",
                esc(title)
            ));
            for (server, value) in rows {
                let w = if higher_better {
                    value / best * 100.0
                } else {
                    best / value * 100.0
                };
                let us = if server.starts_with("verbosel") {
                    " us"
                } else {
                    ""
                };
                html.push_str(&format!(
                    "<div class=\"bench-row{us}\"><span class=\"bench-name\">{}</span><div class=\"bench-bar\" data-w=\"{:.0}\"></div><span class=\"bench-value\">{} {}</span></div>",
                    esc(server),
                    w.clamp(1.0, 100.0),
                    pretty(value),
                    esc(unit)
                ));
            }
            html.push_str(&format!("<p class=\"bench-note\">{note}</p></div>"));
        }
        html
    }
}

fn pretty(v: f64) -> String {
    if v >= 1000.0 {
        thousands(v.round() as u64)
    } else if v >= 10.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// `27456` → `27,456`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_results_say_so() {
        let f = Figures::load(Path::new("/nonexistent/latest.json"));
        assert_eq!(f.binary_size(), "not yet measured");
        assert!(f.html().contains("not yet measured"));
        assert_eq!(thousands(27456), "27,456");
        assert_eq!(thousands(999), "999");
    }

    #[test]
    fn renders_groups_relative_to_the_best() {
        let doc = r#"{"date":"2026-11-28","machine":"2 cores","command":"bench/run.sh",
            "verbosel":{"binary_bytes":27456,"cold_start_ms":0.412},
            "tests":[{"title":"keep-alive","unit":"req/s","results":[
                {"server":"verbosel","median":150000},{"server":"nginx","median":100000}]}]}"#;
        let f = Figures {
            doc: json::parse(doc),
        };
        assert_eq!(f.binary_size(), "27,456 bytes");
        assert_eq!(f.cold_start(), "0.41 ms");
        let h = f.html();
        assert!(
            h.contains("bench-row us")
                && h.contains("data-w=\"100\"")
                && h.contains("data-w=\"67\""),
            "{h}"
        );
        assert!(h.contains("150,000 req/s"));
    }
}
