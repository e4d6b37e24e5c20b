//! A small regular-expression engine for the identification data (`match`, `reject`, `when`):
//! the subset of Perl syntax the rules need, matched in linear time.
//!
//! Syntax: literals; `.`; classes `[a-z_]`, `[^-]` (with `\d \w \s` inside); escapes `\d \D \w \W
//! \s \S \t \n \r` and escaped metacharacters (`\.`, `\(`…); groups `( )` (capturing) and
//! `(?: )`; alternation `|`; greedy `* + ? {n} {n,} {n,m}` and lazy `*? +? ??`; anchors `^ $`; a
//! leading `(?i)` makes the whole pattern case-insensitive. `\d` is an ASCII digit, `\w` a
//! letter, digit or `_`, `\s` any Unicode white space.
//!
//! Matching is a backtracking VM with a visited set over (instruction, position), so every
//! search is bounded by program size × text length: no input can make it explode.

use std::fmt;

/// Most arcs a counted repetition may expand to (keeps programs small).
const MAX_REPEAT: u32 = 100;
/// Largest compiled program accepted.
const MAX_PROGRAM: usize = 4_000;
/// Longest text searched; the rest is ignored (device strings are short). With
/// `MAX_PROGRAM` this bounds the visited set to 4 MiB.
const MAX_TEXT: usize = 8 * 1024;

/// A compiled pattern.
#[derive(Clone)]
pub struct Pattern {
    source: String,
    program: Vec<Inst>,
    groups: usize,
    icase: bool,
}

/// Why a pattern was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid pattern {pattern:?}: {reason}")]
pub struct PatternError {
    /// The pattern text.
    pub pattern: String,
    /// What is wrong.
    pub reason: String,
}

#[derive(Clone, Debug)]
enum Inst {
    Char(char),
    Any,
    Class(Class),
    Start,
    End,
    Save(usize),
    Split(usize, usize),
    Jmp(usize),
    Match,
}

#[derive(Clone, Debug, Default)]
struct Class {
    negated: bool,
    ranges: Vec<(char, char)>,
    kinds: Vec<(Kind, bool)>,
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Digit,
    Word,
    Space,
}

impl Kind {
    fn has(self, c: char) -> bool {
        match self {
            Kind::Digit => c.is_ascii_digit(),
            Kind::Word => c.is_alphanumeric() || c == '_',
            Kind::Space => c.is_whitespace(),
        }
    }
}

impl Class {
    fn has(&self, c: char, icase: bool) -> bool {
        let test = |c: char| {
            self.ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi)
                || self.kinds.iter().any(|&(k, neg)| k.has(c) != neg)
        };
        let hit = test(c) || (icase && (test(lower(c)) || test(upper(c))));
        hit != self.negated
    }
}

fn lower(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

fn upper(c: char) -> char {
    c.to_uppercase().next().unwrap_or(c)
}

/// Parse tree.
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

impl Pattern {
    /// Compiles `source`.
    pub fn new(source: &str) -> Result<Self, PatternError> {
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
        compiler
            .node(&Node::Group(Box::new(tree), Some(0)))
            .map_err(|reason| PatternError {
                pattern: source.to_owned(),
                reason: reason.to_owned(),
            })?;
        compiler.emit(Inst::Match);
        if compiler.program.len() > MAX_PROGRAM {
            return Err(PatternError {
                pattern: source.to_owned(),
                reason: "pattern too large".to_owned(),
            });
        }
        Ok(Self {
            source: source.to_owned(),
            program: compiler.program,
            groups: parser.groups,
            icase,
        })
    }

    /// The pattern text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// True when the pattern matches somewhere in `text`.
    #[must_use]
    pub fn is_match(&self, text: &str) -> bool {
        self.captures(text).is_some()
    }

    /// The first match: the whole match then each group (`None` for a group that took no
    /// part).
    #[must_use]
    pub fn captures(&self, text: &str) -> Option<Vec<Option<String>>> {
        let chars: Vec<char> = text.chars().take(MAX_TEXT).collect();
        let slots = self.search(&chars)?;
        Some(
            (0..=self.groups)
                .map(|g| match (slots.get(2 * g), slots.get(2 * g + 1)) {
                    (Some(Some(a)), Some(Some(b))) if a <= b => {
                        Some(chars[*a..*b].iter().collect())
                    }
                    _ => None,
                })
                .collect(),
        )
    }

    /// The value a rule extracts: group 1 when the pattern has groups (`None` if it did not
    /// take part), else the whole match.
    #[must_use]
    pub fn extract(&self, text: &str) -> Option<String> {
        let caps = self.captures(text)?;
        let at = usize::from(self.groups > 0);
        caps.into_iter().nth(at).flatten()
    }

    fn search(&self, text: &[char]) -> Option<Vec<Option<usize>>> {
        let width = text.len() + 1;
        let mut visited = vec![0u64; (self.program.len() * width).div_ceil(64)];
        let nslots = 2 * (self.groups + 1);
        for start in 0..=text.len() {
            let mut slots = vec![None; nslots];
            // Explicit stack: (pc, position) to run, or a slot to restore on backtrack.
            let mut stack: Vec<Frame> = vec![Frame::Run(0, start)];
            while let Some(frame) = stack.pop() {
                let (mut pc, mut at) = match frame {
                    Frame::Run(pc, at) => (pc, at),
                    Frame::Restore(slot, old) => {
                        if let Some(s) = slots.get_mut(slot) {
                            *s = old;
                        }
                        continue;
                    }
                };
                loop {
                    let key = pc * width + at;
                    match visited.get_mut(key / 64) {
                        Some(word) if *word & (1 << (key % 64)) == 0 => {
                            *word |= 1 << (key % 64);
                        }
                        _ => break,
                    }
                    let Some(inst) = self.program.get(pc) else {
                        break;
                    };
                    match inst {
                        Inst::Match => return Some(slots),
                        Inst::Char(c) => match text.get(at) {
                            Some(&t) if t == *c || (self.icase && lower(t) == lower(*c)) => {
                                pc += 1;
                                at += 1;
                            }
                            _ => break,
                        },
                        Inst::Any => match text.get(at) {
                            Some(&t) if t != '\n' => {
                                pc += 1;
                                at += 1;
                            }
                            _ => break,
                        },
                        Inst::Class(class) => match text.get(at) {
                            Some(&t) if class.has(t, self.icase) => {
                                pc += 1;
                                at += 1;
                            }
                            _ => break,
                        },
                        Inst::Start => {
                            if at != 0 {
                                break;
                            }
                            pc += 1;
                        }
                        Inst::End => {
                            let end =
                                at == text.len() || (at + 1 == text.len() && text[at] == '\n');
                            if !end {
                                break;
                            }
                            pc += 1;
                        }
                        Inst::Save(slot) => {
                            if let Some(s) = slots.get_mut(*slot) {
                                stack.push(Frame::Restore(*slot, *s));
                                *s = Some(at);
                            }
                            pc += 1;
                        }
                        Inst::Split(first, second) => {
                            stack.push(Frame::Run(*second, at));
                            pc = *first;
                        }
                        Inst::Jmp(to) => pc = *to,
                    }
                }
            }
        }
        None
    }
}

enum Frame {
    Run(usize, usize),
    Restore(usize, Option<usize>),
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pattern({:?})", self.source)
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for Pattern {}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(p: &str, t: &str) -> Option<String> {
        Pattern::new(p).unwrap().extract(t)
    }

    #[test]
    fn extracts_like_perl() {
        assert_eq!(
            ex(
                r"^ArubaOS\s+\(MODEL:\s*(.*)\)",
                "ArubaOS (MODEL: Aruba7210), Version 6.5.1.6 (60228)"
            )
            .as_deref(),
            Some("Aruba7210), Version 6.5.1.6 (60228")
        );
        assert_eq!(
            ex(r"^RouterOS\s+(.*)$", "RouterOS RB2011").as_deref(),
            Some("RB2011")
        );
        assert_eq!(ex(r"^([^-]+)", "isr9024-x").as_deref(), Some("isr9024"));
        assert_eq!(ex(r"(\S+)", "  first word").as_deref(), Some("first"));
        assert_eq!(
            ex(r"Linux TS-\d+", "Linux TS-459 2.6").as_deref(),
            Some("Linux TS-459")
        );
        assert_eq!(ex(r"Switch", "a switch"), None);
        assert_eq!(
            ex(r"(?i)^brother (.*)$", "BROTHER HL-5250").as_deref(),
            Some("HL-5250")
        );
        assert_eq!(
            ex(
                r"(?i)^Linux (TL-\S+) ([0-9.]+) #1",
                "linux TL-WR841 2.6.31 #1 x"
            ),
            Some("TL-WR841".to_owned())
        );
        assert_eq!(ex(r"a{2,3}", "caaaab").as_deref(), Some("aaa"));
        assert_eq!(ex(r"a+?", "aaa").as_deref(), Some("a"));
        assert_eq!(ex(r"^(?:ab|cd)+$", "abcdab").as_deref(), Some("abcdab"));
        assert_eq!(ex(r"x(y)?z", "xz"), None);
        assert_eq!(ex(r"[\d.]+", "v1.2.3 ").as_deref(), Some("1.2.3"));
        assert_eq!(ex(r"a$", "ba\n").as_deref(), Some("a"));
        assert_eq!(ex(r"a.c", "a\nc"), None);
    }

    #[test]
    fn rejects_bad_syntax() {
        for bad in [
            "(", ")", "a**", "[a", r"\", "*a", r"\q", "a{5,2}", "(?=a)", "a{1000}",
        ] {
            assert!(Pattern::new(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Pattern::new("a{b").is_ok());
    }

    #[test]
    fn pathological_patterns_stay_linear() {
        let p = Pattern::new("(a*)*b").unwrap();
        let text = "a".repeat(5000);
        assert!(!p.is_match(&text));
        let p = Pattern::new("(a|aa)+$").unwrap();
        assert!(p.is_match(&"a".repeat(3000)));
    }
}
