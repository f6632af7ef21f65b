//! Share links, replay links and level links: round trips and any text.

use super::*;

// ---------------------------------------------------------------------------
// 2. Share links

/// Any generated system through a link: one that checks comes back equal;
/// one that does not is never made into a link, and its payload is refused
/// naming the field. So too as the start of a replay link and as the
/// canvas of a level link.
#[test]
fn generated_scenarios_round_trip_through_links() {
    use systemdecoder::learn::level::{Loaded, Pack};
    let level = Loaded::get("opening-day").expect("bundled").level.clone();
    property("share links, round trip", 128, design(), &["refused", "round trip"], |d| {
        let s = d.scenario();
        let valid = s.check().is_ok();
        let replay = Replay::new(s.clone(), s.seed).link("https://example.org/app/").expect("small");
        match Replay::from_link(&replay) {
            Ok(r) => prop_assert!(valid && r.scenario == s),
            Err(e) => prop_assert!(!valid && located(&e, share::SOURCE_NAME).is_ok(), "{}", e),
        }
        let pack = Pack { level: level.clone(), start: s.clone() };
        let text = systemdecoder::scenario::ron_options().to_string(&pack).expect("RON");
        match Loaded::from_link(&format!("#l={}", share::pack(&text))) {
            Ok(l) => prop_assert!(valid && l.start() == Ok(s.clone())),
            Err(e) => prop_assert!(!valid && printable(&e), "{:?}", e),
        }
        let payload = share::encode(&s);
        let opened = share::decode(&format!("#s={payload}"));
        match s.check() {
            Ok(_) => {
                let link = share::link("https://example.org/app/#old", &s);
                prop_assert!(link.is_ok(), "{:?}", link);
                let (back, _) = share::decode(&link.unwrap()).expect("checked above");
                prop_assert_eq!(&back, &s);
                prop_assert_eq!(opened.map(|(s, _)| s), Ok(s));
                Ok("round trip")
            }
            Err(e) => {
                let refused = share::link("https://example.org/app/", &s);
                prop_assert!(refused.as_ref().is_err_and(|m| m.contains("cannot travel as a link")), "{:?}", refused);
                let e2 = opened.expect_err("refused as a file is refused as a link");
                located(&e2, share::SOURCE_NAME)?;
                prop_assert_eq!(&e.path, &e2.path);
                Ok("refused")
            }
        }
    });
}

/// Text that might be a link: anything, fragments with junk, payloads of
/// random bytes, random text packed, damaged scenario text packed.
fn link_text() -> impl Strategy<Value = String> {
    let packed = prop_oneof![
        any::<String>(),
        (design(), prop::collection::vec(mutation(), 1..4)).prop_map(|(d, m)| {
            let s = d.scenario();
            mutate(&s.to_ron(), &m)
        }),
    ]
    .prop_map(|t| share::pack(&t));
    let payload = prop_oneof![
        2 => packed,
        1 => (any::<u8>(), prop::collection::vec(any::<u8>(), 0..300)).prop_map(|(v, b)| {
            crate::share::b64(&[vec![v], b].concat())
        }),
        1 => "[A-Za-z0-9_=+/-]{0,400}",
        1 => any::<String>(),
    ];
    let mark = prop::sample::select(vec!["https://example.org/#s=", "#s=", "s=", "#r=", "#l=", ""]);
    let tail = prop::sample::select(vec!["", "&view=1", "&", " ", "#s="]);
    (mark, payload, tail, any::<Index>()).prop_map(|(mark, payload, tail, cut)| {
        // Sometimes cut short, as a chat app may do.
        let full = format!("{mark}{payload}{tail}");
        if cut.index(4) == 0 { full[..full.floor_char_boundary(cut.index(full.len() + 1))].to_string() } else { full }
    })
}

/// Any text opened as a scenario, replay or level link: an error naming
/// the link with no raw control character, or a value that checks.
#[test]
fn any_text_opened_as_a_link_is_refused_cleanly_or_valid() {
    property("share links, hostile", 256, link_text(), &["refused"], |text| {
        match share::decode(&text) {
            Ok((s, _)) => prop_assert!(s.check().is_ok()),
            Err(e) => {
                prop_assert_eq!(&e.file, share::SOURCE_NAME);
                prop_assert!(printable(&e.to_string()), "{:?}", e.to_string());
            }
        }
        let payload = text.split_once('=').map_or(text.as_str(), |(_, p)| p);
        if let Err(m) = share::unpack(payload, "scenario") {
            prop_assert!(!m.is_empty() && printable(&m), "{:?}", m);
        }
        match Replay::from_link(&text) {
            Ok(r) => prop_assert!(r.check().is_ok()),
            Err(e) => prop_assert!(printable(&e.to_string()), "{:?}", e.to_string()),
        }
        if let Err(e) = systemdecoder::learn::level::Loaded::from_link(&text) {
            prop_assert!(printable(&e), "{:?}", e);
        }
        Ok("refused")
    });
}

/// Packing is lossless for any text.
#[test]
fn any_text_survives_packing() {
    property("share links, packing", 128, any::<String>(), &["same"], |t| {
        prop_assert_eq!(share::unpack(&share::pack(&t), "text"), Ok(t));
        Ok("same")
    });
}
