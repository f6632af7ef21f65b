//! Test mode: `--screenshot PATH --frames N` runs the real window for N frames,
//! saves a screenshot, and exits with failure if the picture is blank or
//! anything logged an error. CI uses it under Xvfb.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use bevy::log::BoxedLayer;
use bevy::log::tracing_subscriber::Layer;
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured, save_to_disk};

/// Errors logged anywhere in the process so far.
static ERRORS: AtomicUsize = AtomicUsize::new(0);

struct ErrorCounter;

impl<S: tracing::Subscriber> Layer<S> for ErrorCounter {
    fn on_event(&self, event: &tracing::Event<'_>, _: bevy::log::tracing_subscriber::layer::Context<'_, S>) {
        if *event.metadata().level() == tracing::Level::ERROR {
            ERRORS.fetch_add(1, Ordering::Relaxed);
        }
    }
}

pub fn error_counter_layer(_: &mut App) -> Option<BoxedLayer> {
    Some(Box::new(ErrorCounter))
}

#[derive(Resource, Clone)]
pub struct CaptureRequest {
    pub path: PathBuf,
    pub frames: u32,
}

/// Frame times and packet counts over the run (after a short warm-up), so
/// the test mode doubles as a rendering benchmark.
#[derive(Resource, Default)]
struct FrameStats {
    frames: u32,
    seconds: f64,
    packets: u64,
    /// Spent building the packets' mesh.
    packet_seconds: f64,
}

const WARMUP_FRAMES: u32 = 20;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<FrameStats>().add_systems(Update, take_screenshot.run_if(resource_exists::<CaptureRequest>));
}

fn take_screenshot(
    mut commands: Commands,
    req: Res<CaptureRequest>,
    mut frame: Local<u32>,
    time: Res<Time<Real>>,
    mut stats: ResMut<FrameStats>,
    packets: Res<super::packets::PacketCount>,
    packet_time: Res<super::packets::PacketBuildTime>,
) {
    *frame += 1;
    if *frame > WARMUP_FRAMES {
        stats.frames += 1;
        stats.seconds += time.delta_secs_f64();
        stats.packets += packets.0 as u64;
        stats.packet_seconds += packet_time.0.as_secs_f64();
    }
    if *frame != req.frames {
        return;
    }
    if stats.frames > 0 {
        let ms = 1000.0 * stats.seconds / stats.frames as f64;
        info!(
            "frame time: mean {ms:.2} ms ({:.1} fps) over {} frames, {} packets in flight on average, \
             {:.2} ms a frame building their mesh",
            1000.0 / ms,
            stats.frames,
            stats.packets / stats.frames as u64,
            1000.0 * stats.packet_seconds / stats.frames as f64
        );
    }
    let path = req.path.clone();
    commands.spawn(Screenshot::primary_window()).observe(save_to_disk(path.clone())).observe(
        move |captured: On<ScreenshotCaptured>, mut exit: MessageWriter<AppExit>| {
            let verdict = judge(&captured.image);
            let errors = ERRORS.load(Ordering::Relaxed);
            match (verdict, errors) {
                (Ok(summary), 0) => {
                    info!("screenshot {} ok: {summary}", path.display());
                    exit.write(AppExit::Success);
                }
                (Ok(summary), n) => {
                    eprintln!("screenshot {}: {summary}, but {n} error(s) were logged", path.display());
                    exit.write(AppExit::error());
                }
                (Err(why), _) => {
                    eprintln!("screenshot {}: {why}", path.display());
                    exit.write(AppExit::error());
                }
            }
        },
    );
}

/// A picture is "not blank" when it has real contrast and many colours.
fn judge(image: &Image) -> Result<String, String> {
    let Some(data) = image.data.as_ref() else { return Err("no pixel data".into()) };
    let px: Vec<[u8; 4]> = data.chunks_exact(4).map(|c| [c[0], c[1], c[2], c[3]]).collect();
    if px.is_empty() {
        return Err("empty image".into());
    }
    let lum: Vec<f64> = px.iter().map(|p| 0.3 * p[0] as f64 + 0.59 * p[1] as f64 + 0.11 * p[2] as f64).collect();
    let mean = lum.iter().sum::<f64>() / lum.len() as f64;
    let sd = (lum.iter().map(|l| (l - mean) * (l - mean)).sum::<f64>() / lum.len() as f64).sqrt();
    let mut colours: Vec<u32> = px
        .iter()
        .step_by(7)
        .map(|p| ((p[0] as u32 >> 3) << 10) | ((p[1] as u32 >> 3) << 5) | (p[2] as u32 >> 3))
        .collect();
    colours.sort_unstable();
    colours.dedup();
    let summary = format!("{} px, luminance mean {mean:.1} sd {sd:.1}, {} colours", px.len(), colours.len());
    if sd < 4.0 || colours.len() < 24 {
        return Err(format!("looks blank ({summary})"));
    }
    Ok(summary)
}
