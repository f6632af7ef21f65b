//! Finds where a field lives in RON source text, so errors found after
//! parsing (an unknown node, a negative capacity) can still point at a
//! line and column. A tiny tokenizer is enough: we only need structure.

pub use crate::sim::check::Seg;

/// Render a path the way people read it: `nodes[2].kind.workers`.
pub fn path_to_string(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Field(f) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(f);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Tok {
    Open(u8),
    Close(u8),
    Colon,
    Comma,
    Ident,
    Atom,
}

struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
}

impl Lexer<'_> {
    fn skip_trivia(&mut self) {
        loop {
            while self.pos < self.src.len() && self.src[self.pos].is_ascii_whitespace() {
                self.pos += 1;
            }
            if self.src[self.pos..].starts_with(b"//") {
                while self.pos < self.src.len() && self.src[self.pos] != b'\n' {
                    self.pos += 1;
                }
            } else if self.src[self.pos..].starts_with(b"/*") {
                let mut depth = 0usize;
                while self.pos < self.src.len() {
                    if self.src[self.pos..].starts_with(b"/*") {
                        depth += 1;
                        self.pos += 2;
                    } else if self.src[self.pos..].starts_with(b"*/") {
                        depth -= 1;
                        self.pos += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        self.pos += 1;
                    }
                }
            } else if self.src[self.pos..].starts_with(b"#![") {
                while self.pos < self.src.len() && self.src[self.pos] != b']' {
                    self.pos += 1;
                }
                self.pos = (self.pos + 1).min(self.src.len());
            } else {
                return;
            }
        }
    }

    /// Next token and its start offset.
    fn next(&mut self) -> Option<(Tok, usize)> {
        self.skip_trivia();
        let start = self.pos;
        let c = *self.src.get(self.pos)?;
        self.pos += 1;
        let tok = match c {
            b'(' | b'[' | b'{' => Tok::Open(c),
            b')' | b']' | b'}' => Tok::Close(c),
            b':' => Tok::Colon,
            b',' => Tok::Comma,
            b'"' => {
                while self.pos < self.src.len() && self.src[self.pos] != b'"' {
                    if self.src[self.pos] == b'\\' {
                        self.pos += 1;
                    }
                    self.pos += 1;
                }
                self.pos += 1;
                Tok::Atom
            }
            b'\'' => {
                while self.pos < self.src.len() && self.src[self.pos] != b'\'' {
                    if self.src[self.pos] == b'\\' {
                        self.pos += 1;
                    }
                    self.pos += 1;
                }
                self.pos += 1;
                Tok::Atom
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while self.pos < self.src.len()
                    && (self.src[self.pos].is_ascii_alphanumeric() || self.src[self.pos] == b'_')
                {
                    self.pos += 1;
                }
                Tok::Ident
            }
            _ => {
                while self.pos < self.src.len()
                    && !self.src[self.pos].is_ascii_whitespace()
                    && !b"()[]{}:,\"".contains(&self.src[self.pos])
                {
                    self.pos += 1;
                }
                Tok::Atom
            }
        };
        self.pos = self.pos.min(self.src.len());
        Some((tok, start))
    }

    fn peek(&mut self) -> Option<(Tok, usize)> {
        let save = self.pos;
        let t = self.next();
        self.pos = save;
        t
    }

    /// Skip one whole value starting at the current position.
    fn skip_value(&mut self) {
        match self.next() {
            Some((Tok::Ident, _)) => {
                if let Some((Tok::Open(_), _)) = self.peek() {
                    self.next();
                    self.skip_to_close();
                }
            }
            Some((Tok::Open(_), _)) => self.skip_to_close(),
            _ => {}
        }
    }

    fn skip_to_close(&mut self) {
        let mut depth = 1;
        while let Some((t, _)) = self.next() {
            match t {
                Tok::Open(_) => depth += 1,
                Tok::Close(_) => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }
}

/// Byte offset of the value at `path` (or of the deepest part found).
pub fn locate(src: &str, path: &[Seg]) -> usize {
    let mut lx = Lexer { src: src.as_bytes(), pos: 0 };
    let mut best = 0;
    'segs: for seg in path {
        // Step over a leading type or variant name.
        if let Some((Tok::Ident, at)) = lx.peek() {
            best = best.max(at);
            lx.next();
        }
        let Some((Tok::Open(open), at)) = lx.next() else { return best };
        best = at;
        match seg {
            Seg::Index(want) => {
                if open != b'[' {
                    return best;
                }
                let mut i = 0;
                loop {
                    let Some((t, at)) = lx.peek() else { return best };
                    if matches!(t, Tok::Close(_)) {
                        return best;
                    }
                    if i == *want {
                        best = at;
                        continue 'segs;
                    }
                    lx.skip_value();
                    if let Some((Tok::Comma, _)) = lx.peek() {
                        lx.next();
                    }
                    i += 1;
                }
            }
            Seg::Field(name) => {
                // `Variant((field: …))`: look inside the inner parentheses too.
                if let Some((Tok::Open(b'('), _)) = lx.peek() {
                    lx.next();
                }
                loop {
                    let Some((t, at)) = lx.next() else { return best };
                    match t {
                        Tok::Close(_) => return best,
                        Tok::Ident => {
                            let ident = &src[at..lx.pos];
                            if let Some((Tok::Colon, _)) = lx.peek() {
                                lx.next();
                                if ident == name {
                                    best = lx.peek().map_or(at, |(_, p)| p);
                                    continue 'segs;
                                }
                                lx.skip_value();
                            }
                        }
                        Tok::Comma => {}
                        _ => return best,
                    }
                }
            }
        }
    }
    best
}

/// 1-based line and column of a byte offset.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let before = &src[..offset.min(src.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(s: &str) -> Seg {
        Seg::Field(s.into())
    }

    #[test]
    fn finds_nested_fields_and_list_items() {
        let src = "// header\n(\n  version: 1,\n  nodes: [\n    (id: \"a\", kind: Client(traffic: Poisson(rate: 5.0))),\n    (id: \"b\", kind: Service((workers: 0))),\n  ],\n)";
        let at = locate(src, &[f("nodes"), Seg::Index(1), f("kind"), f("workers")]);
        assert_eq!(line_col(src, at), (6, 39));
        let at = locate(src, &[f("nodes"), Seg::Index(0), f("kind"), f("traffic"), f("rate")]);
        assert_eq!(&src[at..at + 3], "5.0");
        let at = locate(src, &[f("version")]);
        assert_eq!(line_col(src, at), (3, 12));
    }
}
