//! Modification times: the MS-DOS date and time every header carries (APPNOTE 4.4.6), and the
//! extended timestamp extra field (0x5455, APPNOTE 4.6.1 / InfoZIP's extrafld.txt) that InfoZIP
//! adds with the Unix time itself.

/// 1980-01-01T00:00:00Z, the earliest MS-DOS date; given for a date that is not one.
pub(crate) const DOS_EPOCH: u64 = 315_532_800;

/// Seconds since the Unix epoch for an MS-DOS date and time. MS-DOS times have no zone; they are
/// read as UTC (Python's zipfile writes local time, which is UTC in a container). The seconds
/// field has 2-second resolution. Fields out of range (month 0, 30 February, 25:00) give
/// [`DOS_EPOCH`].
pub(crate) fn dos_to_unix(date: u16, time: u16) -> u64 {
    let year = 1980 + u64::from(date >> 9);
    let month = u64::from((date >> 5) & 0x0F);
    let day = u64::from(date & 0x1F);
    let (hour, minute, second) = (
        u64::from(time >> 11),
        u64::from((time >> 5) & 0x3F),
        u64::from(time & 0x1F) * 2,
    );
    const MONTH_DAYS: [u64; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let Some(&month_days) = MONTH_DAYS.get((month as usize).wrapping_sub(1)) else {
        return DOS_EPOCH;
    };
    let month_days = month_days + u64::from(month == 2 && leap);
    if day == 0 || day > month_days || hour > 23 || minute > 59 || second > 59 {
        return DOS_EPOCH;
    }
    // Days before this year since 1970: 365 a year plus the Gregorian leap days in between.
    let leaps_before = |y: u64| (y - 1) / 4 - (y - 1) / 100 + (y - 1) / 400;
    let mut days = 365 * (year - 1970) + leaps_before(year) - leaps_before(1970);
    days += MONTH_DAYS.iter().take(month as usize - 1).sum::<u64>();
    days += u64::from(month > 2 && leap) + day - 1;
    days * 86_400 + hour * 3600 + minute * 60 + second
}

/// The modification time in an extended timestamp field's data: a flags byte, then (bit 0 set)
/// the modification time as a signed 32-bit count of seconds since the epoch. Times before 1970
/// are given as 0.
pub(crate) fn extended_timestamp(data: &[u8]) -> Option<u64> {
    let flags = *data.first()?;
    if flags & 1 == 0 {
        return None;
    }
    let mtime = i32::from_le_bytes(*data.get(1..)?.first_chunk::<4>()?);
    Some(u64::try_from(mtime).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dos(y: u16, mo: u16, d: u16, h: u16, mi: u16, s: u16) -> (u16, u16) {
        (
            ((y - 1980) << 9) | (mo << 5) | d,
            (h << 11) | (mi << 5) | (s / 2),
        )
    }

    #[test]
    fn dos_dates() {
        let cases = [
            ((1980, 1, 1, 0, 0, 0), 315_532_800),
            ((2024, 5, 17, 12, 30, 4), 1_715_949_004),
            ((2000, 2, 29, 23, 59, 58), 951_868_798),
            ((2000, 3, 1, 0, 0, 0), 951_868_800),
            ((2100, 3, 1, 0, 0, 0), 4_107_542_400),
            ((2107, 12, 31, 23, 59, 58), 4_354_819_198),
        ];
        for ((y, mo, d, h, mi, s), want) in cases {
            let (date, time) = dos(y, mo, d, h, mi, s);
            assert_eq!(dos_to_unix(date, time), want, "{y}-{mo}-{d} {h}:{mi}:{s}");
        }
        // Not dates: month 0 and 13, day 0, 29 February 2100 (not a leap year), 24:00.
        for (date, time) in [
            (0, 0),
            dos(2024, 13, 1, 0, 0, 0),
            dos(2024, 1, 0, 0, 0, 0),
            dos(2100, 2, 29, 0, 0, 0),
            dos(2024, 1, 1, 24, 0, 0),
            dos(2024, 1, 1, 0, 60, 0),
            (dos(2024, 1, 1, 0, 0, 0).0, 30),
        ] {
            assert_eq!(dos_to_unix(date, time), DOS_EPOCH, "{date:#x} {time:#x}");
        }
    }

    #[test]
    fn extended_timestamps() {
        assert_eq!(
            extended_timestamp(&[1, 0xCC, 0x3D, 0x47, 0x66]),
            Some(1_715_944_908)
        );
        assert_eq!(extended_timestamp(&[3, 1, 0, 0, 0, 9, 9, 9, 9]), Some(1));
        assert_eq!(extended_timestamp(&[1, 0xFF, 0xFF, 0xFF, 0xFF]), Some(0));
        assert_eq!(extended_timestamp(&[2, 1, 0, 0, 0]), None);
        assert_eq!(extended_timestamp(&[1, 1, 0, 0]), None);
        assert_eq!(extended_timestamp(&[]), None);
    }
}
