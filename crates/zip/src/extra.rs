//! Extra fields (APPNOTE 4.5): a sequence of (header ID, data size, data) after a header's name.
//! Two matter here: Zip64 (0x0001), which carries the 64-bit sizes and offset whose 32-bit
//! fields are 0xFFFFFFFF, and the extended timestamp (0x5455).

use crate::error::Problem;
use crate::le::{u16_at, u32_at, u64_at};

/// Zip64 extended information (APPNOTE 4.5.3).
pub(crate) const ZIP64: u16 = 0x0001;
/// Extended timestamp (APPNOTE 4.6.1; InfoZIP's "UT").
pub(crate) const EXTENDED_TIMESTAMP: u16 = 0x5455;

/// A 32-bit field with this value has its real value in the Zip64 extra field.
pub(crate) const SENTINEL32: u32 = 0xFFFF_FFFF;
/// The same for 16-bit fields (disk numbers, entry counts).
pub(crate) const SENTINEL16: u16 = 0xFFFF;

/// The fields of an extra area. Strict: a field that runs past the area is an error. Lenient
/// (for local headers, which some aligners pad with bytes that are no field): a tail too short for
/// a field header ends the sequence.
pub(crate) struct Fields<'a> {
    rest: &'a [u8],
    strict: bool,
}

impl<'a> Fields<'a> {
    pub(crate) fn strict(area: &'a [u8]) -> Self {
        Fields {
            rest: area,
            strict: true,
        }
    }

    pub(crate) fn lenient(area: &'a [u8]) -> Self {
        Fields {
            rest: area,
            strict: false,
        }
    }

    /// The data of the first field with this ID.
    pub(crate) fn find(self, id: u16) -> Result<Option<&'a [u8]>, Problem> {
        for field in self {
            let (field_id, data) = field?;
            if field_id == id {
                return Ok(Some(data));
            }
        }
        Ok(None)
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<(u16, &'a [u8]), Problem>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let field = u16_at(self.rest, 0)
            .zip(u16_at(self.rest, 2))
            .and_then(|(id, len)| {
                let data = self.rest.get(4..4 + usize::from(len))?;
                Some((id, data, 4 + usize::from(len)))
            });
        match field {
            Some((id, data, taken)) => {
                self.rest = self.rest.get(taken..).unwrap_or_default();
                Some(Ok((id, data)))
            }
            None => {
                let short_tail = self.rest.len() < 4;
                self.rest = &[];
                if self.strict || !short_tail {
                    Some(Err(Problem::ExtraFieldInvalid))
                } else {
                    None
                }
            }
        }
    }
}

/// Sizes, offset and disk with their Zip64 values in place of sentinels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Wide {
    pub(crate) uncompressed: u64,
    pub(crate) compressed: u64,
    pub(crate) offset: u64,
    pub(crate) disk: u32,
}

/// Replaces each sentinel field with the next value of the Zip64 extra field's data, which holds
/// exactly the sentinel fields, in this order: uncompressed size, compressed size, local header
/// offset (8 bytes each), disk number (4) (APPNOTE 4.5.3).
pub(crate) fn widen(
    uncompressed: u32,
    compressed: u32,
    offset: u32,
    disk: u16,
    zip64: Option<&[u8]>,
) -> Result<Wide, Problem> {
    let data = zip64.unwrap_or_default();
    let mut at = 0;
    let mut next64 = |field: u32| -> Result<u64, Problem> {
        if field != SENTINEL32 {
            return Ok(u64::from(field));
        }
        let v = u64_at(data, at).ok_or(Problem::Zip64FieldMissing)?;
        at += 8;
        Ok(v)
    };
    let uncompressed = next64(uncompressed)?;
    let compressed = next64(compressed)?;
    let offset = next64(offset)?;
    let disk = if disk == SENTINEL16 {
        u32_at(data, at).ok_or(Problem::Zip64FieldMissing)?
    } else {
        u32::from(disk)
    };
    Ok(Wide {
        uncompressed,
        compressed,
        offset,
        disk,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_strict_and_lenient() {
        let area = [1, 0, 2, 0, 0xAA, 0xBB, 0x55, 0x54, 1, 0, 7];
        let all: Vec<_> = Fields::strict(&area).collect();
        assert_eq!(
            all,
            vec![Ok((1, &[0xAA, 0xBB][..])), Ok((0x5455, &[7][..]))]
        );
        assert_eq!(Fields::strict(&area).find(0x5455), Ok(Some(&[7][..])));
        assert_eq!(Fields::strict(&area).find(9), Ok(None));
        // A field longer than what is left; a tail too short for a header.
        let bad = [1, 0, 9, 0, 0xAA];
        assert_eq!(
            Fields::strict(&bad).find(9),
            Err(Problem::ExtraFieldInvalid)
        );
        assert_eq!(
            Fields::lenient(&bad).find(9),
            Err(Problem::ExtraFieldInvalid)
        );
        let padded = [1, 0, 0, 0, 0, 0];
        assert_eq!(
            Fields::strict(&padded).find(9),
            Err(Problem::ExtraFieldInvalid)
        );
        assert_eq!(Fields::lenient(&padded).find(9), Ok(None));
    }

    #[test]
    fn widen_takes_only_the_sentinel_fields_in_order() {
        let data: Vec<u8> = [5u64.to_le_bytes(), 6u64.to_le_bytes()].concat();
        // Only the compressed size and the offset are sentinels: they take 5 and 6.
        assert_eq!(
            widen(1, SENTINEL32, SENTINEL32, 0, Some(&data)),
            Ok(Wide {
                uncompressed: 1,
                compressed: 5,
                offset: 6,
                disk: 0
            })
        );
        assert_eq!(
            widen(SENTINEL32, 2, 3, SENTINEL16, Some(&data)),
            Ok(Wide {
                uncompressed: 5,
                compressed: 2,
                offset: 3,
                disk: 6
            })
        );
        assert_eq!(
            widen(SENTINEL32, SENTINEL32, SENTINEL32, 0, Some(&data)),
            Err(Problem::Zip64FieldMissing)
        );
        assert_eq!(
            widen(SENTINEL32, 0, 0, 0, None),
            Err(Problem::Zip64FieldMissing)
        );
        assert_eq!(
            widen(1, 2, 3, 4, None),
            Ok(Wide {
                uncompressed: 1,
                compressed: 2,
                offset: 3,
                disk: 4
            })
        );
    }
}
