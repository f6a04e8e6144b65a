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

    /// The landing site's binary size as measured by the run, e.g. `27,456 bytes`.
    pub fn binary_size(&self) -> String {
        match self.number(&["resources", "verbosel-site", "binary_bytes"]) {
            Some(n) => format!("{} bytes", thousands(n as u64)),
            None => "not yet measured".to_string(),
        }
    }

    /// The median cold start (exec to first answered request) of the hello example.
    pub fn cold_start(&self) -> String {
        match self.number(&["resources", "verbosel", "cold_start_us"]) {
            Some(us) => format!("{:.2} ms", us / 1000.0),
            None => "not yet measured".to_string(),
        }
    }

    /// The benchmark section's HTML fragment: one group of bars per test (requests per second,
    /// widths relative to the best in the group), with the run's date, machine and command.
    pub fn html(&self) -> String {
        let Some(doc) = &self.doc else {
            return "<p class=\"bench-empty\">not yet measured: run <code>bench/run.sh</code> and rebuild.</p>".to_string();
        };
        let machine = doc.get("machine");
        let note = format!(
            "{} · {} cores, {}, Linux {} · <code>{}</code>",
            esc(doc.get("date").and_then(Value::as_str).unwrap_or("?")),
            machine
                .and_then(|m| m.get("nproc"))
                .and_then(Value::as_f64)
                .unwrap_or(0.0),
            esc(machine
                .and_then(|m| m.get("cpu"))
                .and_then(Value::as_str)
                .unwrap_or("?")),
            esc(machine
                .and_then(|m| m.get("kernel"))
                .and_then(Value::as_str)
                .unwrap_or("?")),
            esc(doc
                .get("command")
                .and_then(Value::as_str)
                .unwrap_or("bench/run.sh")),
        );
        let mut html = String::new();
        for id in ["ka50", "ka200", "close50", "page50", "ab50"] {
            let Some(test) = doc.at(&["tests", id]) else {
                continue;
            };
            let title = test
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or(id);
            let Some(servers) = test.get("servers").and_then(Value::as_object) else {
                continue;
            };
            let mut rows: Vec<(&str, f64)> = servers
                .iter()
                .filter_map(|(name, r)| Some((name.as_str(), r.get("rps")?.as_f64()?)))
                .collect();
            rows.sort_by(|a, b| b.1.total_cmp(&a.1));
            let best = rows.iter().map(|r| r.1).fold(0.0, f64::max);
            if rows.is_empty() || best <= 0.0 {
                continue;
            }
            html.push_str(&format!(
                "<div class=\"bench-group\"><h3>{}</h3>",
                esc(title)
            ));
            for (server, rps) in rows {
                let us = if server.starts_with("verbosel") {
                    " us"
                } else {
                    ""
                };
                html.push_str(&format!(
                    "<div class=\"bench-row{us}\"><span class=\"bench-name\">{}</span><div class=\"bench-bar\" data-w=\"{:.0}\"></div><span class=\"bench-value\">{} req/s</span></div>",
                    esc(display_name(server)),
                    (rps / best * 100.0).clamp(1.0, 100.0),
                    thousands(rps.round() as u64),
                ));
            }
            html.push_str(&format!("<p class=\"bench-note\">{note}</p></div>"));
        }
        html
    }
}

/// The harness's server keys as the page names them.
fn display_name(key: &str) -> &str {
    match key {
        "nginx" => "nginx (1 worker)",
        "actix" => "actix-web (1 worker)",
        "hyper" => "hyper (current-thread)",
        "go" => "Go net/http (GOMAXPROCS=1)",
        "express" => "Express (1 process)",
        "forkc" => "minimal C fork per connection",
        "verbosel" => "verbosel (fork per connection)",
        "verbosel-site" => "verbosel (this site)",
        "verbosel-reuse" => "verbosel --reuse 100",
        "verbosel-nosandbox" => "verbosel --no-sandbox",
        "verbosel-batch" => "verbosel --batch",
        "verbosel-site-batch" => "verbosel --batch (this site)",
        other => other,
    }
}

/// `27456` → `27,456`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
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
        let doc = r#"{"date":"2026-11-28","machine":{"nproc":2,"cpu":"AMD EPYC","kernel":"6.18"},"command":"bench/run.sh",
            "resources":{"verbosel":{"cold_start_us":412},"verbosel-site":{"binary_bytes":27456}},
            "tests":{"ka50":{"description":"keep-alive","servers":{
                "verbosel":{"rps":150000},"nginx":{"rps":100000}}}}}"#;
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
        assert!(h.contains("150,000 req/s") && h.contains("nginx (1 worker)"));
    }
}
