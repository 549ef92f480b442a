//! Parsing `--invoke` arguments by parameter type, and printing values and types.

use baton::{ExternType, FuncType, Mutability, Val, ValType};

/// Parses `text` as a value of type `ty`.
///
/// Integers accept decimal and `0x` hex, with an optional sign, anywhere in
/// the signed or unsigned range of the type (so `0xffffffff` and `-1` are the
/// same i32). Floats accept Rust's decimal syntax plus `inf`/`nan`; a `0x`
/// prefix gives the raw IEEE-754 bits. A `v128` is its 128 bits in `0x` hex (lane 0 in the
/// lowest bits). References accept only `null` (where the type is nullable).
pub fn parse_arg(ty: ValType, text: &str) -> Result<Val, String> {
    let bad = |what: &str| format!("`{text}` is not a valid {} ({what})", show_type(ty));
    match ty {
        ValType::I32 => parse_int(text, 32)
            .map(|v| Val::I32(v as u32 as i32))
            .ok_or_else(|| bad("expected an integer in -2147483648..=4294967295")),
        ValType::I64 => parse_int(text, 64)
            .map(|v| Val::I64(v as u64 as i64))
            .ok_or_else(|| bad("expected an integer in -2^63..=2^64-1")),
        ValType::F32 => match hex_bits(text, 32) {
            Some(bits) => Ok(Val::F32(bits as u32)),
            None => text
                .parse::<f32>()
                .map(|v| Val::F32(v.to_bits()))
                .map_err(|_| bad("expected a number, inf or nan")),
        },
        ValType::F64 => match hex_bits(text, 64) {
            Some(bits) => Ok(Val::F64(bits as u64)),
            None => text
                .parse::<f64>()
                .map(|v| Val::F64(v.to_bits()))
                .map_err(|_| bad("expected a number, inf or nan")),
        },
        ValType::FuncRef if text == "null" => Ok(Val::FuncRef(None)),
        ValType::ExternRef if text == "null" => Ok(Val::ExternRef(None)),
        ValType::Ref(r) if text == "null" && r.is_nullable() => Ok(Val::default_for(ty)),
        ValType::FuncRef | ValType::ExternRef | ValType::Ref(_) => {
            Err(bad("only `null` can be passed, to a nullable reference"))
        }
        ValType::V128 => hex_bits(text, 128)
            .map(|bits| Val::V128(bits.into()))
            .ok_or_else(|| bad("expected 0x and up to 32 hex digits, lane 0 lowest")),
    }
}

/// Parses a signed/unsigned decimal or hex integer that fits in `bits`
/// bits, returning its two's-complement bit pattern.
fn parse_int(text: &str, bits: u32) -> Option<i128> {
    let (negative, body) = split_sign(text);
    let body = body.replace('_', "");
    let magnitude = match body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        Some(hex) => i128::from_str_radix(hex, 16).ok()?,
        None if body.chars().all(|c| c.is_ascii_digit()) && !body.is_empty() => {
            body.parse::<i128>().ok()?
        }
        None => return None,
    };
    let value = if negative { -magnitude } else { magnitude };
    let min = -(1i128 << (bits - 1));
    let max = (1i128 << bits) - 1;
    (min..=max).contains(&value).then_some(value)
}

/// `0x` hex bits for a float of `bits` width; a leading `-` sets the sign bit.
fn hex_bits(text: &str, bits: u32) -> Option<u128> {
    let (negative, body) = split_sign(text);
    let hex = body
        .strip_prefix("0x")
        .or_else(|| body.strip_prefix("0X"))?;
    let value = u128::from_str_radix(&hex.replace('_', ""), 16).ok()?;
    if bits < 128 && value >> bits != 0 {
        return None;
    }
    Some(if negative {
        value | 1 << (bits - 1)
    } else {
        value
    })
}

fn split_sign(text: &str) -> (bool, &str) {
    match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    }
}

/// Prints a result: integers signed decimal, floats with Rust's `{}`, a GC object as its
/// kind (an array with its length), other references as their type.
pub fn show_val(store: impl baton::AsContext, val: &Val) -> String {
    match val {
        Val::I32(v) => v.to_string(),
        Val::I64(v) => v.to_string(),
        Val::F32(bits) => f32::from_bits(*bits).to_string(),
        Val::F64(bits) => f64::from_bits(*bits).to_string(),
        Val::V128(v) => format!("0x{:032x}", v.as_u128()),
        Val::FuncRef(None) | Val::ExternRef(None) | Val::ExnRef(None) | Val::AnyRef(None) => {
            "null".to_string()
        }
        Val::AnyRef(Some(a)) => match a.as_i31() {
            Some(v) => format!("i31 {}", v.get_i32()),
            None if a.is_struct(&store) => "struct".to_string(),
            None => match a.as_array(&store).and_then(|r| r.len(&store).ok()) {
                Some(len) => format!("array (length {len})"),
                None => "anyref".to_string(),
            },
        },
        Val::ExnRef(Some(_)) => "exnref".to_string(),
        Val::FuncRef(Some(_)) => "funcref".to_string(),
        Val::ExternRef(Some(_)) => "externref".to_string(),
    }
}

/// The text-format name of a value type.
pub fn show_type(ty: ValType) -> String {
    ty.to_string()
}

/// `(i32, i64) -> f32` style signature.
pub fn show_func_type(ty: &FuncType) -> String {
    let list = |types: &[ValType]| {
        types
            .iter()
            .map(|t| show_type(*t))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match ty.results() {
        [] => format!("({})", list(ty.params())),
        [one] => format!("({}) -> {}", list(ty.params()), show_type(*one)),
        many => format!("({}) -> ({})", list(ty.params()), list(many)),
    }
}

/// A one-line description of an import/export type.
pub fn show_extern_type(ty: &ExternType) -> String {
    fn limits(min: u64, max: Option<u64>) -> String {
        match max {
            Some(max) => format!("{min}..{max}"),
            None => format!("{min}.."),
        }
    }
    match ty {
        ExternType::Func(f) => format!("func {}", show_func_type(f)),
        ExternType::Global(g) => {
            let mutability = match g.mutability() {
                Mutability::Const => "const",
                Mutability::Var => "mut",
            };
            format!("global {mutability} {}", show_type(g.content()))
        }
        ExternType::Table(t) => format!(
            "table {} {}",
            limits(t.minimum(), t.maximum()),
            show_type(t.element())
        ),
        ExternType::Memory(m) => format!("memory {} pages", limits(m.minimum(), m.maximum())),
        ExternType::Tag(t) => {
            let params: Vec<String> = t.params().iter().map(|p| show_type(*p)).collect();
            format!("tag ({})", params.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i32_of(text: &str) -> Option<i32> {
        match parse_arg(ValType::I32, text) {
            Ok(Val::I32(v)) => Some(v),
            _ => None,
        }
    }

    #[test]
    fn integers_in_decimal_and_hex() {
        assert_eq!(i32_of("30"), Some(30));
        assert_eq!(i32_of("-1"), Some(-1));
        assert_eq!(i32_of("4294967295"), Some(-1));
        assert_eq!(i32_of("0x10"), Some(16));
        assert_eq!(i32_of("0xffffffff"), Some(-1));
        assert_eq!(i32_of("-0x10"), Some(-16));
        assert_eq!(i32_of("4294967296"), None);
        assert_eq!(i32_of("1.5"), None);
        assert_eq!(i32_of(""), None);
        assert!(matches!(
            parse_arg(ValType::I64, "-9223372036854775808"),
            Ok(Val::I64(i64::MIN))
        ));
    }

    #[test]
    fn floats() {
        assert!(matches!(parse_arg(ValType::F32, "1.5"), Ok(Val::F32(b)) if b == 1.5f32.to_bits()));
        assert!(
            matches!(parse_arg(ValType::F64, "-inf"), Ok(Val::F64(b)) if b == f64::NEG_INFINITY.to_bits())
        );
        assert!(matches!(
            parse_arg(ValType::F32, "0x3f800000"),
            Ok(Val::F32(0x3f80_0000))
        ));
        assert!(matches!(
            parse_arg(ValType::F32, "-0x0"),
            Ok(Val::F32(0x8000_0000))
        ));
        assert!(parse_arg(ValType::F32, "abc").is_err());
        let store = baton::Store::new(&baton::Engine::default(), ());
        assert_eq!(show_val(&store, &Val::F64(2.5f64.to_bits())), "2.5");
        assert_eq!(show_val(&store, &Val::F32(f32::NAN.to_bits())), "NaN");
    }
}
