//! Share links: a whole scenario in a URL's fragment (`…#s=<payload>`), so
//! a link is the file. The payload is one version byte, then the compact RON
//! text compressed with DEFLATE, written in URL-safe base64. The fragment
//! never reaches a server. Opening a link goes through the same checks as a
//! file, after limits on both the link and what it expands to, so a hostile
//! link gets a message, never a crash or a memory blow-up.

use super::{Scenario, ScenarioError, Warning};

/// What marks a share link's payload in a URL.
pub const MARK: &str = "#s=";
/// Longest payload accepted (characters); browsers take URLs of a few MB,
/// chat apps and mail far less. The bundled scenarios need 0.5–3 KB.
pub const MAX_LINK_CHARS: usize = 256 * 1024;
/// Most text a payload may expand to: stops "zip bombs" well before
/// memory matters (a file may be larger; a link may not).
pub const MAX_EXPANDED_BYTES: usize = 4 * 1024 * 1024;
/// The payload's first byte; a later format gets a new one.
const FORMAT: u8 = 1;
/// Name used for a link in error messages.
pub const SOURCE_NAME: &str = "share link";

/// The fragment payload for `s` (what follows [`MARK`]).
pub fn encode(s: &Scenario) -> String {
    pack(&compact_ron(s))
}

/// Any text as a payload: a version byte, DEFLATE, URL-safe base64 (a
/// level travels the same way as a scenario).
pub fn pack(text: &str) -> String {
    let mut bytes = vec![FORMAT];
    bytes.extend(miniz_oxide::deflate::compress_to_vec(text.as_bytes(), 9));
    base64url(&bytes)
}

/// The text in a payload, within the limits on the link and on what it
/// expands to; `what` names the contents in messages ("scenario").
pub fn unpack(payload: &str, what: &str) -> Result<String, String> {
    if payload.is_empty() {
        return Err(format!("the link carries no {what}"));
    }
    if payload.len() > MAX_LINK_CHARS {
        return Err(format!("the link's {what} is {} characters long; the limit is {MAX_LINK_CHARS}", payload.len()));
    }
    let bytes = unbase64url(payload)
        .map_err(|at| format!("the link is damaged: character {} of the {what} is not URL-safe base64", at + 1))?;
    match bytes.first() {
        Some(&FORMAT) => {}
        Some(v) => return Err(format!("the link uses format {v}; this version reads format {FORMAT}")),
        None => return Err(format!("the link carries no {what}")),
    }
    let raw = miniz_oxide::inflate::decompress_to_vec_with_limit(&bytes[1..], MAX_EXPANDED_BYTES).map_err(|e| {
        if e.status == miniz_oxide::inflate::TINFLStatus::HasMoreOutput {
            format!("the link's {what} expands past {MAX_EXPANDED_BYTES} bytes; refused")
        } else {
            "the link is damaged or cut short (its compressed data does not decode)".to_string()
        }
    })?;
    String::from_utf8(raw).map_err(|_| format!("the link's {what} is not UTF-8 text"))
}

/// A whole link: `base` (a page address; any old fragment is dropped) plus
/// the payload. Refused when the payload is over [`MAX_LINK_CHARS`], since
/// no link could open it.
pub fn link(base: &str, s: &Scenario) -> Result<String, String> {
    let payload = encode(s);
    if payload.len() > MAX_LINK_CHARS {
        return Err(format!(
            "this system is too large for a link ({} characters; the limit is {MAX_LINK_CHARS}): save it as a file instead",
            payload.len()
        ));
    }
    let base = base.split('#').next().unwrap_or(base);
    let link = format!("{base}{MARK}{payload}");
    // Never hand out a link that opening would refuse (its expanded size,
    // or anything else `decode` checks).
    if let Err(e) = decode(&link) {
        return Err(format!("this system cannot travel as a link ({}): save it as a file instead", e.message));
    }
    Ok(link)
}

/// Does this text (an address or a bare fragment) carry a scenario?
pub fn is_link(text: &str) -> bool {
    text.contains(MARK) || text.starts_with("s=")
}

/// Read a scenario from a link, a fragment (`#s=…`, `s=…`) or a bare payload.
pub fn decode(text: &str) -> Result<(Scenario, Vec<Warning>), ScenarioError> {
    let payload = match text.find(MARK) {
        Some(i) => &text[i + MARK.len()..],
        None => text.strip_prefix("s=").unwrap_or(text),
    };
    // Other fragment parameters may follow (`&…`); they are not ours.
    let payload = payload.split('&').next().unwrap_or("").trim();
    let fail =
        |message: String| ScenarioError { file: SOURCE_NAME.into(), line: 0, col: 0, path: String::new(), message };
    if payload.is_empty() {
        return Err(fail("the link carries no scenario (nothing after \"#s=\")".into()));
    }
    let text = unpack(payload, "scenario").map_err(fail)?;
    Scenario::parse(SOURCE_NAME, &text)
}

/// One-line RON: shorter links than the pretty file text, same meaning.
fn compact_ron(s: &Scenario) -> String {
    super::ron_options().to_string(s).unwrap_or_else(|_| s.to_ron())
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// URL-safe base64 without padding (RFC 4648 §5).
fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// The inverse of [`base64url`]; the error is the index of the first bad
/// character. Standard base64's `+`, `/` and padding are read too, since
/// some tools rewrite links.
fn unbase64url(text: &str) -> Result<Vec<u8>, usize> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for (i, c) in text.bytes().enumerate() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return Err(i),
        };
        acc = acc << 6 | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // A single leftover character cannot end a base64 text.
    if bits >= 6 {
        return Err(text.len() - 1);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_every_length() {
        for n in 0..70 {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            let text = base64url(&bytes);
            assert!(text.bytes().all(|c| ALPHABET.contains(&c)));
            assert_eq!(unbase64url(&text), Ok(bytes));
        }
        assert_eq!(base64url(b"Man"), "TWFu");
        assert_eq!(base64url(b"Ma"), "TWE");
        assert_eq!(unbase64url("TW?u"), Err(2));
        assert_eq!(unbase64url("TWFuT"), Err(4));
    }
}
