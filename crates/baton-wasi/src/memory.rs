//! Bounds-checked access to the guest's linear memory.
//!
//! Every pointer and length a WASI call receives comes from the guest and
//! may be anything. All accesses go through [`GuestMemory`], which answers
//! out-of-range accesses with `EFAULT` instead of panicking. Values are
//! little-endian and read byte-wise, so unaligned guest pointers are
//! accepted (the spec does not ask hosts to reject them).

use crate::types::{errno, Errno};

/// A view of the guest's linear memory for the duration of one host call.
pub struct GuestMemory<'a> {
    bytes: &'a mut [u8],
}

/// Turns a guest `(ptr, len)` pair into a host index range.
fn range(ptr: u32, len: u32, mem_len: usize) -> Result<std::ops::Range<usize>, Errno> {
    let start = ptr as usize;
    // u32 + u32 cannot overflow usize on the 64-bit hosts we target, but
    // checked_add keeps 32-bit hosts honest too.
    let end = start.checked_add(len as usize).ok_or(errno::FAULT)?;
    if end > mem_len {
        return Err(errno::FAULT);
    }
    Ok(start..end)
}

impl<'a> GuestMemory<'a> {
    /// Wraps the memory bytes of one call.
    pub fn new(bytes: &'a mut [u8]) -> Self {
        GuestMemory { bytes }
    }

    /// The guest bytes `[ptr, ptr + len)`.
    pub fn slice(&self, ptr: u32, len: u32) -> Result<&[u8], Errno> {
        let r = range(ptr, len, self.bytes.len())?;
        Ok(&self.bytes[r])
    }

    /// The guest bytes `[ptr, ptr + len)`, writable.
    pub fn slice_mut(&mut self, ptr: u32, len: u32) -> Result<&mut [u8], Errno> {
        let r = range(ptr, len, self.bytes.len())?;
        Ok(&mut self.bytes[r])
    }

    fn array<const N: usize>(&self, ptr: u32) -> Result<[u8; N], Errno> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.slice(ptr, N as u32)?);
        Ok(out)
    }

    /// Reads a `u8`.
    pub fn read_u8(&self, ptr: u32) -> Result<u8, Errno> {
        Ok(self.array::<1>(ptr)?[0])
    }

    /// Reads a little-endian `u16`.
    pub fn read_u16(&self, ptr: u32) -> Result<u16, Errno> {
        Ok(u16::from_le_bytes(self.array(ptr)?))
    }

    /// Reads a little-endian `u32`.
    pub fn read_u32(&self, ptr: u32) -> Result<u32, Errno> {
        Ok(u32::from_le_bytes(self.array(ptr)?))
    }

    /// Reads a little-endian `u64`.
    pub fn read_u64(&self, ptr: u32) -> Result<u64, Errno> {
        Ok(u64::from_le_bytes(self.array(ptr)?))
    }

    /// Writes raw bytes.
    pub fn write_bytes(&mut self, ptr: u32, data: &[u8]) -> Result<(), Errno> {
        let len = u32::try_from(data.len()).map_err(|_| errno::FAULT)?;
        self.slice_mut(ptr, len)?.copy_from_slice(data);
        Ok(())
    }

    /// Writes a `u8`.
    pub fn write_u8(&mut self, ptr: u32, v: u8) -> Result<(), Errno> {
        self.write_bytes(ptr, &[v])
    }

    /// Writes a little-endian `u16`.
    pub fn write_u16(&mut self, ptr: u32, v: u16) -> Result<(), Errno> {
        self.write_bytes(ptr, &v.to_le_bytes())
    }

    /// Writes a little-endian `u32`.
    pub fn write_u32(&mut self, ptr: u32, v: u32) -> Result<(), Errno> {
        self.write_bytes(ptr, &v.to_le_bytes())
    }

    /// Writes a little-endian `u64`.
    pub fn write_u64(&mut self, ptr: u32, v: u64) -> Result<(), Errno> {
        self.write_bytes(ptr, &v.to_le_bytes())
    }

    /// Reads a guest string. WASI strings are UTF-8; anything else is
    /// `EILSEQ`, as in wasmtime.
    pub fn read_str(&self, ptr: u32, len: u32) -> Result<&str, Errno> {
        std::str::from_utf8(self.slice(ptr, len)?).map_err(|_| errno::ILSEQ)
    }

    /// Decodes an array of `$iovec`/`$ciovec` into `(buf, len)` pairs and
    /// checks up front that every buffer lies inside memory, so a bad
    /// vector fails before any side effect happens.
    pub fn read_iovecs(&self, ptr: u32, count: u32) -> Result<Vec<(u32, u32)>, Errno> {
        let total = count
            .checked_mul(crate::types::size::IOVEC)
            .ok_or(errno::FAULT)?;
        self.slice(ptr, total)?;
        let mut out = Vec::with_capacity(count as usize);
        let mut sum: u64 = 0;
        for i in 0..count {
            let at = ptr + i * crate::types::size::IOVEC;
            let buf = self.read_u32(at)?;
            let len = self.read_u32(at + 4)?;
            self.slice(buf, len)?;
            sum += u64::from(len);
            out.push((buf, len));
        }
        // The results are reported as a `$size` (u32); POSIX calls an
        // oversized total EINVAL.
        if sum > u64::from(u32::MAX) {
            return Err(errno::INVAL);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_bounds_is_efault_not_panic() {
        let mut bytes = vec![0u8; 16];
        let mut m = GuestMemory::new(&mut bytes);
        assert_eq!(m.read_u32(13), Err(errno::FAULT));
        assert_eq!(m.read_u64(u32::MAX), Err(errno::FAULT));
        assert_eq!(m.write_u64(9, 1), Err(errno::FAULT));
        assert_eq!(m.slice(u32::MAX, u32::MAX).err(), Some(errno::FAULT));
        assert_eq!(m.read_iovecs(0, u32::MAX).err(), Some(errno::FAULT));
        assert!(m.write_u64(8, 7).is_ok());
        assert_eq!(m.read_u64(8), Ok(7));
    }

    #[test]
    fn iovec_pointing_outside_is_efault() {
        let mut bytes = vec![0u8; 32];
        bytes[0..4].copy_from_slice(&20u32.to_le_bytes());
        bytes[4..8].copy_from_slice(&100u32.to_le_bytes());
        let m = GuestMemory::new(&mut bytes);
        assert_eq!(m.read_iovecs(0, 1).err(), Some(errno::FAULT));
    }

    #[test]
    fn invalid_utf8_is_eilseq() {
        let mut bytes = vec![0xffu8; 4];
        let m = GuestMemory::new(&mut bytes);
        assert_eq!(m.read_str(0, 4).err(), Some(errno::ILSEQ));
    }
}
