//! Colours with meaning: blue-ish requests, green answers, amber slow, red
//! errors, grey dead, on a calm dark navy canvas.

use bevy::prelude::*;

use crate::sim::NodeKind;

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

/// Each node kind's accent colour.
pub fn accent(kind: &NodeKind) -> Color {
    match kind {
        NodeKind::Client(_) => Color::srgb(0.55, 0.75, 1.0),
        NodeKind::LoadBalancer(_) => Color::srgb(0.70, 0.55, 1.0),
        NodeKind::Service(_) => Color::srgb(0.35, 0.80, 0.95),
        NodeKind::Cache(_) => Color::srgb(0.98, 0.62, 0.30),
        NodeKind::Database(_) => Color::srgb(0.40, 0.85, 0.60),
        NodeKind::Queue(_) => Color::srgb(0.95, 0.80, 0.35),
        NodeKind::RateLimiter(_) => Color::srgb(0.95, 0.45, 0.55),
        NodeKind::Gateway(_) => Color::srgb(0.60, 0.65, 1.0),
        NodeKind::Serverless(_) => Color::srgb(1.0, 0.70, 0.45),
        NodeKind::Autoscaling(_) => Color::srgb(0.35, 0.90, 0.85),
        NodeKind::ShardedDatabase(_) => Color::srgb(0.55, 0.85, 0.40),
        NodeKind::ReplicatedDatabase(_) => Color::srgb(0.40, 0.85, 0.75),
        NodeKind::PubSub(_) => Color::srgb(0.95, 0.65, 0.85),
        NodeKind::Cdn(_) => Color::srgb(0.50, 0.80, 1.0),
        NodeKind::Dns(_) => Color::srgb(0.80, 0.80, 0.60),
        NodeKind::ObjectStorage(_) => Color::srgb(0.85, 0.70, 0.50),
        NodeKind::Stream(_) => Color::srgb(0.95, 0.85, 0.50),
        NodeKind::Devices(_) => Color::srgb(0.55, 0.90, 1.0),
        NodeKind::Inbox(_) => Color::srgb(0.90, 0.75, 1.0),
        NodeKind::WebsocketGateway(_) => Color::srgb(0.45, 0.95, 0.70),
        NodeKind::PushService(_) => Color::srgb(1.0, 0.60, 0.60),
        NodeKind::QuorumStore(_) => Color::srgb(0.62, 0.90, 0.50),
    }
}

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
