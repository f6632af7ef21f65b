//! Colours with meaning: blue-ish requests, green answers, amber slow, red
//! errors, grey dead, on a calm dark navy canvas.

use bevy::prelude::*;

pub const BACKGROUND: Color = Color::srgb(0.055, 0.071, 0.106);
pub const GRID: Color = Color::srgba(0.45, 0.55, 0.80, 0.022);
pub const CARD: Color = Color::srgb(0.105, 0.130, 0.185);
pub const EDGE: Color = Color::srgba(0.55, 0.63, 0.78, 0.55);
pub const EDGE_LOSSY: Color = Color::srgba(0.95, 0.45, 0.40, 0.7);
pub const SELECTED: Color = Color::srgb(0.98, 0.86, 0.35);
pub const RING_TRACK: Color = Color::srgba(1.0, 1.0, 1.0, 0.07);
// The three states differ in lightness as well as hue, so they stay apart
// for people who cannot tell red from green (checked below by simulating
// the three kinds of colour blindness).
pub const OK: Color = Color::srgb(0.35, 0.88, 0.78);
pub const WARN: Color = Color::srgb(0.96, 0.58, 0.08);
pub const BAD: Color = Color::srgb(0.88, 0.22, 0.38);
pub const DEAD: Color = Color::srgb(0.40, 0.42, 0.46);

pub const REQUEST: [f32; 4] = [0.40, 0.62, 1.0, 1.0];
pub const RESPONSE: [f32; 4] = [0.55, 0.95, 0.80, 1.0];
pub const ERROR: [f32; 4] = [0.98, 0.35, 0.20, 1.0];

/// Green → amber → red as utilisation climbs.
pub fn load_colour(u: f64) -> Color {
    if u < 0.7 {
        OK
    } else if u < 0.9 {
        WARN
    } else {
        BAD
    }
}

pub fn to_egui(c: Color) -> bevy_egui::egui::Color32 {
    let s = c.to_srgba();
    bevy_egui::egui::Color32::from_rgba_unmultiplied(
        (s.red * 255.0) as u8,
        (s.green * 255.0) as u8,
        (s.blue * 255.0) as u8,
        (s.alpha * 255.0) as u8,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Colour blindness as Machado, Oliveira and Fernandes (2009) simulate
    /// it at full severity, on linear RGB.
    const SIMULATIONS: [(&str, [[f32; 3]; 3]); 4] = [
        ("normal vision", [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]),
        (
            "protanopia",
            [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
        ),
        (
            "deuteranopia",
            [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.01182, 0.04294, 0.968881]],
        ),
        (
            "tritanopia",
            [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.3039]],
        ),
    ];

    /// CIE L*a*b* of a linear-RGB colour (D65).
    fn lab([r, g, b]: [f32; 3]) -> [f32; 3] {
        let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
        let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
        let f = |t: f32| if t > 0.008856 { t.cbrt() } else { 7.787 * t + 16.0 / 116.0 };
        [116.0 * f(y) - 16.0, 500.0 * (f(x) - f(y)), 200.0 * (f(y) - f(z))]
    }

    /// The least difference (CIE76 ΔE) between any two of `colours`, as
    /// seen by each simulated eye.
    fn least_difference(colours: &[(&str, Color)]) -> Vec<(String, f32)> {
        SIMULATIONS
            .iter()
            .map(|(eye, m)| {
                let seen: Vec<[f32; 3]> = colours
                    .iter()
                    .map(|(_, c)| {
                        let l = c.to_linear();
                        let v = [l.red, l.green, l.blue];
                        lab(std::array::from_fn(|i| (0..3).map(|j| m[i][j] * v[j]).sum::<f32>().clamp(0.0, 1.0)))
                    })
                    .collect();
                let mut least = (String::new(), f32::MAX);
                for i in 0..seen.len() {
                    for j in i + 1..seen.len() {
                        let d = (0..3).map(|k| (seen[i][k] - seen[j][k]).powi(2)).sum::<f32>().sqrt();
                        if d < least.1 {
                            least = (format!("{eye}: {} and {}", colours[i].0, colours[j].0), d);
                        }
                    }
                }
                least
            })
            .collect()
    }

    #[test]
    fn states_and_packets_stay_apart_for_colour_blind_eyes() {
        let packet = |c: [f32; 4]| Color::srgb(c[0], c[1], c[2]);
        let sets = [
            vec![("ok", OK), ("warn", WARN), ("bad", BAD)],
            vec![("request", packet(REQUEST)), ("answer", packet(RESPONSE)), ("error", packet(ERROR))],
        ];
        for set in sets {
            for (which, d) in least_difference(&set) {
                // ΔE ≥ 25: clearly different colours side by side.
                assert!(d >= 25.0, "{which} differ by only {d:.1} (ΔE)");
            }
        }
        // The states also differ in lightness alone (for any eye).
        let l = |c: Color| {
            lab({
                let l = c.to_linear();
                [l.red, l.green, l.blue]
            })[0]
        };
        assert!(l(OK) - l(WARN) >= 8.0 && l(WARN) - l(BAD) >= 15.0, "{} {} {}", l(OK), l(WARN), l(BAD));
    }
}
