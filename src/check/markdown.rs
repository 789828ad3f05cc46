//! Markdown that would not render cleanly: stray markup, or raw HTML.

/// Markdown that would show its markup to the reader, or raw HTML (which clients would render
/// unchecked).
pub(super) fn markdown_problem(answer: &str) -> Option<String> {
    let parser = pulldown_cmark::Parser::new(answer);
    let mut html = String::new();
    let mut raw_html = false;
    let parser = parser.inspect(|e| {
        if matches!(
            e,
            pulldown_cmark::Event::Html(_) | pulldown_cmark::Event::InlineHtml(_)
        ) {
            raw_html = true;
        }
    });
    pulldown_cmark::html::push_html(&mut html, parser);
    if raw_html {
        return Some("contains raw HTML; use Markdown only".into());
    }
    for marker in ["**", "__", "](", "[["] {
        if html.contains(marker) {
            return Some(format!(
                "renders with a stray {marker:?}: check emphasis and links"
            ));
        }
    }
    None
}
