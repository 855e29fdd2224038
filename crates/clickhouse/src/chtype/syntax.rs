//! Generic syntax of a type: a name with optional arguments, the way ClickHouse's own
//! `ParserDataType` reads it. Meaning (which family takes which arguments) is `build`'s job.

use super::TypeError;
use super::lexer::{Lexer, Tok, Token};
use super::names;
use std::borrow::Cow;
use std::ops::Range;

/// `Name` or `Name(args)`.
#[derive(Debug)]
pub(crate) struct TypeExpr<'a> {
    /// The name as written, words of a multi-word name joined by one space.
    pub name: Cow<'a, str>,
    pub name_span: Range<usize>,
    pub args: Option<Vec<Arg<'a>>>,
    /// From the name to the closing parenthesis.
    pub span: Range<usize>,
}

#[derive(Debug)]
pub(crate) enum Arg<'a> {
    Type(TypeExpr<'a>),
    /// `name Type` in Tuple, Nested and JSON.
    Named {
        name: Cow<'a, str>,
        name_span: Range<usize>,
        ty: TypeExpr<'a>,
    },
    /// A number or a string; `text` keeps a number as written, sign included.
    Literal(Literal<'a>),
    /// `'name' = 1` in an enum.
    EnumEntry {
        name: Cow<'a, str>,
        value: Literal<'a>,
        span: Range<usize>,
    },
    /// `max_types = 10`.
    Setting {
        key: &'a str,
        value: Literal<'a>,
        span: Range<usize>,
    },
    /// `SKIP path` or `SKIP REGEXP 're'` in JSON.
    Skip {
        regexp: bool,
        path: Cow<'a, str>,
        span: Range<usize>,
    },
    /// `[1, 2]`: an array parameter of an aggregate function.
    Array(Vec<Literal<'a>>, Range<usize>),
}

#[derive(Debug, Clone)]
pub(crate) enum Literal<'a> {
    Num {
        text: Cow<'a, str>,
        span: Range<usize>,
    },
    Str {
        value: Cow<'a, str>,
        span: Range<usize>,
    },
}

impl Literal<'_> {
    pub fn span(&self) -> Range<usize> {
        match self {
            Literal::Num { span, .. } | Literal::Str { span, .. } => span.clone(),
        }
    }
}

impl Arg<'_> {
    pub fn span(&self) -> Range<usize> {
        match self {
            Arg::Type(t) => t.span.clone(),
            Arg::Named { name_span, ty, .. } => name_span.start..ty.span.end,
            Arg::Literal(l) => l.span(),
            Arg::EnumEntry { span, .. } | Arg::Setting { span, .. } | Arg::Skip { span, .. } => {
                span.clone()
            }
            Arg::Array(_, span) => span.clone(),
        }
    }
}

/// Deep nesting is refused rather than risking the stack on hostile input (the ClickHouse test
/// corpus has a 100-deep `Map`).
pub(crate) const MAX_DEPTH: usize = 200;

pub(crate) struct Parser<'a> {
    lexer: Lexer<'a>,
    text: &'a str,
    peeked: Vec<Token<'a>>,
    depth: usize,
}

impl<'a> Parser<'a> {
    pub fn new(text: &'a str) -> Self {
        Parser {
            lexer: Lexer::new(text),
            text,
            peeked: Vec::new(),
            depth: 0,
        }
    }

    fn peek_n(&mut self, n: usize) -> Result<&Token<'a>, TypeError> {
        while self.peeked.len() <= n {
            let t = self.lexer.next_token()?;
            let end = matches!(t.tok, Tok::End);
            self.peeked.push(t);
            if end {
                break;
            }
        }
        let last = self.peeked.len() - 1;
        Ok(&self.peeked[n.min(last)])
    }

    fn peek(&mut self) -> Result<&Token<'a>, TypeError> {
        self.peek_n(0)
    }

    fn bump(&mut self) -> Result<Token<'a>, TypeError> {
        if self.peeked.is_empty() {
            self.lexer.next_token()
        } else {
            Ok(self.peeked.remove(0))
        }
    }

    fn peek_punct(&mut self, p: u8) -> Result<bool, TypeError> {
        Ok(self.peek()?.tok == Tok::Punct(p))
    }

    /// The whole text: one type and nothing after it.
    pub fn parse_complete(&mut self) -> Result<TypeExpr<'a>, TypeError> {
        let ty = self.parse_type()?;
        let next = self.bump()?;
        match next.tok {
            Tok::End => Ok(ty),
            Tok::Punct(b')') => Err(TypeError::new(
                "unbalanced `)`",
                next.span,
                Some("remove it or add the matching `(`".into()),
            )),
            _ => Err(TypeError::new(
                "unexpected text after the type",
                next.span.start..self.text.len(),
                Some("a column type ends here: remove the rest".into()),
            )),
        }
    }

    pub fn parse_type(&mut self) -> Result<TypeExpr<'a>, TypeError> {
        let first = self.bump()?;
        let (word, start) = match first.tok {
            Tok::Word(w) => (w, first.span.start),
            Tok::End => {
                return Err(TypeError::new(
                    "expected a data type",
                    first.span,
                    Some("write a type such as `String` or `Nullable(Int64)`".into()),
                ));
            }
            _ => {
                return Err(TypeError::new(
                    "expected a data type",
                    first.span,
                    Some("a type starts with its name, such as `UInt64`".into()),
                ));
            }
        };
        let mut name = Cow::Borrowed(word);
        let mut name_end = first.span.end;
        self.extend_multi_word(&mut name, &mut name_end)?;
        let mut span_end = name_end;
        let args = if self.peek_punct(b'(')? {
            let (args, close) = self.parse_args(&name)?;
            span_end = close;
            // MySQL writes `INT(11) UNSIGNED`.
            if let Tok::Word(w) = self.peek()?.tok {
                let joined = format!("{name} {w}");
                if names::is_multi_word(&joined) {
                    let t = self.bump()?;
                    name = Cow::Owned(joined);
                    span_end = t.span.end;
                }
            }
            Some(args)
        } else {
            None
        };
        Ok(TypeExpr {
            name,
            name_span: start..name_end,
            args,
            span: start..span_end,
        })
    }

    /// Longest multi-word alias (`DOUBLE PRECISION`, `NATIONAL CHARACTER VARYING`) from here.
    fn extend_multi_word(
        &mut self,
        name: &mut Cow<'a, str>,
        name_end: &mut usize,
    ) -> Result<(), TypeError> {
        if !names::starts_multi_word(name) {
            return Ok(());
        }
        let mut best = 0;
        let mut joined = name.to_string();
        for i in 0..4 {
            let Tok::Word(w) = self.peek_n(i)?.tok else {
                break;
            };
            joined.push(' ');
            joined.push_str(w);
            if names::is_multi_word(&joined) {
                best = i + 1;
            }
        }
        if best > 0 {
            let mut out = name.to_string();
            for _ in 0..best {
                let t = self.bump()?;
                if let Tok::Word(w) = t.tok {
                    out.push(' ');
                    out.push_str(w);
                }
                *name_end = t.span.end;
            }
            *name = Cow::Owned(out);
        }
        Ok(())
    }

    /// Arguments after `(`; returns them and the end of the closing parenthesis.
    fn parse_args(&mut self, family: &str) -> Result<(Vec<Arg<'a>>, usize), TypeError> {
        let open = self.bump()?;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(TypeError::new(
                "type is nested too deeply",
                open.span,
                Some(format!("keep nesting under {MAX_DEPTH} levels")),
            ));
        }
        let json = family.eq_ignore_ascii_case("JSON");
        let mut args = Vec::new();
        loop {
            if self.peek_punct(b')')? {
                break;
            }
            args.push(self.parse_arg(json)?);
            let t = self.peek()?.clone();
            match t.tok {
                Tok::Punct(b',') => {
                    self.bump()?;
                }
                Tok::Punct(b')') => break,
                Tok::End => {
                    return Err(TypeError::new(
                        "unbalanced `(`: missing `)`",
                        open.span.start..self.text.len(),
                        Some("add the closing `)`".into()),
                    ));
                }
                _ => {
                    return Err(TypeError::new(
                        "expected `,` or `)`",
                        t.span,
                        Some("separate arguments with commas".into()),
                    ));
                }
            }
        }
        let close = self.bump()?;
        self.depth -= 1;
        Ok((args, close.span.end))
    }

    fn parse_arg(&mut self, json: bool) -> Result<Arg<'a>, TypeError> {
        let t = self.peek()?.clone();
        match t.tok {
            Tok::Str(_) => self.parse_string_arg(t.span.start),
            Tok::Num(_) | Tok::Punct(b'-' | b'+') => Ok(Arg::Literal(self.parse_literal()?)),
            Tok::Punct(b'[') => self.parse_array_arg(t.span.start),
            Tok::Word(w) if json && w.eq_ignore_ascii_case("SKIP") => self.parse_skip(t.span.start),
            Tok::Word(w) => self.parse_word_arg(w, t.span.start),
            Tok::Quoted(_) => {
                let (name, name_span) = self.parse_path()?;
                let ty = self.parse_type()?;
                Ok(Arg::Named {
                    name,
                    name_span,
                    ty,
                })
            }
            Tok::End => Err(TypeError::new(
                "unbalanced `(`: missing `)`",
                t.span,
                Some("add the closing `)`".into()),
            )),
            _ => Err(TypeError::new("expected a type or a literal", t.span, None)),
        }
    }

    /// A string is a literal argument unless `=` follows: then it names an `Enum` entry, and
    /// the entry's value comes after.
    fn parse_string_arg(&mut self, start: usize) -> Result<Arg<'a>, TypeError> {
        let lit = self.parse_literal()?;
        if let Literal::Str { value: name, .. } = &lit
            && self.peek_punct(b'=')?
        {
            self.bump()?;
            let value = self.parse_literal()?;
            let span = start..value.span().end;
            return Ok(Arg::EnumEntry {
                name: name.clone(),
                value,
                span,
            });
        }
        Ok(Arg::Literal(lit))
    }

    /// `[0.25, 0.75]`: an array of literals, as aggregate function parameters take
    /// (`quantiles(...)` levels); never an array of types.
    fn parse_array_arg(&mut self, start: usize) -> Result<Arg<'a>, TypeError> {
        self.bump()?;
        let mut items = Vec::new();
        loop {
            if self.peek_punct(b']')? {
                break;
            }
            items.push(self.parse_literal()?);
            if self.peek_punct(b',')? {
                self.bump()?;
            } else if !self.peek_punct(b']')? {
                let bad = self.peek()?.span.clone();
                return Err(TypeError::new("expected `,` or `]`", bad, None));
            }
        }
        let close = self.bump()?;
        Ok(Arg::Array(items, start..close.span.end))
    }

    /// JSON's `SKIP path` and `SKIP REGEXP 'pattern'`, recognised only inside `JSON(...)`:
    /// elsewhere `SKIP` is an ordinary word (a tuple element may be named so).
    fn parse_skip(&mut self, start: usize) -> Result<Arg<'a>, TypeError> {
        self.bump()?;
        if let Tok::Word(r) = self.peek()?.tok
            && r.eq_ignore_ascii_case("REGEXP")
        {
            self.bump()?;
            let lit = self.parse_literal()?;
            let Literal::Str { value, span } = lit else {
                return Err(TypeError::new(
                    "SKIP REGEXP needs a string literal",
                    lit.span(),
                    Some("quote the regular expression: SKIP REGEXP 'a\\..*'".into()),
                ));
            };
            return Ok(Arg::Skip {
                regexp: true,
                path: value,
                span: start..span.end,
            });
        }
        let (path, span) = self.parse_path()?;
        Ok(Arg::Skip {
            regexp: false,
            path,
            span: start..span.end,
        })
    }

    /// A word starts a setting (`key = value`), a named element (`name Type`, `a.b Type`) or
    /// a type. Multi-word type names (`DOUBLE PRECISION`) look like a name followed by a type,
    /// so a word pair that begins one is read as the type.
    fn parse_word_arg(&mut self, w: &'a str, start: usize) -> Result<Arg<'a>, TypeError> {
        if self.peek_n(1)?.tok == Tok::Punct(b'=') {
            self.bump()?;
            self.bump()?;
            let value = self.parse_literal()?;
            let span = start..value.span().end;
            return Ok(Arg::Setting {
                key: w,
                value,
                span,
            });
        }
        let next = self.peek_n(1)?.tok.clone();
        let is_named = match next {
            Tok::Punct(b'.') | Tok::Quoted(_) => true,
            Tok::Word(_) => {
                !names::starts_multi_word(w) || !names::is_multi_word_prefix_pair(w, &next)
            }
            _ => false,
        };
        if is_named {
            let (name, name_span) = self.parse_path()?;
            let ty = self.parse_type()?;
            return Ok(Arg::Named {
                name,
                name_span,
                ty,
            });
        }
        Ok(Arg::Type(self.parse_type()?))
    }

    /// `a`, `a.b`, `` `a.b`.c ``: a name of a tuple element or a JSON path.
    fn parse_path(&mut self) -> Result<(Cow<'a, str>, Range<usize>), TypeError> {
        let mut out: Option<String> = None;
        let mut first: Option<Cow<'a, str>> = None;
        let mut span: Option<Range<usize>> = None;
        loop {
            let t = self.bump()?;
            let part = match t.tok {
                Tok::Word(w) => Cow::Borrowed(w),
                Tok::Quoted(q) => q,
                _ => {
                    return Err(TypeError::new(
                        "expected a name",
                        t.span,
                        Some("names are identifiers or `backquoted`".into()),
                    ));
                }
            };
            span = Some(span.map_or(t.span.clone(), |s| s.start..t.span.end));
            match (&mut out, first.take()) {
                (Some(buf), _) => buf.push_str(&part),
                (None, None) => first = Some(part),
                (None, Some(prev)) => {
                    let mut buf = prev.into_owned();
                    buf.push('.');
                    buf.push_str(&part);
                    out = Some(buf);
                }
            }
            if !self.peek_punct(b'.')? {
                break;
            }
            self.bump()?;
            if let Some(buf) = out.as_mut() {
                buf.push('.');
            } else if let Some(prev) = first.take() {
                let mut buf = prev.into_owned();
                buf.push('.');
                out = Some(buf);
            }
        }
        let name = out.map(Cow::Owned).or(first).unwrap_or(Cow::Borrowed(""));
        Ok((name, span.unwrap_or(0..0)))
    }

    fn parse_literal(&mut self) -> Result<Literal<'a>, TypeError> {
        let t = self.bump()?;
        match t.tok {
            Tok::Str(value) => Ok(Literal::Str {
                value,
                span: t.span,
            }),
            Tok::Num(n) => Ok(Literal::Num {
                text: Cow::Borrowed(n),
                span: t.span,
            }),
            Tok::Punct(sign @ (b'-' | b'+')) => {
                let n = self.bump()?;
                let Tok::Num(digits) = n.tok else {
                    return Err(TypeError::new(
                        "expected a number after the sign",
                        n.span,
                        None,
                    ));
                };
                let text = if sign == b'-' {
                    Cow::Owned(format!("-{digits}"))
                } else {
                    Cow::Borrowed(digits)
                };
                Ok(Literal::Num {
                    text,
                    span: t.span.start..n.span.end,
                })
            }
            _ => Err(TypeError::new(
                "expected a number or a string literal",
                t.span,
                None,
            )),
        }
    }
}
