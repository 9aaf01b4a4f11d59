//! UTC instants at microsecond precision, and the ISO 8601 / RFC 3339 text forms every
//! dialect accepts.
//!
//! Accepted: `YYYY-MM-DD`, optionally followed by `T` (or a space) and `hh:mm`, `hh:mm:ss` or
//! `hh:mm:ss.f` (1 to 6 fraction digits), optionally followed by an offset `Z`, `+hh:mm`,
//! `+hhmm` or `+hh`. No offset means UTC. A date alone is midnight UTC.
//!
//! ```
//! use roster_ast::time::Timestamp;
//! let t: Timestamp = "2021-05-06T10:50:35+0000".parse().unwrap();
//! assert_eq!(t.to_string(), "2021-05-06T10:50:35Z");
//! let u: Timestamp = "2020-09-21T14:19:09.769747".parse().unwrap();
//! assert_eq!(u.micros(), 1_600_697_949_769_747);
//! ```

use std::fmt;
use std::str::FromStr;

/// Microseconds in one second.
pub const MICROS_PER_SEC: i64 = 1_000_000;
const SECS_PER_DAY: i64 = 86_400;

/// A UTC instant, in microseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Timestamp(pub i64);

/// Why a text is not a timestamp; `at` is the byte offset inside the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampError {
    /// Byte offset in the text where it went wrong.
    pub at: usize,
    /// What was expected there.
    pub expected: &'static str,
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid timestamp at byte {}: expected {}", self.at, self.expected)
    }
}

impl std::error::Error for TimestampError {}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date `(year, month, day)` of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// The broken-down civil form of an instant, at some offset from UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    /// Year (0..=9999 for instants Roster accepts).
    pub year: i64,
    /// Month, 1..=12.
    pub month: u32,
    /// Day of month, 1..=31.
    pub day: u32,
    /// Hour, 0..=23.
    pub hour: u32,
    /// Minute, 0..=59.
    pub minute: u32,
    /// Second, 0..=59.
    pub second: u32,
    /// Microseconds, 0..=999_999.
    pub micros: u32,
}

impl Timestamp {
    /// The earliest accepted instant, 0000-01-01T00:00:00Z.
    pub const MIN: Timestamp = Timestamp(-62_167_219_200 * MICROS_PER_SEC);
    /// The latest accepted instant, 9999-12-31T23:59:59.999999Z.
    pub const MAX: Timestamp = Timestamp(253_402_300_800 * MICROS_PER_SEC - 1);

    /// Microseconds since the Unix epoch.
    pub fn micros(self) -> i64 {
        self.0
    }

    /// Whole seconds since the Unix epoch (floor).
    pub fn unix_seconds(self) -> i64 {
        self.0.div_euclid(MICROS_PER_SEC)
    }

    /// The civil date and time of this instant shifted by `offset_seconds` from UTC.
    pub fn civil(self, offset_seconds: i64) -> Civil {
        let local = self.0 + offset_seconds * MICROS_PER_SEC;
        let secs = local.div_euclid(MICROS_PER_SEC);
        let micros = local.rem_euclid(MICROS_PER_SEC) as u32;
        let days = secs.div_euclid(SECS_PER_DAY);
        let sod = secs.rem_euclid(SECS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: (sod / 3600) as u32,
            minute: (sod % 3600 / 60) as u32,
            second: (sod % 60) as u32,
            micros,
        }
    }

    /// Builds an instant from civil UTC parts; `None` when a part is out of range.
    pub fn from_civil(c: Civil) -> Option<Timestamp> {
        if !(0..=9999).contains(&c.year)
            || !(1..=12).contains(&c.month)
            || c.day == 0
            || c.day > days_in_month(c.year, c.month)
            || c.hour > 23
            || c.minute > 59
            || c.second > 59
            || c.micros > 999_999
        {
            return None;
        }
        let days = days_from_civil(c.year, c.month, c.day);
        let secs = days * SECS_PER_DAY + i64::from(c.hour) * 3600 + i64::from(c.minute) * 60 + i64::from(c.second);
        Some(Timestamp(secs * MICROS_PER_SEC + i64::from(c.micros)))
    }

    /// Parses the accepted ISO 8601 forms (see the module docs).
    pub fn parse(text: &str) -> Result<Timestamp, TimestampError> {
        Parser { b: text.as_bytes(), i: 0 }.timestamp()
    }

    /// Writes `YYYY-MM-DDThh:mm:ss[.ffffff]` of the instant at `offset_seconds` from UTC,
    /// without a zone designator. The fraction is written only when it is not zero.
    pub fn write_local(self, offset_seconds: i64, out: &mut impl fmt::Write) -> fmt::Result {
        let c = self.civil(offset_seconds);
        write!(out, "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", c.year, c.month, c.day, c.hour, c.minute, c.second)?;
        if c.micros != 0 {
            write!(out, ".{:06}", c.micros)?;
        }
        Ok(())
    }
}

/// RFC 3339 in UTC: `2020-09-21T14:19:09.769747Z` (fraction only when not zero).
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_local(0, f)?;
        f.write_str("Z")
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse(s)
    }
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn err<T>(&self, expected: &'static str) -> Result<T, TimestampError> {
        Err(TimestampError { at: self.i, expected })
    }

    fn digits(&mut self, n: usize, expected: &'static str) -> Result<u32, TimestampError> {
        let mut v = 0u32;
        for _ in 0..n {
            match self.b.get(self.i) {
                Some(c @ b'0'..=b'9') => {
                    v = v * 10 + u32::from(c - b'0');
                    self.i += 1;
                }
                _ => return self.err(expected),
            }
        }
        Ok(v)
    }

    fn byte(&mut self, c: u8, expected: &'static str) -> Result<(), TimestampError> {
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            Ok(())
        } else {
            self.err(expected)
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn timestamp(mut self) -> Result<Timestamp, TimestampError> {
        let year = self.digits(4, "a four-digit year")?;
        self.byte(b'-', "'-' after the year")?;
        let month_at = self.i;
        let month = self.digits(2, "a two-digit month")?;
        if !(1..=12).contains(&month) {
            return Err(TimestampError { at: month_at, expected: "a month from 01 to 12" });
        }
        self.byte(b'-', "'-' after the month")?;
        let day_at = self.i;
        let day = self.digits(2, "a two-digit day")?;
        if day == 0 || day > days_in_month(i64::from(year), month) {
            return Err(TimestampError { at: day_at, expected: "a day that exists in that month" });
        }
        let (mut hour, mut minute, mut second, mut micros) = (0, 0, 0, 0);
        if matches!(self.peek(), Some(b'T' | b't' | b' ')) {
            self.i += 1;
            let at = self.i;
            hour = self.digits(2, "a two-digit hour")?;
            if hour > 23 {
                return Err(TimestampError { at, expected: "an hour from 00 to 23" });
            }
            self.byte(b':', "':' after the hour")?;
            let at = self.i;
            minute = self.digits(2, "two-digit minutes")?;
            if minute > 59 {
                return Err(TimestampError { at, expected: "minutes from 00 to 59" });
            }
            if self.peek() == Some(b':') {
                self.i += 1;
                let at = self.i;
                second = self.digits(2, "two-digit seconds")?;
                if second > 59 {
                    return Err(TimestampError { at, expected: "seconds from 00 to 59" });
                }
                if self.peek() == Some(b'.') {
                    self.i += 1;
                    let start = self.i;
                    while let Some(c @ b'0'..=b'9') = self.peek() {
                        if self.i - start == 6 {
                            return self.err("at most six fraction digits (microseconds)");
                        }
                        micros = micros * 10 + u32::from(c - b'0');
                        self.i += 1;
                    }
                    let n = self.i - start;
                    if n == 0 {
                        return self.err("fraction digits after '.'");
                    }
                    micros *= 10u32.pow((6 - n) as u32);
                }
            }
        }
        let mut offset_secs: i64 = 0;
        match self.peek() {
            None => {}
            Some(b'Z' | b'z') => self.i += 1,
            Some(sign @ (b'+' | b'-')) => {
                self.i += 1;
                let at = self.i;
                let oh = self.digits(2, "a two-digit offset hour")?;
                let mut om = 0;
                if self.peek() == Some(b':') {
                    self.i += 1;
                    om = self.digits(2, "two-digit offset minutes")?;
                } else if self.peek().is_some() {
                    om = self.digits(2, "two-digit offset minutes")?;
                }
                if oh > 23 || om > 59 {
                    return Err(TimestampError { at, expected: "an offset from -23:59 to +23:59" });
                }
                offset_secs = i64::from(oh * 3600 + om * 60);
                if sign == b'-' {
                    offset_secs = -offset_secs;
                }
            }
            Some(_) => return self.err("'T', an offset ('Z', '+hh:mm') or the end of the timestamp"),
        }
        if self.i != self.b.len() {
            return self.err("the end of the timestamp");
        }
        let local = Timestamp::from_civil(Civil { year: i64::from(year), month, day, hour, minute, second, micros })
            .ok_or(TimestampError { at: 0, expected: "a valid date and time" })?;
        Ok(Timestamp(local.0 - offset_secs * MICROS_PER_SEC))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_known_instants() {
        assert_eq!(Timestamp::parse("1970-01-01T00:00:00Z").unwrap().0, 0);
        assert_eq!(Timestamp::parse("1970-01-01").unwrap().0, 0);
        // 2021-05-06T10:50:35Z = 1620298235 (checked with `date -u -d ... +%s`).
        assert_eq!(Timestamp::parse("2021-05-06T10:50:35+0000").unwrap().unix_seconds(), 1_620_298_235);
        assert_eq!(Timestamp::parse("2021-05-06T16:20:35+05:30").unwrap().unix_seconds(), 1_620_298_235);
        assert_eq!(Timestamp::parse("2021-05-06T05:50:35-05").unwrap().unix_seconds(), 1_620_298_235);
        assert_eq!(Timestamp::parse("1969-12-31T23:59:59.5Z").unwrap().0, -500_000);
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "2020-09-21T14:19:09.769747Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999Z",
            "2000-02-29T00:00:00.000001Z",
        ] {
            assert_eq!(Timestamp::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(Timestamp::MIN.to_string(), "0000-01-01T00:00:00Z");
        assert_eq!(Timestamp::MAX.to_string(), "9999-12-31T23:59:59.999999Z");
    }

    #[test]
    fn rejects_with_position() {
        assert_eq!(Timestamp::parse("2021-02-29").unwrap_err().at, 8);
        assert_eq!(Timestamp::parse("2021-13-01").unwrap_err().at, 5);
        assert_eq!(Timestamp::parse("2021-01-01T24:00").unwrap_err().at, 11);
        assert_eq!(Timestamp::parse("2021-01-01T10:00:00.1234567").unwrap_err().at, 26);
        assert_eq!(Timestamp::parse("2021-01-01x").unwrap_err().at, 10);
        assert_eq!(Timestamp::parse("").unwrap_err().at, 0);
        assert!(Timestamp::parse("2021-01-01T10:00:00+2400").is_err());
    }

    #[test]
    fn civil_inverse_over_wide_range() {
        for days in (-719_528..2_932_896).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
