//! The names eagerly gives the tables of a statement (`t0`, `j1`, `c2`, `l0`, `q0`). They are
//! never quoted and never a user's name: a user's tables and columns are always quoted
//! identifiers, so `t0` and `"t0"` cannot be confused.

use std::fmt;

/// A table alias in a statement: the queried table, a joined one, a counting subquery's,
/// or the link table of a many-to-many prefetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Alias {
    /// `t0`: the queried table.
    Base,
    /// `j1`, `j2`, ..: a `select_related` JOIN.
    Join(u16),
    /// `c1`, ..: a `with_count` subquery.
    Count(u16),
    /// `l0`: the link table of a many-to-many batch.
    Link,
    /// `q0`: a subquery in `FROM` (PostgreSQL 15 requires it be named).
    Derived,
}

impl Alias {
    /// Appends the alias to `out`; without `fmt`, which would cost more than the rest of
    /// writing a statement.
    pub(crate) fn push_to(self, out: &mut String) {
        let (letter, number) = match self {
            Alias::Base => return out.push_str("t0"),
            Alias::Link => return out.push_str("l0"),
            Alias::Derived => return out.push_str("q0"),
            Alias::Join(n) => ('j', n),
            Alias::Count(n) => ('c', n),
        };
        out.push(letter);
        let mut digits = [0u8; 5];
        let mut rest = number;
        let mut start = digits.len();
        loop {
            start -= 1;
            digits[start] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        digits[start..].iter().for_each(|&d| out.push(char::from(d)));
    }
}

impl fmt::Display for Alias {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::with_capacity(6);
        self.push_to(&mut text);
        f.write_str(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_print_their_number() {
        let printed: Vec<String> = [
            Alias::Base,
            Alias::Link,
            Alias::Derived,
            Alias::Join(1),
            Alias::Count(12),
            Alias::Join(65535),
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(printed, ["t0", "l0", "q0", "j1", "c12", "j65535"]);
    }
}
