//! Parsing a pattern into a tree and compiling the tree into the backtracking VM's program.

use super::{Class, Inst, Kind, MAX_PROGRAM, PatternError};

/// Most arcs a counted repetition may expand to (keeps programs small).
const MAX_REPEAT: u32 = 100;

#[derive(Clone, Debug)]
enum Node {
    Empty,
    Char(char),
    Any,
    Class(Class),
    Start,
    End,
    Group(Box<Node>, Option<usize>),
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat {
        node: Box<Node>,
        min: u32,
        max: Option<u32>,
        greedy: bool,
    },
}

struct Parser<'a> {
    chars: Vec<char>,
    at: usize,
    groups: usize,
    source: &'a str,
}

impl Parser<'_> {
    fn fail<T>(&self, reason: impl Into<String>) -> Result<T, PatternError> {
        Err(PatternError {
            pattern: self.source.to_owned(),
            reason: reason.into(),
        })
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn alternation(&mut self, depth: usize) -> Result<Node, PatternError> {
        if depth > 50 {
            return self.fail("groups nested too deeply");
        }
        let mut branches = vec![self.concat(depth)?];
        while self.eat('|') {
            branches.push(self.concat(depth)?);
        }
        Ok(if branches.len() == 1 {
            branches.pop().unwrap_or(Node::Empty)
        } else {
            Node::Alt(branches)
        })
    }

    fn concat(&mut self, depth: usize) -> Result<Node, PatternError> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom(depth)?;
            items.push(self.quantified(atom)?);
        }
        Ok(Node::Concat(items))
    }

    fn quantified(&mut self, atom: Node) -> Result<Node, PatternError> {
        let (min, max) = match self.peek() {
            Some(c @ ('*' | '+' | '?')) => {
                self.at += 1;
                match c {
                    '*' => (0, None),
                    '+' => (1, None),
                    _ => (0, Some(1)),
                }
            }
            Some('{') => match self.counted()? {
                Some(bounds) => bounds,
                None => return Ok(atom),
            },
            _ => return Ok(atom),
        };
        if matches!(atom, Node::Start | Node::End | Node::Empty) {
            return self.fail("nothing to repeat");
        }
        let greedy = !self.eat('?');
        Ok(Node::Repeat {
            node: Box::new(atom),
            min,
            max,
            greedy,
        })
    }

    /// `{n}`, `{n,}`, `{n,m}`; a `{` not starting one of these is a literal.
    fn counted(&mut self) -> Result<Option<(u32, Option<u32>)>, PatternError> {
        let rest: String = self.chars[self.at..].iter().collect();
        let Some(close) = rest.find('}') else {
            return Ok(None);
        };
        let inner = &rest[1..close];
        let number = |t: &str| t.parse::<u32>().ok();
        let bounds = match inner.split_once(',') {
            None => number(inner).map(|n| (n, Some(n))),
            Some((lo, "")) => number(lo).map(|n| (n, None)),
            Some((lo, hi)) => number(lo).zip(number(hi)).map(|(a, b)| (a, Some(b))),
        };
        let Some((min, max)) = bounds else {
            return Ok(None);
        };
        if max.is_some_and(|m| m < min) || min > MAX_REPEAT || max.is_some_and(|m| m > MAX_REPEAT) {
            return self.fail(format!("bad repetition {{{inner}}}"));
        }
        self.at += inner.chars().count() + 2;
        Ok(Some((min, max)))
    }

    fn atom(&mut self, depth: usize) -> Result<Node, PatternError> {
        let Some(c) = self.peek() else {
            return self.fail("unexpected end");
        };
        self.at += 1;
        Ok(match c {
            '.' => Node::Any,
            '^' => Node::Start,
            '$' => Node::End,
            '(' => {
                let capture = if self.eat('?') {
                    if !self.eat(':') {
                        return self.fail("only (?: ) and a leading (?i) are supported");
                    }
                    None
                } else {
                    self.groups += 1;
                    Some(self.groups)
                };
                let inner = self.alternation(depth + 1)?;
                if !self.eat(')') {
                    return self.fail("missing )");
                }
                Node::Group(Box::new(inner), capture)
            }
            ')' => return self.fail("unmatched )"),
            '[' => Node::Class(self.class()?),
            '*' | '+' | '?' => return self.fail("nothing to repeat"),
            '\\' => self.escape()?,
            other => Node::Char(other),
        })
    }

    fn escape(&mut self) -> Result<Node, PatternError> {
        let Some(c) = self.peek() else {
            return self.fail("trailing backslash");
        };
        self.at += 1;
        let kind = |kind, negated| {
            Node::Class(Class {
                negated: false,
                ranges: Vec::new(),
                kinds: vec![(kind, negated)],
            })
        };
        Ok(match c {
            'd' => kind(Kind::Digit, false),
            'D' => kind(Kind::Digit, true),
            'w' => kind(Kind::Word, false),
            'W' => kind(Kind::Word, true),
            's' => kind(Kind::Space, false),
            'S' => kind(Kind::Space, true),
            't' => Node::Char('\t'),
            'n' => Node::Char('\n'),
            'r' => Node::Char('\r'),
            c if c.is_ascii_alphanumeric() => {
                return self.fail(format!("unsupported escape \\{c}"));
            }
            c => Node::Char(c),
        })
    }

    fn class(&mut self) -> Result<Class, PatternError> {
        let mut class = Class {
            negated: self.eat('^'),
            ..Class::default()
        };
        let mut first = true;
        loop {
            let Some(c) = self.peek() else {
                return self.fail("missing ]");
            };
            self.at += 1;
            if c == ']' && !first {
                return Ok(class);
            }
            first = false;
            let lo = if c == '\\' {
                let Some(e) = self.peek() else {
                    return self.fail("trailing backslash");
                };
                self.at += 1;
                match e {
                    'd' | 'D' | 'w' | 'W' | 's' | 'S' => {
                        let kind = match e.to_ascii_lowercase() {
                            'd' => Kind::Digit,
                            'w' => Kind::Word,
                            _ => Kind::Space,
                        };
                        class.kinds.push((kind, e.is_ascii_uppercase()));
                        continue;
                    }
                    't' => '\t',
                    'n' => '\n',
                    'r' => '\r',
                    e => e,
                }
            } else {
                c
            };
            let is_range =
                self.peek() == Some('-') && self.chars.get(self.at + 1).is_some_and(|&n| n != ']');
            if is_range {
                self.at += 1;
                let mut hi = self.chars.get(self.at).copied().unwrap_or(lo);
                self.at += 1;
                if hi == '\\' {
                    hi = self.chars.get(self.at).copied().unwrap_or(lo);
                    self.at += 1;
                }
                if hi < lo {
                    return self.fail(format!("bad range {lo}-{hi}"));
                }
                class.ranges.push((lo, hi));
            } else {
                class.ranges.push((lo, lo));
            }
        }
    }
}

struct Compiler {
    program: Vec<Inst>,
}

impl Compiler {
    fn emit(&mut self, inst: Inst) -> usize {
        self.program.push(inst);
        self.program.len() - 1
    }

    fn patch(&mut self, at: usize, inst: Inst) {
        if let Some(slot) = self.program.get_mut(at) {
            *slot = inst;
        }
    }

    fn node(&mut self, node: &Node) -> Result<(), &'static str> {
        if self.program.len() > MAX_PROGRAM {
            return Err("pattern too large");
        }
        match node {
            Node::Empty => {}
            Node::Char(c) => {
                self.emit(Inst::Char(*c));
            }
            Node::Any => {
                self.emit(Inst::Any);
            }
            Node::Class(c) => {
                self.emit(Inst::Class(c.clone()));
            }
            Node::Start => {
                self.emit(Inst::Start);
            }
            Node::End => {
                self.emit(Inst::End);
            }
            Node::Group(inner, capture) => {
                if let Some(n) = capture {
                    self.emit(Inst::Save(2 * n));
                }
                self.node(inner)?;
                if let Some(n) = capture {
                    self.emit(Inst::Save(2 * n + 1));
                }
            }
            Node::Concat(items) => {
                for item in items {
                    self.node(item)?;
                }
            }
            Node::Alt(branches) => {
                let mut jumps = Vec::new();
                for (i, branch) in branches.iter().enumerate() {
                    if i + 1 < branches.len() {
                        let split = self.emit(Inst::Jmp(0));
                        self.node(branch)?;
                        jumps.push(self.emit(Inst::Jmp(0)));
                        let next = self.program.len();
                        self.patch(split, Inst::Split(split + 1, next));
                    } else {
                        self.node(branch)?;
                    }
                }
                let end = self.program.len();
                for j in jumps {
                    self.patch(j, Inst::Jmp(end));
                }
            }
            Node::Repeat {
                node,
                min,
                max,
                greedy,
            } => {
                for _ in 0..*min {
                    self.node(node)?;
                }
                match max {
                    None => {
                        // L: split body, end; body; jmp L
                        let split = self.emit(Inst::Jmp(0));
                        self.node(node)?;
                        self.emit(Inst::Jmp(split));
                        let end = self.program.len();
                        self.patch(split, self.split(*greedy, split + 1, end));
                    }
                    Some(max) => {
                        let mut splits = Vec::new();
                        for _ in *min..*max {
                            splits.push(self.emit(Inst::Jmp(0)));
                            self.node(node)?;
                        }
                        let end = self.program.len();
                        for s in splits {
                            self.patch(s, self.split(*greedy, s + 1, end));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn split(&self, greedy: bool, body: usize, end: usize) -> Inst {
        if greedy {
            Inst::Split(body, end)
        } else {
            Inst::Split(end, body)
        }
    }
}

/// The program of `source`, its number of groups, and whether it ignores case.
pub(super) fn compile(source: &str) -> Result<(Vec<Inst>, usize, bool), PatternError> {
    let (body, icase) = match source.strip_prefix("(?i)") {
        Some(rest) => (rest, true),
        None => (source, false),
    };
    let mut parser = Parser {
        chars: body.chars().collect(),
        at: 0,
        groups: 0,
        source,
    };
    let tree = parser.alternation(0)?;
    if parser.at < parser.chars.len() {
        return parser.fail("unmatched )");
    }
    let mut compiler = Compiler {
        program: Vec::new(),
    };
    let too_large = |reason: &str| PatternError {
        pattern: source.to_owned(),
        reason: reason.to_owned(),
    };
    compiler
        .node(&Node::Group(Box::new(tree), Some(0)))
        .map_err(too_large)?;
    compiler.emit(Inst::Match);
    if compiler.program.len() > MAX_PROGRAM {
        return Err(too_large("pattern too large"));
    }
    Ok((compiler.program, parser.groups, icase))
}
