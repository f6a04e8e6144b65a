//! A small ZIP writer for the tests: well-formed archives with the features under test (Zip64,
//! data descriptors, extended timestamps, either offset layout), whose record positions are
//! returned so that a test can break exactly one field.

pub const DOS_TIME: u16 = 12 << 11 | 30 << 5 | 2; // 12:30:04
pub const DOS_DATE: u16 = (2024 - 1980) << 9 | 5 << 5 | 17; // 2024-05-17
pub const DOS_UNIX: u64 = 1_715_949_004;

#[derive(Clone)]
pub struct TestEntry {
    pub name: Vec<u8>,
    pub data: Vec<u8>,
    /// 0 stored, 8 deflated (by the build helper's encoder), anything else written as stored.
    pub method: u16,
    pub descriptor: bool,
    /// Zip64 extra fields in both headers, sizes and offset as sentinels.
    pub zip64: bool,
    /// An extended timestamp with this modification time.
    pub mtime: Option<i32>,
}

pub fn entry(name: &str, data: &[u8], method: u16) -> TestEntry {
    TestEntry {
        name: name.as_bytes().to_vec(),
        data: data.to_vec(),
        method,
        descriptor: false,
        zip64: false,
        mtime: None,
    }
}

pub struct Written {
    pub bytes: Vec<u8>,
    /// Where each entry's local header, data and central record start.
    pub locals: Vec<usize>,
    pub data: Vec<usize>,
    pub centrals: Vec<usize>,
    pub central_start: usize,
    pub end_record: usize,
}

impl Written {
    pub fn put16(&mut self, at: usize, v: u16) {
        self.bytes[at..at + 2].copy_from_slice(&v.to_le_bytes());
    }
    pub fn put32(&mut self, at: usize, v: u32) {
        self.bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }
    pub fn get32(&self, at: usize) -> u32 {
        u32::from_le_bytes(self.bytes[at..at + 4].try_into().unwrap())
    }
}

pub struct Options {
    /// Bytes before the archive (a program).
    pub prefix: Vec<u8>,
    /// Offsets counted from the start of the file (true) or of the archive (`cat`, false).
    pub from_file_start: bool,
    /// Zip64 end record and locator.
    pub zip64_end: bool,
    pub comment: Vec<u8>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            prefix: b"\x7fELF program bytes".to_vec(),
            from_file_start: true,
            zip64_end: false,
            comment: Vec::new(),
        }
    }
}

pub fn write(entries: &[TestEntry], o: &Options) -> Written {
    let mut b = o.prefix.clone();
    let origin = if o.from_file_start { 0 } else { o.prefix.len() };
    let (mut locals, mut data_at, mut central) = (Vec::new(), Vec::new(), Vec::new());
    let mut records = Vec::new();
    for e in entries {
        let packed = if e.method == 8 {
            verbosel_build::deflate(&e.data)
        } else {
            e.data.clone()
        };
        let crc = verbosel_build::crc32(&e.data);
        let flags: u16 =
            if e.descriptor { 8 } else { 0 } | if e.name.is_ascii() { 0 } else { 1 << 11 };
        let local_at = b.len();
        locals.push(local_at);
        let mut local_extra = Vec::new();
        if e.zip64 {
            local_extra.extend_from_slice(&[1, 0, 16, 0]);
            local_extra.extend_from_slice(&(e.data.len() as u64).to_le_bytes());
            local_extra.extend_from_slice(&(packed.len() as u64).to_le_bytes());
        }
        if let Some(t) = e.mtime {
            local_extra.extend_from_slice(&[0x55, 0x54, 5, 0, 1]);
            local_extra.extend_from_slice(&t.to_le_bytes());
        }
        let (l_crc, l_cs, l_us) = match (e.descriptor, e.zip64) {
            (true, _) => (0, 0, 0),
            (false, true) => (crc, u32::MAX, u32::MAX),
            (false, false) => (crc, packed.len() as u32, e.data.len() as u32),
        };
        b.extend_from_slice(&0x0403_4B50u32.to_le_bytes());
        b.extend_from_slice(&[if e.zip64 { 45 } else { 20 }, 0]);
        b.extend_from_slice(&flags.to_le_bytes());
        b.extend_from_slice(&e.method.to_le_bytes());
        b.extend_from_slice(&DOS_TIME.to_le_bytes());
        b.extend_from_slice(&DOS_DATE.to_le_bytes());
        b.extend_from_slice(&l_crc.to_le_bytes());
        b.extend_from_slice(&l_cs.to_le_bytes());
        b.extend_from_slice(&l_us.to_le_bytes());
        b.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
        b.extend_from_slice(&(local_extra.len() as u16).to_le_bytes());
        b.extend_from_slice(&e.name);
        b.extend_from_slice(&local_extra);
        data_at.push(b.len());
        b.extend_from_slice(&packed);
        if e.descriptor {
            b.extend_from_slice(&0x0807_4B50u32.to_le_bytes());
            b.extend_from_slice(&crc.to_le_bytes());
            if e.zip64 {
                b.extend_from_slice(&(packed.len() as u64).to_le_bytes());
                b.extend_from_slice(&(e.data.len() as u64).to_le_bytes());
            } else {
                b.extend_from_slice(&(packed.len() as u32).to_le_bytes());
                b.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
            }
        }
        records.push((
            e.clone(),
            flags,
            crc,
            packed.len(),
            (local_at - origin) as u64,
        ));
    }
    let central_start = b.len();
    for (e, flags, crc, cs, offset) in &records {
        central.push(b.len());
        let mut extra = Vec::new();
        if e.zip64 {
            extra.extend_from_slice(&[1, 0, 24, 0]);
            extra.extend_from_slice(&(e.data.len() as u64).to_le_bytes());
            extra.extend_from_slice(&(*cs as u64).to_le_bytes());
            extra.extend_from_slice(&offset.to_le_bytes());
        }
        if let Some(t) = e.mtime {
            extra.extend_from_slice(&[0x55, 0x54, 5, 0, 1]);
            extra.extend_from_slice(&t.to_le_bytes());
        }
        let wide = |v: u64| if e.zip64 { u32::MAX } else { v as u32 };
        b.extend_from_slice(&0x0201_4B50u32.to_le_bytes());
        b.extend_from_slice(&[45, 3, if e.zip64 { 45 } else { 20 }, 0]);
        b.extend_from_slice(&flags.to_le_bytes());
        b.extend_from_slice(&e.method.to_le_bytes());
        b.extend_from_slice(&DOS_TIME.to_le_bytes());
        b.extend_from_slice(&DOS_DATE.to_le_bytes());
        b.extend_from_slice(&crc.to_le_bytes());
        b.extend_from_slice(&wide(*cs as u64).to_le_bytes());
        b.extend_from_slice(&wide(e.data.len() as u64).to_le_bytes());
        b.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
        b.extend_from_slice(&(extra.len() as u16).to_le_bytes());
        b.extend_from_slice(&[0; 10]); // comment length, disk, internal and external attributes
        b.extend_from_slice(&wide(*offset).to_le_bytes());
        b.extend_from_slice(&e.name);
        b.extend_from_slice(&extra);
    }
    let central_len = b.len() - central_start;
    let central_offset = (central_start - origin) as u64;
    let count = entries.len() as u64;
    if o.zip64_end {
        let record = b.len();
        b.extend_from_slice(&0x0606_4B50u32.to_le_bytes());
        b.extend_from_slice(&44u64.to_le_bytes());
        b.extend_from_slice(&[45, 3, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        b.extend_from_slice(&count.to_le_bytes());
        b.extend_from_slice(&count.to_le_bytes());
        b.extend_from_slice(&(central_len as u64).to_le_bytes());
        b.extend_from_slice(&central_offset.to_le_bytes());
        b.extend_from_slice(&0x0706_4B50u32.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&((record - origin) as u64).to_le_bytes());
        b.extend_from_slice(&1u32.to_le_bytes());
    }
    let end_record = b.len();
    let (n16, len32, off32) = if o.zip64_end {
        (u16::MAX, u32::MAX, u32::MAX)
    } else {
        (count as u16, central_len as u32, central_offset as u32)
    };
    b.extend_from_slice(&0x0605_4B50u32.to_le_bytes());
    b.extend_from_slice(&[0, 0, 0, 0]);
    b.extend_from_slice(&n16.to_le_bytes());
    b.extend_from_slice(&n16.to_le_bytes());
    b.extend_from_slice(&len32.to_le_bytes());
    b.extend_from_slice(&off32.to_le_bytes());
    b.extend_from_slice(&(o.comment.len() as u16).to_le_bytes());
    b.extend_from_slice(&o.comment);
    Written {
        bytes: b,
        locals,
        data: data_at,
        centrals: central,
        central_start,
        end_record,
    }
}
