//! Byte sizes as flags and clients write them: a bare integer is bytes; a
//! suffix (any case) scales it: `B`; `K`/`KB`, `M`/`MB`, `G`/`GB`, `T`/`TB`
//! are powers of 1000 (`"10MB"` = 10,000,000 bytes, as the SI prefixes and
//! disk makers count); `KiB`, `MiB`, `GiB`, `TiB` are powers of 1024.

/// A size that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    #[error("\"{0}\" is not a size: use bytes or a number with a unit (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB), e.g. \"100MB\"")]
    NotASize(String),
    #[error("\"{0}\" is too large")]
    TooLarge(String),
}

/// Parse a size in bytes.
pub fn parse_bytes(s: &str) -> Result<u64, SizeError> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "t" | "tb" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        _ => return Err(SizeError::NotASize(s.to_string())),
    };
    if num.is_empty() {
        return Err(SizeError::NotASize(s.to_string()));
    }
    if let Ok(n) = num.parse::<u64>() {
        return n
            .checked_mul(mult)
            .ok_or_else(|| SizeError::TooLarge(s.to_string()));
    }
    // "1.5GB"
    let f: f64 = num
        .parse()
        .map_err(|_| SizeError::NotASize(s.to_string()))?;
    let v = f * mult as f64;
    if !v.is_finite() || v >= u64::MAX as f64 {
        return Err(SizeError::TooLarge(s.to_string()));
    }
    Ok(v as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_as_clients_write_them() {
        assert_eq!(parse_bytes("10MB"), Ok(10_000_000));
        assert_eq!(parse_bytes("100mb"), Ok(100_000_000));
        assert_eq!(parse_bytes("1048576"), Ok(1_048_576));
        assert_eq!(parse_bytes(" 2 GiB "), Ok(2 << 30));
        assert_eq!(parse_bytes("1.5KB"), Ok(1500));
        assert_eq!(parse_bytes("64k"), Ok(64_000));
        assert_eq!(parse_bytes("0"), Ok(0));
        for bad in ["", "MB", "ten", "10 parsecs", "-5", "1e3", "1..2MB"] {
            assert!(
                matches!(parse_bytes(bad), Err(SizeError::NotASize(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            parse_bytes("99999999999999999999TB"),
            Err(SizeError::TooLarge(_))
        ));
        assert!(matches!(
            parse_bytes("20000000TB"),
            Err(SizeError::TooLarge(_))
        ));
    }
}
