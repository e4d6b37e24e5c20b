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

mod compile;

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
impl Pattern {
    /// Compiles `source`.
    pub fn new(source: &str) -> Result<Self, PatternError> {
        let (program, groups, icase) = compile::compile(source)?;
        Ok(Self {
            source: source.to_owned(),
            program,
            groups,
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
