//! The page templates and static files, compiled into the binary.

use std::sync::OnceLock;

use minijinja::Environment;

/// Every template, by name.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("overview.html", include_str!("../templates/overview.html")),
    ("category.html", include_str!("../templates/category.html")),
    (
        "requirement.html",
        include_str!("../templates/requirement.html"),
    ),
    ("record.html", include_str!("../templates/record.html")),
    ("message.html", include_str!("../templates/message.html")),
];

/// Static files: (name, content type, bytes).
pub const STATIC_FILES: &[(&str, &str, &str)] = &[
    (
        "style.css",
        "text/css; charset=utf-8",
        include_str!("../static/style.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/app.js"),
    ),
];

/// The template environment (HTML auto-escaping on every `.html` template).
pub fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            // Checked by the tests: the embedded templates always parse.
            if let Err(err) = env.add_template(name, source) {
                tracing::error!("template {name}: {err}");
            }
        }
        env
    })
}

/// Renders template `name` with `context`.
pub fn render(name: &str, context: &serde_json::Value) -> Result<String, minijinja::Error> {
    environment().get_template(name)?.render(context)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("{name}: {e:#}"));
        }
    }

    #[test]
    fn record_values_render_nested_and_escaped() {
        let context = serde_json::json!({
            "title": "t", "kind": "certificate", "id": "ab",
            "record": {"subject": "CN=<script>alert(1)</script>", "san": {"dns": ["a.test", "b.test"]}, "none": null},
            "findings": [],
        });
        let html = render("record.html", &context).unwrap();
        assert!(
            html.contains("CN=&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
            "{html}"
        );
        assert!(!html.contains("<script>alert"));
        assert!(
            html.contains("<li><span class=\"scalar\">b.test</span></li>"),
            "{html}"
        );
    }
}
