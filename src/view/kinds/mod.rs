//! How each node kind looks and what the view shows of it, one file per
//! kind: its glyph, accent colour and shape on the canvas, its place and
//! description in the palette, its editors in the inspector, and the live
//! numbers only it has. This file is the registry: giving a kind its look
//! is a new file plus one line in the list at the bottom, and every match
//! over the kinds is generated from that list (in the palette's order).

use bevy::prelude::*;
use bevy_egui::egui::{self, Ui};
use bevy_prototype_lyon::prelude::*;

use crate::sim::engine::{LinkRt, NodeRt};
use crate::sim::model::*;
use crate::sim::time::Nanos;

/// A node's outline, centred on the origin, before it is filled and stroked.
pub type Outline = ShapeBuilder<tess::path::path::Builder>;

/// What the view knows of every node kind.
pub trait KindView {
    /// Drawn in the node, in the palette and in the inspector's heading.
    const GLYPH: &str;
    /// The outline's and the glyph's colour.
    const ACCENT: Color;
    /// New nodes are named `SHORT_NAME-1`, `SHORT_NAME-2`…
    const SHORT_NAME: &str;
    /// The palette's group, and the kind's one-line description there.
    const GROUP: &str;
    const ABOUT: &str;
    /// The utilisation ring and queue bar are shown.
    const GAUGES: bool = true;
    /// What one of its pools is called in the inspector's table of them.
    const MEMBER: &str = "member";
    /// The inspector lists its pools (when it has several).
    const POOL_TABLE: bool = true;

    /// Its shape on the canvas.
    fn outline() -> Outline;

    /// Editors for its parameters. `types`: the request type names in use,
    /// for per-type settings.
    fn editors(&mut self, ui: &mut Ui, types: &[String]);

    /// What only this kind can tell: instances, cold starts, stale reads…
    fn live(&self, _ui: &mut Ui, _n: &NodeRt, _links: &[LinkRt], _now: Nanos) {}

    /// The name of pool `i` in the inspector's table of them.
    fn member_label(i: usize) -> String {
        format!("{i}")
    }
}

/// A rectangle of `w` × `h` with corners rounded by `r`.
fn rect(w: f32, h: f32, r: f32) -> shapes::Rectangle {
    shapes::Rectangle {
        extents: Vec2::new(w, h),
        origin: shapes::RectangleOrigin::Center,
        radii: Some(shapes::BorderRadii::single(r)),
    }
}

/// A regular polygon with `sides` corners at distance `r`.
fn polygon(sides: usize, r: f32) -> shapes::RegularPolygon {
    shapes::RegularPolygon { sides, center: Vec2::ZERO, feature: shapes::RegularPolygonFeature::Radius(r) }
}

macro_rules! kinds {
    ($($variant:ident($spec:ident) in $file:ident,)*) => {
        $(mod $file;)*

        /// Every kind a person can add, in the palette's order: its group,
        /// the kind with default parameters, and a one-line description.
        pub fn palette() -> Vec<(&'static str, NodeKind, &'static str)> {
            vec![$((<$spec as KindView>::GROUP, NodeKind::$variant(<$spec>::default()), <$spec as KindView>::ABOUT),)*]
        }

        pub fn glyph(kind: &NodeKind) -> &'static str {
            match kind {
                $(NodeKind::$variant(_) => <$spec as KindView>::GLYPH,)*
            }
        }

        /// Each node kind's accent colour.
        pub fn accent(kind: &NodeKind) -> Color {
            match kind {
                $(NodeKind::$variant(_) => <$spec as KindView>::ACCENT,)*
            }
        }

        /// What new nodes of this kind are named after.
        pub fn short_name(kind: &NodeKind) -> &'static str {
            match kind {
                $(NodeKind::$variant(_) => <$spec as KindView>::SHORT_NAME,)*
            }
        }

        /// Whether the node shows a utilisation ring and a queue bar.
        pub fn has_gauges(kind: &NodeKind) -> bool {
            match kind {
                $(NodeKind::$variant(_) => <$spec as KindView>::GAUGES,)*
            }
        }

        /// The node's shape, centred on the origin.
        pub fn outline(kind: &NodeKind) -> Outline {
            match kind {
                $(NodeKind::$variant(_) => <$spec as KindView>::outline(),)*
            }
        }

        /// Editors for a node's kind-specific parameters.
        /// `types`: the request type names in use, for per-type settings.
        pub fn editors(ui: &mut Ui, kind: &mut NodeKind, types: &[String]) {
            match kind {
                $(NodeKind::$variant(k) => k.editors(ui, types),)*
            }
        }

        fn kind_live(ui: &mut Ui, n: &NodeRt, links: &[LinkRt], now: Nanos) {
            match &n.spec.kind {
                $(NodeKind::$variant(k) => k.live(ui, n, links, now),)*
            }
        }

        fn pool_table(kind: &NodeKind) -> bool {
            match kind {
                $(NodeKind::$variant(_) => <$spec as KindView>::POOL_TABLE,)*
            }
        }

        fn member_word(kind: &NodeKind) -> &'static str {
            match kind {
                $(NodeKind::$variant(_) => <$spec as KindView>::MEMBER,)*
            }
        }

        fn member_label(kind: &NodeKind, i: usize) -> String {
            match kind {
                $(NodeKind::$variant(_) => <$spec as KindView>::member_label(i),)*
            }
        }
    };
}

/// What only this kind can tell: its counters (the same the report has:
/// instances, cold starts, stale reads…), what its view adds, then a table
/// of its pools when it has several. `span`: time since statistics started.
pub fn live(ui: &mut Ui, n: &NodeRt, links: &[LinkRt], now: Nanos, span: Nanos) {
    let counters = n.counters(now, span);
    if !counters.is_empty() {
        ui.horizontal_wrapped(|ui| {
            ui.spacing_mut().item_spacing.x = 10.0;
            for (name, value) in counters {
                ui.label(format!("{} {}", name.replace('_', " "), counter_value(value)));
            }
        });
    }
    kind_live(ui, n, links, now);
    if n.members.len() > 1 && pool_table(&n.spec.kind) {
        let what = member_word(&n.spec.kind);
        egui::Grid::new("members").striped(true).show(ui, |ui| {
            ui.label(what);
            ui.label("busy");
            ui.label("queued");
            ui.label("served");
            ui.end_row();
            for (i, m) in n.members.iter().enumerate() {
                ui.label(member_label(&n.spec.kind, i));
                ui.label(format!("{}/{}", m.busy, n.workers() / n.members.len() as u32));
                ui.label(format!("{}", m.queue_len()));
                ui.label(format!("{}", m.served));
                ui.end_row();
            }
        });
    }
}

/// A counter as people read it: whole numbers without decimals.
fn counter_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{v:.0}") } else { format!("{v:.2}") }
}

kinds! {
    Client(ClientSpec) in client,
    Devices(DevicesSpec) in devices,
    Dns(DnsSpec) in dns,
    Cdn(CdnSpec) in cdn,
    LoadBalancer(LoadBalancerSpec) in load_balancer,
    Gateway(GatewaySpec) in gateway,
    RateLimiter(RateLimiterSpec) in rate_limiter,
    WebsocketGateway(WebsocketGatewaySpec) in websocket_gateway,
    Service(ServiceSpec) in service,
    Autoscaling(AutoscalingSpec) in autoscaling,
    Serverless(ServerlessSpec) in serverless,
    Cache(CacheSpec) in cache,
    Database(DatabaseSpec) in database,
    ReplicatedDatabase(ReplicatedDatabaseSpec) in replicated_database,
    ShardedDatabase(ShardedDatabaseSpec) in sharded_database,
    QuorumStore(QuorumStoreSpec) in quorum_store,
    ObjectStorage(ObjectStorageSpec) in object_storage,
    Queue(QueueSpec) in queue,
    PubSub(PubSubSpec) in pubsub,
    Stream(StreamSpec) in stream,
    Inbox(InboxSpec) in inbox,
    PushService(PushServiceSpec) in push_service,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_and_glyphs_are_distinct() {
        let kinds = NodeKind::catalogue();
        let mut names: Vec<&str> = kinds.iter().map(short_name).collect();
        let mut glyphs: Vec<&str> = kinds.iter().map(glyph).collect();
        names.sort();
        names.dedup();
        glyphs.sort();
        glyphs.dedup();
        assert_eq!(names.len(), kinds.len(), "new nodes' names would clash");
        assert_eq!(glyphs.len(), kinds.len());
    }

    /// A glyph missing from the app's fonts is drawn as the replacement
    /// box: its image in the font atlas would be the box's.
    #[test]
    fn every_glyph_is_in_the_fonts() {
        let ctx = egui::Context::default();
        let mut frame = ctx.run_ui(egui::RawInput::default(), |_| {});
        frame.textures_delta.clear();
        let font = egui::FontId::proportional(14.0);
        let image = |s: &str| {
            ctx.fonts_mut(|f| {
                let galley = f.layout_no_wrap(s.to_string(), font.clone(), egui::Color32::WHITE);
                galley.rows[0].glyphs[0].uv_rect
            })
        };
        let missing = image("\u{FFFF}");
        for kind in NodeKind::catalogue() {
            let g = glyph(&kind);
            assert_ne!(image(g), missing, "{}: the fonts have no \"{g}\"", kind.label());
        }
    }

    #[test]
    fn each_palette_group_is_listed_in_one_run() {
        // The palette writes a group's heading where the group changes: a
        // kind registered away from its group would get a second heading.
        let mut seen: Vec<&str> = Vec::new();
        for (group, kind, about) in palette() {
            assert!(!about.is_empty(), "{} has no description", kind.label());
            if seen.last() != Some(&group) {
                assert!(!seen.contains(&group), "{} is apart from the rest of {group}", kind.label());
                seen.push(group);
            }
        }
    }
}
