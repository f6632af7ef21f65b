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
pub const OK: Color = Color::srgb(0.30, 0.85, 0.55);
pub const WARN: Color = Color::srgb(0.98, 0.70, 0.25);
pub const BAD: Color = Color::srgb(0.95, 0.33, 0.33);
pub const DEAD: Color = Color::srgb(0.40, 0.42, 0.46);

pub const REQUEST: [f32; 4] = [0.45, 0.72, 1.0, 1.0];
pub const RESPONSE: [f32; 4] = [0.40, 0.92, 0.62, 1.0];
pub const ERROR: [f32; 4] = [1.0, 0.36, 0.33, 1.0];

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
