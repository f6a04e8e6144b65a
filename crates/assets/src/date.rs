//! HTTP-date parsing (RFC 9110 §5.6.7): IMF-fixdate and the two obsolete forms recipients must accept.

/// Seconds since the Unix epoch for an HTTP-date, or `None` if `value` is not one.
///
/// Accepts exactly (RFC 9110 §5.6.7):
/// - IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, the only form senders generate;
/// - RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT`, whose two-digit year is read as 1970–2069: the RFC
///   asks for "the most recent year in the past with those digits" unless more than 50 years ahead,
///   which needs the current date, and this function is pure;
/// - asctime `Sun Nov  6 08:49:37 1994`.
///
/// Names are case-sensitive as the grammar says (`%s"Nov"`). No whitespace is trimmed: callers pass
/// the field value without OWS. A date before 1970 gives `None`, as does any invalid field (day 31 of
/// a 30-day month, hour 24, trailing bytes): RFC 9110 §13.1.3 and §13.1.4 then say to ignore the
/// header, which is what `None` leads to. A second of 60 (leap second) is accepted.
pub fn http_date_to_unix(value: &[u8]) -> Option<u64> {
    match value.len() {
        29 => imf_fixdate(value),
        24 => asctime(value),
        _ => rfc850(value),
    }
}

const SHORT_DAYS: [&[u8]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
const LONG_DAYS: [&[u8]; 7] = [
    b"Monday",
    b"Tuesday",
    b"Wednesday",
    b"Thursday",
    b"Friday",
    b"Saturday",
    b"Sunday",
];
const MONTHS: [&[u8]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// `Sun, 06 Nov 1994 08:49:37 GMT`
fn imf_fixdate(v: &[u8]) -> Option<u64> {
    if !SHORT_DAYS.contains(&&v[0..3]) || &v[3..5] != b", " || v[7] != b' ' || v[11] != b' ' {
        return None;
    }
    if v[16] != b' ' || &v[25..] != b" GMT" {
        return None;
    }
    let day = digits(&v[5..7])?;
    let month = month(&v[8..11])?;
    let year = digits(&v[12..16])?;
    to_unix(year, month, day, time_of_day(&v[17..25])?)
}

/// `Sunday, 06-Nov-94 08:49:37 GMT`
fn rfc850(v: &[u8]) -> Option<u64> {
    let comma = v.iter().position(|&b| b == b',')?;
    if !LONG_DAYS.contains(&&v[..comma]) {
        return None;
    }
    // After the day name: ", 06-Nov-94 08:49:37 GMT" is exactly 24 bytes.
    let r = &v[comma..];
    if r.len() != 24 || &r[..2] != b", " || r[4] != b'-' || r[8] != b'-' || r[11] != b' ' {
        return None;
    }
    if &r[20..] != b" GMT" {
        return None;
    }
    let day = digits(&r[2..4])?;
    let month = month(&r[5..8])?;
    let yy = digits(&r[9..11])?;
    let year = if yy < 70 { 2000 + yy } else { 1900 + yy };
    to_unix(year, month, day, time_of_day(&r[12..20])?)
}

/// `Sun Nov  6 08:49:37 1994` (the day is space-padded, or two digits)
fn asctime(v: &[u8]) -> Option<u64> {
    if !SHORT_DAYS.contains(&&v[0..3]) || v[3] != b' ' || v[7] != b' ' || v[10] != b' ' {
        return None;
    }
    if v[19] != b' ' {
        return None;
    }
    let month = month(&v[4..7])?;
    let day = if v[8] == b' ' {
        digits(&v[9..10])?
    } else {
        digits(&v[8..10])?
    };
    let year = digits(&v[20..24])?;
    to_unix(year, month, day, time_of_day(&v[11..19])?)
}

/// `HH:MM:SS` as seconds into the day.
fn time_of_day(t: &[u8]) -> Option<u64> {
    if t[2] != b':' || t[5] != b':' {
        return None;
    }
    let (h, m, s) = (digits(&t[0..2])?, digits(&t[3..5])?, digits(&t[6..8])?);
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(h * 3600 + m * 60 + s)
}

fn month(name: &[u8]) -> Option<u64> {
    let index = MONTHS.iter().position(|&m| m == name)?;
    Some(index as u64 + 1)
}

/// A fixed number of ASCII digits (1 to 4 here, so no overflow).
fn digits(d: &[u8]) -> Option<u64> {
    let mut n = 0;
    for &b in d {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
    }
    Some(n)
}

fn is_leap(year: u64) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn to_unix(year: u64, month: u64, day: u64, seconds: u64) -> Option<u64> {
    const LENGTHS: [u64; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    // `month` is 1..=12 (from `month()`); `get` says so without a panic path.
    let length = LENGTHS.get(month.wrapping_sub(1) as usize)?;
    let month_len = length + u64::from(month == 2 && is_leap(year));
    if year < 1970 || day == 0 || day > month_len {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + seconds)
}

/// Days from 1970-01-01 to a proleptic Gregorian date in 1970 or later.
///
/// Years are counted from March so the leap day ends the year; every 400-year era then has 146,097
/// days, and months from March follow a 153-days-per-5-months pattern.
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let year_of_era = y % 400;
    let month_from_march = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    // 719,468 days separate 0000-03-01 from 1970-01-01.
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_forms_of_rfc_9110() {
        // The examples of RFC 9110 §5.6.7, all the same instant.
        for v in [
            &b"Sun, 06 Nov 1994 08:49:37 GMT"[..],
            b"Sunday, 06-Nov-94 08:49:37 GMT",
            b"Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(
                http_date_to_unix(v),
                Some(784_111_777),
                "{}",
                core::str::from_utf8(v).unwrap()
            );
        }
    }

    #[test]
    fn valid_dates() {
        let cases: &[(&[u8], u64)] = &[
            (b"Thu, 01 Jan 1970 00:00:00 GMT", 0),
            (b"Tue, 29 Feb 2000 00:00:00 GMT", 951_782_400),
            (b"Thu, 29 Feb 2024 23:59:59 GMT", 1_709_251_199),
            (b"Mon, 01 Mar 2100 00:00:00 GMT", 4_107_542_400),
            (b"Fri, 31 Dec 9999 23:59:59 GMT", 253_402_300_799),
            (b"Sat, 31 Dec 2016 23:59:60 GMT", 1_483_228_800),
            (b"Thursday, 01-Jan-70 00:00:00 GMT", 0),
            (b"Tuesday, 29-Feb-00 00:00:00 GMT", 951_782_400),
            (b"Wednesday, 31-Dec-69 23:59:59 GMT", 3_155_759_999),
            (b"Thu Jan  1 00:00:00 1970", 0),
            (b"Thu Feb 29 23:59:59 2024", 1_709_251_199),
        ];
        for &(v, t) in cases {
            assert_eq!(
                http_date_to_unix(v),
                Some(t),
                "{}",
                core::str::from_utf8(v).unwrap()
            );
        }
    }

    #[test]
    fn invalid_dates() {
        let cases: &[&[u8]] = &[
            b"",
            b"yesterday",
            b"Sun, 06 Nov 1994 08:49:37 UTC",
            b"sun, 06 Nov 1994 08:49:37 GMT",
            b"Sun, 06 nov 1994 08:49:37 GMT",
            b"Xyz, 06 Nov 1994 08:49:37 GMT",
            b"Sun, 6 Nov 1994 08:49:37 GMT",
            b"Sun, 06 Nov 1994 08:49:37 GMT ",
            b" Sun, 06 Nov 1994 08:49:37 GMT",
            b"Sun, 06 Nov 1994 24:00:00 GMT",
            b"Sun, 06 Nov 1994 23:60:00 GMT",
            b"Sun, 06 Nov 1994 23:59:61 GMT",
            b"Sun, 00 Nov 1994 08:49:37 GMT",
            b"Sun, 31 Nov 1994 08:49:37 GMT",
            b"Sun, 29 Feb 1900 08:49:37 GMT",
            b"Sun, 29 Feb 2023 08:49:37 GMT",
            b"Sun, 06 Nov 1969 08:49:37 GMT",
            b"Sun, 06 Nov 19a4 08:49:37 GMT",
            b"Sun, 06 Nov 1994 08-49-37 GMT",
            b"Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT",
            b"Sun, 06-Nov-94 08:49:37 GMT",
            b"Sunday, 06 Nov 1994 08:49:37 GMT",
            b"Sunday, 06-Nov-1994 08:49:37 GMT",
            b"Sun Nov 06 08:49:37 94",
            b"Sun Nov  6 08:49:37 1994 ",
            b"Sun Nov 6  08:49:37 1994",
            b"1994-11-06T08:49:37Z",
            "Sun, 06 Nov 1994 08:49:37 G\u{e9}".as_bytes(),
        ];
        for &v in cases {
            assert_eq!(http_date_to_unix(v), None, "{:?}", v);
        }
    }

    #[test]
    fn asctime_accepts_a_two_digit_day() {
        assert_eq!(
            http_date_to_unix(b"Thu Jan 15 00:00:00 1970"),
            Some(14 * 86_400)
        );
    }

    #[test]
    fn days_from_civil_counts_every_day() {
        let mut expected = 0;
        for year in 1970..2200 {
            for month in 1..=12 {
                let len = match month {
                    2 if is_leap(year) => 29,
                    2 => 28,
                    4 | 6 | 9 | 11 => 30,
                    _ => 31,
                };
                for day in 1..=len {
                    assert_eq!(days_from_civil(year, month, day), expected);
                    expected += 1;
                }
            }
        }
    }
}
