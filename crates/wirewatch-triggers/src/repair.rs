//! Repair of string literals wrapped across lines, the damage a PDF or an
//! e-mail does to pasted code (the ticketing guide's own trigger arrives with
//! one `"…"` literal split in two). JavaScript forbids a raw newline inside
//! `'…'` or `"…"`, so such a script cannot mean anything else: the line break
//! (with the blanks around it) becomes one space. Template literals, comments
//! and escaped line continuations are left alone.

/// A repaired script and the (1-based) lines whose literal was joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repaired {
    pub source: String,
    pub lines: Vec<u32>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Code,
    Line,
    Block,
    Str(char),
    Template,
}

/// `None` when nothing needed joining.
pub fn repair_wrapped_strings(src: &str) -> Option<Repaired> {
    let mut out = String::with_capacity(src.len());
    let mut lines = Vec::new();
    let mut state = State::Code;
    let mut line: u32 = 1;
    let mut chars = src.chars().peekable();
    let mut prev = '\0';
    while let Some(c) = chars.next() {
        match state {
            State::Code => match c {
                '/' if chars.peek() == Some(&'/') => state = State::Line,
                '/' if chars.peek() == Some(&'*') => state = State::Block,
                '\'' | '"' => state = State::Str(c),
                '`' => state = State::Template,
                _ => {}
            },
            State::Line => {
                if c == '\n' {
                    state = State::Code;
                }
            }
            State::Block => {
                if prev == '*' && c == '/' {
                    state = State::Code;
                }
            }
            State::Template => {
                if c == '`' && prev != '\\' {
                    state = State::Code;
                }
            }
            State::Str(q) => {
                if c == '\\' {
                    out.push(c);
                    if let Some(n) = chars.next() {
                        if n == '\n' {
                            line += 1;
                        }
                        out.push(n);
                    }
                    prev = '\0';
                    continue;
                }
                if c == q {
                    state = State::Code;
                } else if c == '\n' || c == '\r' {
                    if c == '\r' && chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    while out.ends_with([' ', '\t']) {
                        out.pop();
                    }
                    while chars.peek().is_some_and(|n| *n == ' ' || *n == '\t') {
                        chars.next();
                    }
                    out.push(' ');
                    lines.push(line);
                    line += 1;
                    prev = ' ';
                    continue;
                }
            }
        }
        if c == '\n' {
            line += 1;
        }
        out.push(c);
        prev = c;
    }
    if lines.is_empty() {
        None
    } else {
        Some(Repaired { source: out, lines })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_the_guides_wrapped_literal() {
        // From ../shared/seeds/000_…: the description literal as the PDF wrapped it.
        let src = "const description = \"ExtraHop has detected the following event on your\nnetwork: \" + Detection.description\nconst x = 1;";
        let r = repair_wrapped_strings(src).unwrap();
        assert_eq!(
            r.source,
            "const description = \"ExtraHop has detected the following event on your network: \" + Detection.description\nconst x = 1;"
        );
        assert_eq!(r.lines, vec![1]);
    }

    #[test]
    fn leaves_templates_comments_and_continuations_alone() {
        assert_eq!(
            repair_wrapped_strings("const a = `x\ny`; // it's\nconst b = 'ok';"),
            None
        );
        assert_eq!(
            repair_wrapped_strings("/* \"\n */ const c = \"a\\\nb\";"),
            None
        );
        assert_eq!(repair_wrapped_strings("const d = 'don\\'t';\n"), None);
    }
}
