//! Share links: every shipped scenario survives the trip through a link,
//! and a damaged or hostile link gets a precise message, never a panic.

use std::path::Path;

use systemdecoder::headless::run_scenario;
use systemdecoder::learn::BUNDLED as LESSONS;
use systemdecoder::scenario::share::{self, MAX_EXPANDED_BYTES, MAX_LINK_CHARS};
use systemdecoder::scenario::{Scenario, bundled::BUNDLED};

fn refused(link: &str) -> String {
    match share::decode(link) {
        Ok(_) => panic!("expected {link:.60}… to be refused"),
        Err(e) => {
            assert_eq!(e.file, "share link");
            e.to_string()
        }
    }
}

/// Base64url as the links write it, for hand-made payloads.
pub fn b64(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = c.iter().enumerate().fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
        for i in 0..=c.len() {
            out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

fn payload(version: u8, text: &[u8]) -> String {
    let mut bytes = vec![version];
    bytes.extend(miniz_oxide::deflate::compress_to_vec(text, 6));
    format!("http://localhost:8000/#s={}", b64(&bytes))
}

#[test]
fn every_bundled_scenario_is_bundled_and_round_trips_through_a_link() {
    // The bundle is every scenario file outside the lessons.
    let mut on_disk = Vec::new();
    for dir in ["examples", "kinds", "bench"] {
        for e in std::fs::read_dir(Path::new("scenarios").join(dir)).unwrap() {
            on_disk.push(e.unwrap().path().display().to_string());
        }
    }
    on_disk.sort();
    let bundled: Vec<String> = BUNDLED.iter().map(|(p, _)| p.to_string()).collect();
    assert_eq!(bundled, on_disk);
    let mut longest = 0;
    let steps = LESSONS.iter().flat_map(|l| l.files.iter().copied());
    for (name, text) in BUNDLED.iter().copied().chain(steps) {
        if name.ends_with("lesson.ron") {
            continue;
        }
        let (s, _) = Scenario::parse(name, text).unwrap_or_else(|e| panic!("{e}"));
        let link = share::link("https://example.org/app/#old", &s).unwrap();
        assert!(link.starts_with("https://example.org/app/#s="), "{name}: {link:.40}");
        longest = longest.max(link.len());
        let (back, _) = share::decode(&link).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back, s, "{name} changed on the way through a link");
        // A bare fragment works too, and other fragment parameters are ignored.
        let fragment = &link[link.find('#').unwrap()..];
        assert_eq!(share::decode(&format!("{fragment}&view=1")).unwrap().0, s);
    }
    assert!(longest < 4096, "the longest bundled link is {longest} characters");
}

#[test]
fn a_link_runs_exactly_like_its_file() {
    let (s, _) =
        Scenario::parse("three-tier", BUNDLED.iter().find(|(p, _)| p.ends_with("three-tier.ron")).unwrap().1).unwrap();
    let (linked, _) = share::decode(&share::link("x", &s).unwrap()).unwrap();
    let a = serde_json::to_string(&run_scenario(&s, "same", s.seed, 0.0, 5.0)).unwrap();
    let b = serde_json::to_string(&run_scenario(&linked, "same", linked.seed, 0.0, 5.0)).unwrap();
    assert_eq!(a, b);
}

#[test]
fn damaged_and_hostile_links_are_refused_with_a_reason() {
    assert!(refused("http://localhost:8000/#s=").contains("carries no scenario"));
    assert!(refused("#s=AbC*def").contains("character 4 of the scenario"));
    // Cut short: the compressed data ends early.
    let good = payload(1, br#"(version: 1, name: "x", nodes: [(id: "c", kind: Client(traffic: Poisson(rate: 1.0)))])"#);
    assert!(share::decode(&good).is_ok());
    assert!(refused(&good[..good.len() - 12]).contains("damaged or cut short"));
    assert!(refused(&payload(7, b"()")).contains("format 7"));
    assert!(refused(&payload(1, &[0xff, 0xfe, 0x00])).contains("not UTF-8"));
    // A "zip bomb": tiny link, enormous text.
    let bomb = payload(1, &vec![b' '; MAX_EXPANDED_BYTES + 1]);
    assert!(bomb.len() < 20_000, "{}", bomb.len());
    assert!(refused(&bomb).contains("expands past"));
    let long = format!("#s={}", "A".repeat(MAX_LINK_CHARS + 1));
    assert!(refused(&long).contains("the limit is"));
    // Valid text, wrong scenario: the same message a file gets, with the field.
    let bad = refused(&payload(
        1,
        br#"(version: 1, name: "x", nodes: [(id: "c", kind: Client(traffic: Poisson(rate: -1.0)))])"#,
    ));
    assert!(bad.contains("rate"), "{bad}");
}

#[test]
fn a_system_too_large_for_a_link_is_refused_when_sharing() {
    // Ids that do not compress: 4 000 nodes × 96 pseudo-random characters.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut id = || {
        (0..96)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (b'a' + (x % 26) as u8) as char
            })
            .collect::<String>()
    };
    let nodes = (0..4000).map(|_| crate::helpers::poisson(&id(), 1.0)).collect();
    let big = crate::helpers::scenario(nodes, Vec::new());
    let e = share::link("http://localhost:8000/", &big).unwrap_err();
    assert!(e.contains("too large for a link"), "{e}");
}
