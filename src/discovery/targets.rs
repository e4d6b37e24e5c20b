//! The addresses of a sweep: inclusive ranges and CIDR blocks minus exclusions, merged, counted
//! exactly and iterated lazily (a /16 is never held in memory).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Most addresses one sweep accepts (a /8): beyond that a typo (an IPv6 /64…) is more likely
/// than intent.
pub const MAX_ADDRESSES: u128 = 1 << 24;

/// Why a target specification was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    /// First and last are of different families.
    #[error("range {first} - {last} mixes IPv4 and IPv6")]
    MixedFamilies {
        /// First address.
        first: IpAddr,
        /// Last address.
        last: IpAddr,
    },
    /// Last is before first.
    #[error("range {first} - {last} ends before it starts")]
    Reversed {
        /// First address.
        first: IpAddr,
        /// Last address.
        last: IpAddr,
    },
    /// A prefix length beyond the family's width.
    #[error("prefix length /{prefix} is too long for {addr}")]
    BadPrefix {
        /// The address.
        addr: IpAddr,
        /// The prefix length.
        prefix: u8,
    },
    /// More than [`MAX_ADDRESSES`].
    #[error("{count} addresses is more than one sweep accepts ({MAX_ADDRESSES}); split the range")]
    TooLarge {
        /// Addresses asked for.
        count: u128,
    },
    /// Nothing to scan.
    #[error("no address to scan (every address is excluded)")]
    Empty,
}

/// An inclusive address interval of one family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Block {
    v6: bool,
    start: u128,
    end: u128,
}

fn bits(ip: IpAddr) -> (bool, u128) {
    match ip {
        IpAddr::V4(a) => (false, u128::from(u32::from(a))),
        IpAddr::V6(a) => (true, u128::from(a)),
    }
}

fn addr(v6: bool, n: u128) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::from(n))
    } else {
        // Values of a v4 block never exceed u32::MAX.
        IpAddr::V4(Ipv4Addr::from(u32::try_from(n).unwrap_or(u32::MAX)))
    }
}

impl Block {
    /// `first` to `last`, inclusive.
    pub fn range(first: IpAddr, last: IpAddr) -> Result<Self, TargetError> {
        let (v6, start) = bits(first);
        let (v6b, end) = bits(last);
        if v6 != v6b {
            return Err(TargetError::MixedFamilies { first, last });
        }
        if end < start {
            return Err(TargetError::Reversed { first, last });
        }
        Ok(Self { v6, start, end })
    }

    /// A CIDR block; host bits of `addr` are ignored. Like FusionInventory's ranges, network
    /// and broadcast addresses are included.
    pub fn cidr(addr: IpAddr, prefix: u8) -> Result<Self, TargetError> {
        let (v6, n) = bits(addr);
        let width: u32 = if v6 { 128 } else { 32 };
        if u32::from(prefix) > width {
            return Err(TargetError::BadPrefix { addr, prefix });
        }
        let host_bits = width - u32::from(prefix);
        let mask = if host_bits == 128 {
            u128::MAX
        } else {
            (1u128 << host_bits) - 1
        };
        Ok(Self {
            v6,
            start: n & !mask,
            end: n | mask,
        })
    }

    /// Number of addresses.
    #[must_use]
    pub fn len(&self) -> u128 {
        (self.end - self.start).saturating_add(1)
    }

    /// Never empty; present for symmetry with `len`.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        false
    }

    /// First address.
    #[must_use]
    pub fn first(&self) -> IpAddr {
        addr(self.v6, self.start)
    }

    /// Last address.
    #[must_use]
    pub fn last(&self) -> IpAddr {
        addr(self.v6, self.end)
    }
}

/// The addresses to sweep: merged blocks minus exclusions, in address order (IPv4 first).
#[derive(Clone, Debug)]
pub struct Targets {
    blocks: Vec<Block>,
    count: u128,
}

fn merge(mut blocks: Vec<Block>) -> Vec<Block> {
    blocks.sort_by_key(|b| (b.v6, b.start));
    let mut out: Vec<Block> = Vec::with_capacity(blocks.len());
    for b in blocks {
        match out.last_mut() {
            Some(prev) if prev.v6 == b.v6 && b.start <= prev.end.saturating_add(1) => {
                prev.end = prev.end.max(b.end);
            }
            _ => out.push(b),
        }
    }
    out
}

impl Targets {
    /// Builds the target set.
    pub fn new(include: Vec<Block>, exclude: Vec<Block>) -> Result<Self, TargetError> {
        let exclude = merge(exclude);
        let mut blocks = Vec::new();
        for b in merge(include) {
            let mut pieces = vec![b];
            for x in exclude.iter().filter(|x| x.v6 == b.v6) {
                pieces = pieces.into_iter().flat_map(|p| subtract(p, *x)).collect();
            }
            blocks.extend(pieces);
        }
        let count = blocks
            .iter()
            .map(Block::len)
            .fold(0u128, u128::saturating_add);
        if count == 0 {
            return Err(TargetError::Empty);
        }
        if count > MAX_ADDRESSES {
            return Err(TargetError::TooLarge { count });
        }
        Ok(Self { blocks, count })
    }

    /// Number of addresses.
    #[must_use]
    pub fn len(&self) -> u128 {
        self.count
    }

    /// True when there is nothing to scan (never, once built).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The blocks, after merging and exclusion.
    #[must_use]
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// Every address, lazily.
    pub fn iter(&self) -> impl Iterator<Item = IpAddr> + Send + '_ {
        self.blocks
            .iter()
            .flat_map(|b| (b.start..=b.end).map(move |n| addr(b.v6, n)))
    }
}

/// `b` minus `x` (zero, one or two pieces).
fn subtract(b: Block, x: Block) -> Vec<Block> {
    if x.end < b.start || x.start > b.end {
        return vec![b];
    }
    let mut out = Vec::with_capacity(2);
    if x.start > b.start {
        out.push(Block {
            end: x.start - 1,
            ..b
        });
    }
    if x.end < b.end {
        out.push(Block {
            start: x.end + 1,
            ..b
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ranges_and_cidrs_merge_and_count() {
        let t = Targets::new(
            vec![
                Block::range(ip("10.0.0.250"), ip("10.0.1.5")).unwrap(),
                Block::cidr(ip("10.0.1.77"), 24).unwrap(),
                Block::cidr(ip("::1"), 128).unwrap(),
            ],
            vec![],
        )
        .unwrap();
        assert_eq!(t.len(), 6 + 256 + 1);
        let all: Vec<IpAddr> = t.iter().collect();
        assert_eq!(all.len() as u128, t.len());
        assert_eq!(all[0], ip("10.0.0.250"));
        assert_eq!(all[all.len() - 2], ip("10.0.1.255"));
        assert_eq!(all[all.len() - 1], ip("::1"));
    }

    #[test]
    fn exclusions_cut_holes() {
        let t = Targets::new(
            vec![Block::cidr(ip("192.168.1.0"), 24).unwrap()],
            vec![
                Block::cidr(ip("192.168.1.0"), 32).unwrap(),
                Block::cidr(ip("192.168.1.255"), 32).unwrap(),
                Block::range(ip("192.168.1.10"), ip("192.168.1.19")).unwrap(),
            ],
        )
        .unwrap();
        assert_eq!(t.len(), 256 - 2 - 10);
        assert!(
            t.iter()
                .all(|a| a != ip("192.168.1.15") && a != ip("192.168.1.0"))
        );
        assert_eq!(t.blocks().len(), 2);
    }

    #[test]
    fn bad_specs_are_clear_errors() {
        assert!(matches!(
            Block::range(ip("10.0.0.5"), ip("10.0.0.1")),
            Err(TargetError::Reversed { .. })
        ));
        assert!(matches!(
            Block::range(ip("10.0.0.5"), ip("::1")),
            Err(TargetError::MixedFamilies { .. })
        ));
        assert!(matches!(
            Block::cidr(ip("10.0.0.0"), 33),
            Err(TargetError::BadPrefix { .. })
        ));
        let big = Targets::new(vec![Block::cidr(ip("2001:db8::"), 64).unwrap()], vec![]);
        assert!(matches!(big, Err(TargetError::TooLarge { .. })));
        let none = Targets::new(
            vec![Block::cidr(ip("10.0.0.0"), 30).unwrap()],
            vec![Block::cidr(ip("10.0.0.0"), 24).unwrap()],
        );
        assert_eq!(none.unwrap_err(), TargetError::Empty);
        // /0 of IPv4 is a valid block, but too large to sweep.
        assert_eq!(Block::cidr(ip("0.0.0.0"), 0).unwrap().len(), 1 << 32);
    }
}
